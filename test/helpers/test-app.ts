import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { inject } from 'vitest';
import type { App } from '../../src/app.ts';
import type { ServerDeps } from '../../src/context.ts';
import type { Database, DatabaseSource } from '../../src/db/client.ts';
import { type Config, loadConfig } from '../../src/env.ts';
import type { PluginHost } from '../../src/plugin-system/runner.ts';
import type { Events } from '../../src/events/bus.ts';
import type { AfterHooks } from '../../src/plugin-system/after-hooks.ts';
import { createRuntime } from '../../src/runtime.ts';
import { createLogger } from '../../src/logger.ts';
import { FakeClock } from './fake-clock.ts';
import { databaseUrl } from './template-db.ts';

export type GraphQLResponse<T = any> = {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};

export type TestApp = {
  yoga: App;
  db: Database;
  clock: FakeClock;
  /** What the app was built from: tests run jobs (scheduled sends, resume) with it. */
  deps: ServerDeps;
  config: Config;
  /** The plugins this app loaded (bundled plus `PLUGINS`). */
  plugins: PluginHost;
  /** The outbox publisher and pub/sub of this app. */
  events: Events;
  /** Plugin after-commit hooks: recorded by the publisher, run by `runDue()` (no timer in tests). */
  afterHooks: AfterHooks;
  /** SQL statements Prisma sent since the last reset. */
  queries: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  /** A raw HTTP request through the app, for status codes and non-GraphQL endpoints. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
};

/**
 * What a test app differs in from `npm start`, on the same runtime: a fake
 * clock, no job workers (tests run jobs themselves), after-hooks run by
 * `afterHooks.runDue()` rather than a timer, and every SQL statement counted.
 */
export const TEST_RUNTIME = { jobs: false, afterHookPollMs: 0 } as const;

/** A whole Dengon app over this test file's own fresh database; `logTo` receives the JSON log lines (set LOG_LEVEL too). */
export async function createTestApp(env: Record<string, string> = {}, logging: { logTo?: DestinationStream } = {}): Promise<TestApp> {
  // With REDIS_URL (CI's second run) every app's pub/sub goes through Redis.
  const redis = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {};
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...redis, ...env });
  const logger = createLogger(config.logLevel, logging.logTo);
  const template = inject('dbTemplate');
  const queries: string[] = [];
  let source: DatabaseSource;
  let drop = async () => {};
  if (template.kind === 'pglite') {
    source = { kind: 'pglite', snapshot: new Blob([fs.readFileSync(template.snapshotPath)]) };
  } else {
    const name = `${template.prefix}${randomBytes(6).toString('hex')}`;
    await adminQuery(template.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template.template}"`);
    source = { kind: 'postgres', url: databaseUrl(template.adminUrl, name) };
    drop = () => adminQuery(template.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  const clock = new FakeClock();
  // Plugins load first: a bad set fails before the database is opened (the copy is dropped).
  const runtime = await createRuntime({
    ...TEST_RUNTIME,
    config,
    clock,
    logger,
    database: { source, migrate: false },
    onQuery: (sql) => queries.push(sql),
  }).catch(async (error: unknown) => {
    await drop();
    throw error;
  });
  const { deps, yoga, afterHooks } = runtime;
  return {
    yoga,
    db: deps.db,
    clock,
    config,
    plugins: deps.plugins,
    events: deps.events,
    afterHooks,
    queries,
    async gql(query, variables, token) {
      const response = await yoga.fetch('http://dengon.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse;
    },
    fetch: (path, init) => Promise.resolve(yoga.fetch(new URL(`http://dengon.test${path}`), init ?? {})),
    deps,
    async close() {
      await runtime.close();
      await drop();
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
