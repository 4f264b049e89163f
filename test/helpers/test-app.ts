import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { inject } from 'vitest';
import { type App, buildApp } from '../../src/app.ts';
import type { AppDeps } from '../../src/context.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { type Config, loadConfig } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { createPluginHost } from '../../src/plugin-system/host.ts';
import type { PluginHost } from '../../src/plugin-system/runner.ts';
import { createEvents, type Events } from '../../src/events/bus.ts';
import { startAfterHooks, type AfterHooks } from '../../src/plugin-system/after-hooks.ts';
import { FakeClock } from './fake-clock.ts';
import { createJobQueue } from '../../src/jobs/queue.ts';
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
  deps: AppDeps;
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

/** A whole Dengon app over this test file's own fresh database; `logTo` receives the JSON log lines (set LOG_LEVEL too). */
export async function createTestApp(env: Record<string, string> = {}, logging: { logTo?: DestinationStream } = {}): Promise<TestApp> {
  // Plugins load first: a bad set fails before a database is opened.
  // With REDIS_URL (CI's second run) every app's pub/sub goes through Redis.
  const redis = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {};
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...redis, ...env });
  const logger = createLogger(config.logLevel, logging.logTo);
  const plugins = await createPluginHost(config, logger);
  const template = inject('dbTemplate');
  const queries: string[] = [];
  const options = { onQuery: (sql: string) => queries.push(sql) };
  let db: Database;
  let drop = async () => {};
  if (template.kind === 'pglite') {
    const snapshot = new Blob([fs.readFileSync(template.snapshotPath)]);
    db = await openDatabase({ kind: 'pglite', snapshot }, options);
  } else {
    const name = `${template.prefix}${randomBytes(6).toString('hex')}`;
    await adminQuery(template.adminUrl, `CREATE DATABASE "${name}" TEMPLATE "${template.template}"`);
    db = await openDatabase({ kind: 'postgres', url: databaseUrl(template.adminUrl, name) }, options);
    drop = () => adminQuery(template.adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  const clock = new FakeClock();
  const jobs = createJobQueue(db.driver, (message, error) => logger.error({ err: error }, message));
  const events = createEvents({ db, clock, config, logger }, { start: false });
  // No timer: tests run due hooks themselves (afterHooks.runDue) after moving the fake clock.
  const afterHooks = startAfterHooks({ db, clock, logger, plugins, events }, { pollMs: 0 });
  events.publisher.start();
  const deps = { db, clock, config, logger, jobs, plugins, events };
  const yoga = buildApp(deps);
  return {
    yoga,
    db,
    clock,
    config,
    plugins,
    events,
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
      await jobs.stop();
      await events.close();
      await afterHooks.stop();
      await db.close();
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
