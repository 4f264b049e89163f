// Run settings, all from BENCH_* variables so CI and people scale the same knobs.

export type Options = {
  /** Admin connection: the bench creates and drops its own database through it. */
  adminUrl: string;
  /** Measured seconds per server per round. */
  durationSec: number;
  /** Unmeasured seconds before each measurement: the server sat idle while the others ran. */
  warmupSec: number;
  connections: number;
  rounds: number;
  /** Scenario ids to run (e.g. ["S1"]); empty runs all. */
  only: string[];
  /** Server names to run under `node --cpu-prof` (BENCH_CPU_PROF=dengon); skews their figures. */
  cpuProfile: string[];
  /** Hard limit on the whole run; 0 means derived from the scenarios' estimates. */
  timeoutSec: number;
};

const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number, { allowZero = false } = {}): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${text}"`);
  }
  return value;
}

export function readOptions(env: NodeJS.ProcessEnv = process.env): Options {
  const adminUrl = env.DATABASE_URL || DEFAULT_ADMIN_URL;
  const host = new URL(adminUrl).hostname;
  // Loopback only: the load generator and the servers share this machine, and
  // a remote database would measure the network instead of Dengon.
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`DATABASE_URL must point at a loopback PostgreSQL, got host "${host}"`);
  }
  return {
    adminUrl,
    durationSec: positiveInt(env, 'BENCH_DURATION', 5),
    warmupSec: positiveInt(env, 'BENCH_WARMUP', 1, { allowZero: true }),
    connections: positiveInt(env, 'BENCH_CONNECTIONS', 20),
    rounds: positiveInt(env, 'BENCH_ROUNDS', 3),
    only: (env.BENCH_ONLY ?? '')
      .split(',')
      .map((id) => id.trim().toUpperCase())
      .filter(Boolean),
    cpuProfile: (env.BENCH_CPU_PROF ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    timeoutSec: positiveInt(env, 'BENCH_TIMEOUT', 0, { allowZero: true }),
  };
}
