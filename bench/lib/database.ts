// A throw-away PostgreSQL database per run: benchmarks never touch a developer's
// data, and concurrent runs (different pids) do not collide.
import pg from 'pg';
import { openDatabase } from '../../src/db/client.ts';
import { migrateAll } from '../../src/migrator.ts';

export type BenchDatabase = {
  name: string;
  /** Connection string of the bench database, handed to the servers. */
  url: string;
  /** Small pool for seeding and checks from the bench process itself. */
  pool: pg.Pool;
  serverVersion: string;
  /** Drops the database; safe to call twice and after a partial create. */
  drop(): Promise<void>;
};

const CONNECT_TIMEOUT_MS = 10_000;

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `dengon_bench_${process.pid}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let pool: pg.Pool | undefined;
  let dropped = false;

  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await pool?.end().catch(() => {});
    // FORCE ends connections a crashed server child may still hold.
    await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };

  // A previous run with the same pid that was SIGKILLed leaves its database behind.
  await withAdmin(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  try {
    // Dengon's own migrator, so the schema is exactly what the server expects.
    const db = await openDatabase({ kind: 'postgres', url: url.toString() });
    try {
      await migrateAll(db.driver);
    } finally {
      await db.close();
    }
    pool = new pg.Pool({ connectionString: url.toString(), max: 2, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    const version = await pool.query<{ server_version: string }>('SHOW server_version');
    return { name, url: url.toString(), pool, serverVersion: version.rows[0]?.server_version ?? 'unknown', drop };
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
}
