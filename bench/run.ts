// `npm run bench`: creates a scratch database, runs the scenarios (each starts
// and stops its own servers), prints comparisons and writes .bench/results.json.
// Bounded: a watchdog ends the run, and every exit path stops the servers
// and drops the database.
import os from 'node:os';
import path from 'node:path';
import { killAllSync, ROOT, stopAll } from './lib/children.ts';
import { type BenchDatabase, createBenchDatabase } from './lib/database.ts';
import { type Options, readOptions } from './lib/options.ts';
import { comparisonLine, finalTables, writeJson } from './lib/report.ts';
import type { ScenarioResult } from './lib/scenario.ts';
import { scenarios } from './scenarios/index.ts';

const RESULTS_FILE = path.join(ROOT, '.bench', 'results.json');
const SETUP_SEC = 60;

const log = (line: string) => console.error(line);
const startedAt = new Date();
let db: BenchDatabase | undefined;
let cleaning: Promise<void> | undefined;

/** Idempotent: called on success, failure, timeout and signals alike. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll().catch((error: unknown) => log(`! stopping servers: ${String(error)}`));
    await db?.drop().catch((error: unknown) => log(`! dropping ${db?.name}: ${String(error)}`));
  })();
  return cleaning;
}

const ABORT_GRACE_MS = 15_000;

function abort(why: string, code: number): void {
  log(`! ${why}: stopping servers and dropping the bench database`);
  // Even a hung cleanup (unreachable database) must not keep the run alive.
  setTimeout(() => process.exit(code), ABORT_GRACE_MS).unref();
  void cleanup().finally(() => process.exit(code));
}

process.on('exit', killAllSync);
process.on('SIGINT', () => abort('interrupted', 130));
process.on('SIGTERM', () => abort('terminated', 143));

function selected(options: Options) {
  const unknown = options.only.filter((id) => !scenarios.some((s) => s.id === id));
  if (unknown.length) throw new Error(`BENCH_ONLY names unknown scenario(s): ${unknown.join(', ')}`);
  return options.only.length ? scenarios.filter((s) => options.only.includes(s.id)) : scenarios;
}

async function main(): Promise<void> {
  const options = readOptions();
  const toRun = selected(options);
  const budgetSec = options.timeoutSec || SETUP_SEC + 2 * toRun.reduce((sum, s) => sum + s.estimateSec(options), 0);
  const watchdog = setTimeout(() => abort(`run exceeded ${budgetSec} s (BENCH_TIMEOUT)`, 124), budgetSec * 1000);

  log(
    `bench: ${toRun.map((s) => s.id).join(', ')}; ${options.rounds} round(s) x ${options.durationSec} s ` +
      `(+${options.warmupSec} s warm-up), ${options.connections} connections; time limit ${budgetSec} s`,
  );
  const results: ScenarioResult[] = [];
  let failure: unknown;
  try {
    db = await createBenchDatabase(options.adminUrl);
    log(`database ${db.name} (PostgreSQL ${db.serverVersion}) created and migrated`);
    for (const scenario of toRun) {
      const result = await scenario.run({ options, db, log });
      results.push(result);
      for (const comparison of result.comparisons) console.log(comparisonLine(comparison));
    }
  } catch (error) {
    failure = error;
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }

  const finishedAt = new Date();
  await writeJson(RESULTS_FILE, {
    ok: failure === undefined,
    ...(failure === undefined ? {} : { error: failure instanceof Error ? failure.message : String(failure) }),
    startedAt,
    finishedAt,
    wallSec: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    options: { ...options, adminUrl: redactUrl(options.adminUrl) },
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      postgres: db?.serverVersion ?? 'unknown',
      platform: `${os.platform()} ${os.release()}`,
    },
    scenarios: results,
  });
  if (failure !== undefined) throw failure;

  console.log(`\n${finalTables(results)}`);
  log(`\nresults: ${path.relative(process.cwd(), RESULTS_FILE)}; wall time ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(1)} s`);
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

main()
  .catch((error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    // Only fires if some library left a handle open: the run must still end.
    setTimeout(() => {
      log('! open handles after the run; exiting anyway');
      process.exit();
    }, 5_000).unref();
  });
