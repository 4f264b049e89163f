// Migration drift / generation without the native Prisma schema engine (the
// machine is offline, so the CLI cannot download it). The WASM build of the
// engine does the diffing; a throwaway in-memory PGlite stands in for the
// shadow database.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import * as engineBg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaContainer, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';

// The engine's Rust panic hook calls `PRISMA_WASM_PANIC_REGISTRY.set_message`;
// without this object a panic turns into an unrelated TypeError. An existing
// registry (Prisma's CLI installs one of the same shape) is reused.
interface PanicRegistry {
  message: string;
  set_message(message: string): void;
}
const panicGlobal = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry };
const panicRegistry = (panicGlobal.PRISMA_WASM_PANIC_REGISTRY ??= {
  message: '',
  set_message(message: string) {
    this.message = `RuntimeError: ${message}`;
  },
});

// tsconfig has no DOM lib and @types/node 20 does not type WebAssembly; this
// is the one call used.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let engineReady: Promise<void> | undefined;

// The package root does `import * as wasm from "./x.wasm"`, which Node 20
// cannot load, so instantiate the module by hand. Done once per process:
// the glue module keeps the instance in a module-level variable.
function loadEngine(): Promise<void> {
  engineReady ??= (async () => {
    // Resolve via the "require" condition so this also works where
    // import.meta.resolve is unavailable (e.g. vitest's module runner).
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': engineBg });
    engineBg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  })();
  engineReady.catch(() => (engineReady = undefined));
  return engineReady;
}

/** Migration SQL files in apply order (directory names sort by timestamp). */
async function readMigrations(migrationsDir: string): Promise<{ name: string; sql: string }[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const out: { name: string; sql: string }[] = [];
  for (const name of names) {
    try {
      out.push({ name, sql: await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8') });
    } catch (err) {
      // A folder without migration.sql is a half-made migration; skipping it
      // silently would hide real drift.
      throw new Error(`Cannot read ${join(migrationsDir, name, 'migration.sql')}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** The engine prints comment-only scripts (e.g. "-- This is an empty migration.") for no change. */
function normaliseScript(script: string | null): string {
  const sql = (script ?? '').trim();
  const hasStatement = sql.split('\n').some((line) => {
    const t = line.trim();
    return t !== '' && !t.startsWith('--');
  });
  return hasStatement ? `${sql}\n` : '';
}

/**
 * SQL that takes a database with every committed migration applied (in
 * lexical order) to the datamodel in `schemaPath`; '' when there is no drift.
 * Prisma does not model CHECK constraints, so hand-written ones in the
 * migrations never count as drift.
 */
export async function diffMigrationsToSchema(opts: { migrationsDir: string; schemaPath: string }): Promise<string> {
  return diffToSchema(opts.schemaPath, await readMigrations(opts.migrationsDir));
}

/** The whole schema as SQL, as if no migration had been committed. */
export async function diffEmptyToSchema(schemaPath: string): Promise<string> {
  return diffToSchema(schemaPath, []);
}

async function diffToSchema(schemaPath: string, migrations: { name: string; sql: string }[]): Promise<string> {
  const files: SchemaContainer[] = [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }];

  await loadEngine();
  const pglite = new PGlite();
  let engine: SchemaEngine | undefined;
  try {
    // Applied with PGlite's own exec rather than the engine's `migrations`
    // target: the adapter's executeScript does not await, so SQL errors would
    // escape as unhandled rejections, and its shadow database is never closed.
    for (const m of migrations) {
      try {
        await pglite.exec(m.sql);
      } catch (err) {
        throw new Error(`Migration ${m.name} failed on a fresh database: ${(err as Error).message}`);
      }
    }
    const logs: string[] = [];
    try {
      engine = await engineBg.SchemaEngine.new(
        { datamodels: files.map((f) => [f.path, f.content]) },
        (line: string) => logs.push(line),
        adapterFactory(pglite),
      );
      const result = await engine.diff({
        from: { tag: 'schemaDatasource', files, configDir: dirname(schemaPath) },
        to: { tag: 'schemaDatamodel', files },
        script: true,
        exitCode: null,
        filters: { externalTables: [], externalEnums: [] },
      });
      return normaliseScript(result.stdout);
    } catch (err) {
      throw engineError(err, logs);
    }
  } finally {
    engine?.free();
    await pglite.close();
  }
}

// The engine expects the factory in the error-capturing shape that
// driver-adapter-utils' binder produces (results as { ok, value }, methods
// callable detached). The shadow database is refused on purpose: the
// adapter's own one is a PGlite nobody closes, and these diffs never need one.
function adapterFactory(pglite: PGlite) {
  const factory = new PrismaPGlite(pglite);
  return bindMigrationAwareSqlAdapterFactory({
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => factory.connect(),
    connectToShadowDb: () => Promise.reject(new Error('schema-diff: no shadow database is provided')),
  });
}

// Engine errors arrive as plain objects or panics; make them readable Errors.
function engineError(err: unknown, logs: string[]): Error {
  const panic = panicRegistry.message;
  panicRegistry.message = '';
  const detail =
    err instanceof Error ? err.message : typeof err === 'object' && err !== null ? JSON.stringify(err) : String(err);
  const parts = [`Schema engine failed: ${detail}`];
  if (panic) parts.push(panic);
  if (logs.length > 0) parts.push(`Engine log:\n${logs.slice(-10).join('\n')}`);
  return new Error(parts.join('\n'));
}
