import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { openPglite, pgliteAdapterFactory } from './pglite.ts';
import { registerRootClient } from './tx-memo.ts';

export type { PrismaClient };

/** A Prisma transaction client: what services receive as `tx`. */
export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** Runs raw SQL outside Prisma: used by the migrator and test setup. */
export interface SqlDriver {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; `exec` takes multi-statement scripts, `query` one statement with parameters. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * For libraries that bring their own SQL (the job queue): with parameters one
   * statement, without them a script whose last statement's rows are returned.
   */
  execute(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  close(): Promise<void>;
}

export interface SqlTx {
  exec(script: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database {
  prisma: PrismaClient;
  driver: SqlDriver;
  close(): Promise<void>;
}

// Generous limits: PGlite serialises transactions on one connection, and a
// burst of concurrent mutations queues behind each other rather than failing.
const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 30_000 };

export type DatabaseSource =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite'; snapshot: Blob };

export type DatabaseOptions = {
  /** Called with every SQL statement Prisma sends (tests count statements per request). */
  onQuery?: (sql: string) => void;
};

export async function openDatabase(source: DatabaseSource, options: DatabaseOptions = {}): Promise<Database> {
  if (source.kind === 'postgres') return openPostgres(source.url, options);
  const pglite = await openPglite('snapshot' in source ? { snapshot: source.snapshot } : { dataDir: source.dataDir });
  return fromPglite(pglite, options);
}

function createClient(adapter: SqlDriverAdapterFactory, options: DatabaseOptions): PrismaClient {
  const onQuery = options.onQuery;
  const client = onQuery
    ? new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS, log: [{ emit: 'event', level: 'query' }] })
    : new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
  if (onQuery) (client as PrismaClient<'query'>).$on('query', (event) => onQuery(event.query));
  registerRootClient(client);
  return client;
}

export function fromPglite(pglite: PGlite, options: DatabaseOptions = {}): Database {
  const prisma = createClient(pgliteAdapterFactory(pglite), options);
  const driver: SqlDriver = {
    kind: 'pglite',
    transaction: (fn) =>
      pglite.transaction((tx) =>
        fn({
          exec: async (script) => void (await tx.exec(script)),
          query: async <T>(sql: string, params: unknown[] = []) => (await tx.query<T>(sql, params)).rows,
        }),
      ),
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pglite.query<T>(sql, params)).rows;
    },
    async execute(sql, params = []) {
      if (params.length > 0) return { rows: (await pglite.query(sql, params)).rows };
      try {
        const results = await pglite.exec(sql);
        return { rows: results.at(-1)?.rows ?? [] };
      } catch (error) {
        // A script with its own BEGIN stops at the error inside an open, aborted transaction.
        await pglite.exec('ROLLBACK');
        throw error;
      }
    },
    close: () => pglite.close(),
  };
  return {
    prisma,
    driver,
    async close() {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
    },
  };
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  const prisma = createClient(new PrismaPg({ connectionString: url }), options);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle connection the server ends (restart, DROP DATABASE … FORCE) is
  // re-emitted on the pool; without a listener Node turns it into an uncaught
  // exception. The pool opens a new connection on the next query.
  pool.on('error', () => {});
  const driver: SqlDriver = {
    kind: 'postgres',
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          exec: async (script) => void (await client.query(script)),
          query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async execute(sql, params = []) {
      if (params.length > 0) return { rows: (await pool.query(sql, params)).rows };
      // A script may open its own transaction: if it fails part-way, roll back
      // on the same connection before it returns to the pool.
      const client = await pool.connect();
      try {
        const result: pg.QueryResult | pg.QueryResult[] = await client.query(sql);
        return { rows: (Array.isArray(result) ? result.at(-1)?.rows : result.rows) ?? [] };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
  return {
    prisma,
    driver,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
