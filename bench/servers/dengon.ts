// Dengon as deployed: buildApp over PostgreSQL (pub/sub through Redis when
// REDIS_URL is set), graphql-ws on the same port, production mode, no logging
// (a log line per request would measure pino, not Dengon).
import { buildApp } from '../../src/app.ts';
import { systemClock } from '../../src/clock.ts';
import { openDatabase } from '../../src/db/client.ts';
import { loadConfig } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { createJobQueue } from '../../src/jobs/queue.ts';
import { createPluginHost } from '../../src/plugin-system/host.ts';
import { createEvents } from '../../src/events/bus.ts';
import { attachWebSockets } from '../../src/subscriptions/ws.ts';
import { serve } from './serve.ts';

const config = loadConfig({ ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
if (!config.databaseUrl) throw new Error('DATABASE_URL is required (the bench database)');

// The parent already migrated the bench database: no migrate() here.
const db = await openDatabase({ kind: 'postgres', url: config.databaseUrl });
const logger = createLogger(config.logLevel);
const jobs = createJobQueue(db.driver, (message, error) => logger.error({ err: error }, message));
const events = createEvents({ db, clock: systemClock, config, logger });
const deps = { db, clock: systemClock, config, logger, jobs, events, plugins: await createPluginHost(config, logger) };
const app = buildApp(deps);
let sockets: { dispose(): Promise<void> } | undefined;

await serve(
  'dengon',
  app,
  async () => {
    await sockets?.dispose();
    await app.dispose();
    await events.close();
    await db.close();
  },
  // graphql-ws on the same port and path, as src/server.ts serves it (S5).
  (server) => {
    sockets = attachWebSockets(server, app, deps);
  },
);
