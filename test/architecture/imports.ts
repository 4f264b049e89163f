// The import graph of the source tree, as the TypeScript compiler's own
// pre-processor reads it (import, import type, export … from, import()
// with a literal), and the two questions asked of it: which files import each
// other in a circle, and which imports run up the layer table.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** file → the files it imports; paths relative to the root, with forward slashes. */
export type ImportGraph = Map<string, string[]>;

/** Package specifiers that name a file of this tree (package.json "exports"). */
const SELF_REFERENCES: Record<string, string> = { 'dengon/plugin': 'src/plugin-system/public.ts' };

/** Every .ts file under `dirs` (tests and generated code left out) with the files of this tree it imports. */
export function readImportGraph(root: string, dirs: string[], skip: (file: string) => boolean = () => false): ImportGraph {
  const graph: ImportGraph = new Map();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const file = `${dir}/${entry.name}`;
      if (skip(file)) continue;
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('.d.ts')) graph.set(file, importsOf(root, file));
    }
  };
  for (const dir of dirs) walk(dir);
  return graph;
}

function importsOf(root: string, file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const targets = new Set<string>();
  for (const { fileName } of importedFiles) {
    const target = SELF_REFERENCES[fileName] ?? (fileName.startsWith('.') ? resolve(root, file, fileName) : undefined);
    if (target) targets.add(target);
  }
  return [...targets];
}

function resolve(root: string, from: string, specifier: string): string {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [joined, `${joined}.ts`, `${joined}/index.ts`]) {
    if (fs.existsSync(path.join(root, candidate)) && fs.statSync(path.join(root, candidate)).isFile()) return candidate;
  }
  return joined;
}

/**
 * The circles of the graph: each strongly connected set of two or more files
 * (or a file importing itself), as one loop through it that a reader can
 * follow, e.g. [a, b, c] for a → b → c → a. Tarjan's algorithm.
 */
export function findCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const to of graph.get(file) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(file, Math.min(low.get(file)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const members: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      members.push(member);
    } while (member !== file);
    if (members.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(loopThrough(graph, new Set(members), file));
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return cycles;
}

/** A shortest way from `start` back to itself inside one strongly connected set. */
function loopThrough(graph: ImportGraph, members: Set<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const to of graph.get(file) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const loop = [file];
        while (loop[0] !== start) loop.unshift(cameFrom.get(loop[0]!)!);
        return loop;
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, file);
        queue.push(to);
      }
    }
  }
  return [start];
}

/** One row of the layer table: the files it holds, first matching row wins. */
export type Layer = { name: string; holds: (file: string) => boolean };

/** The layer a file belongs to (its index in the table, top first), or undefined when no row holds it. */
export function layerOf(layers: readonly Layer[], file: string): number | undefined {
  const at = layers.findIndex((layer) => layer.holds(file));
  return at < 0 ? undefined : at;
}

/** Imports from a lower layer to a higher one, as "from (layer) → to (layer)". */
export function arrowsUp(graph: ImportGraph, layers: readonly Layer[]): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    const own = layerOf(layers, from);
    if (own === undefined) continue;
    for (const to of targets) {
      const their = layerOf(layers, to);
      if (their !== undefined && their < own) found.push(`${from} (${layers[own]!.name}) → ${to} (${layers[their]!.name})`);
    }
  }
  return found.sort();
}
