// Dengon as deployed: the same runtime as `npm start`, over PostgreSQL
// (pub/sub through Redis when REDIS_URL is set), graphql-ws on the same port,
// production mode, no logging (a log line per request would measure pino,
// not Dengon). Job workers stay off: their polling is work no request asked
// for, and the scenarios send no scheduled deliveries.
import { loadConfig } from '../../src/env.ts';
import { createRuntime } from '../../src/runtime.ts';
import { attachWebSockets } from '../../src/subscriptions/ws.ts';
import { serve } from './serve.ts';

const config = loadConfig({ ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent' });
if (!config.databaseUrl) throw new Error('DATABASE_URL is required (the bench database)');

// The parent already migrated the bench database: no migration here.
const runtime = await createRuntime({ config, database: { source: { kind: 'postgres', url: config.databaseUrl }, migrate: false }, jobs: false });
let sockets: { dispose(): Promise<void> } | undefined;

await serve(
  'dengon',
  runtime.yoga,
  async () => {
    await sockets?.dispose();
    await runtime.close();
  },
  // graphql-ws on the same port and path, as src/server.ts serves it (S5).
  (server) => {
    sockets = attachWebSockets(server, runtime.yoga, runtime.deps);
  },
);
