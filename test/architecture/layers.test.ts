import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { arrowsUp, findCycles, type ImportGraph, type Layer, layerOf, readImportGraph } from './imports.ts';

// ARCHITECTURE: data flows one way, and no lower layer imports a higher one.
// This reads the imports of every file under src/ and plugins/ (type-only
// imports count like any other) and fails on a circle of files or on an
// import that runs up the table below. A new file needs a row here.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const under =
  (...places: string[]) =>
  (file: string) =>
    places.some((place) => file === place || file.startsWith(`${place}/`));
const isSchemaFile = (file: string) => file.startsWith('src/modules/') && file.endsWith('.schema.ts');

/** Top to bottom; a file may import its own layer and those below it. The first row that holds a file is its layer. */
const LAYERS: readonly Layer[] = [
  { name: 'entry', holds: under('src/main.ts', 'src/runtime.ts', 'src/migrator.ts', 'src/app.ts', 'src/server.ts', 'src/demo.ts') },
  // Only the runtime picks them up (plugins/index.ts); they import only the public surface (test below).
  { name: 'bundled plugins', holds: under('plugins') },
  { name: 'transport', holds: (file) => isSchemaFile(file) || under('src/graphql', 'src/subscriptions', 'src/context.ts')(file) },
  { name: 'services', holds: under('src/modules', 'src/maintenance', 'src/deps.ts') },
  { name: 'plugin-system, events, jobs', holds: under('src/plugin-system', 'src/events', 'src/jobs') },
  { name: 'auth, db', holds: under('src/auth', 'src/db') },
  { name: 'foundations', holds: under('src/clock.ts', 'src/errors.ts', 'src/limits.ts', 'src/env.ts', 'src/duration.ts', 'src/logger.ts', 'src/generated') },
];

const graph = readImportGraph(ROOT, ['src', 'plugins'], (file) => file === 'src/generated');

describe('layers and import cycles', () => {
  test('the graph was read (a broken reader would pass everything)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('src/runtime.ts')).toContain('src/app.ts');
    // A type-only import is an arrow too.
    expect(graph.get('src/deps.ts')).toContain('src/db/client.ts');
  });

  test('every source file has a row in the layer table', () => {
    expect([...graph.keys()].filter((file) => layerOf(LAYERS, file) === undefined)).toEqual([]);
  });

  test('no file imports a file of a higher layer', () => {
    expect(arrowsUp(graph, LAYERS)).toEqual([]);
  });

  test('no files import each other in a circle', () => {
    expect(findCycles(graph).map((loop) => [...loop, loop[0]].join(' → '))).toEqual([]);
  });

  test('a bundled plugin imports only its own files and the public plugin surface (dengon/plugin)', () => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith('plugins/'))
      .flatMap(([file, targets]) => targets.filter((to) => !to.startsWith('plugins/') && to !== 'src/plugin-system/public.ts').map((to) => `${file} → ${to}`));
    expect(outside).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dengon-layers-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };

  test('a circle of files is found, through type-only imports and re-exports too', () => {
    write('src/a.ts', `import { b } from './b.ts';\nexport const a = b;\n`);
    write('src/b.ts', `import type { C } from './c.ts';\nexport const b: C = 1;\n`);
    write('src/c.ts', `export { a } from './a.ts';\nexport type C = number;\n`);
    write('src/d.ts', `import { a } from './a.ts';\n// import { d } from './d.ts' is a comment, not an arrow\nexport const d = a;\n`);
    const synthetic = readImportGraph(dir, ['src']);
    expect(synthetic.get('src/d.ts')).toEqual(['src/a.ts']);
    expect(findCycles(synthetic)).toEqual([['src/a.ts', 'src/b.ts', 'src/c.ts']]);
  });

  test('a file importing itself is a circle; a graph without loops has none', () => {
    const loops: ImportGraph = new Map([['x.ts', ['x.ts']], ['y.ts', ['x.ts']]]);
    expect(findCycles(loops)).toEqual([['x.ts']]);
    expect(findCycles(new Map([['x.ts', ['y.ts']], ['y.ts', []]]))).toEqual([]);
  });

  test('an import that runs up the table is named with both layers', () => {
    const synthetic: ImportGraph = new Map([
      ['src/db/migrate.ts', ['src/modules/deliveries/delivery.jobs.ts', 'src/env.ts']],
      ['src/modules/deliveries/send.service.ts', ['src/modules/deliveries/delivery.schema.ts', 'src/db/client.ts']],
    ]);
    expect(arrowsUp(synthetic, LAYERS)).toEqual([
      'src/db/migrate.ts (auth, db) → src/modules/deliveries/delivery.jobs.ts (services)',
      'src/modules/deliveries/send.service.ts (services) → src/modules/deliveries/delivery.schema.ts (transport)',
    ]);
  });
});
