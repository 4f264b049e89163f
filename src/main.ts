import { buildApp } from './app.ts';
import { systemClock } from './clock.ts';
import { openConfiguredDatabase } from './db/open.ts';
import { loadConfig } from './env.ts';
import { createLogger } from './logger.ts';
import { seedDemo } from './demo.ts';
import { createJobQueue } from './jobs/queue.ts';
import { deliveryJobHandlers, resumeInterruptedSends } from './jobs/delivery-jobs.ts';
import { maintenanceJobHandlers } from './jobs/maintenance-jobs.ts';
import { createPluginHost } from './plugin-system/host.ts';
import { createEvents } from './events/bus.ts';
import { startAfterHooks } from './plugin-system/after-hooks.ts';
import { listen } from './server.ts';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // Before the database opens: a bad plugin set stops the server at once, with its reason.
  const plugins = await createPluginHost(config, logger);
  logger.info({ plugins: plugins.registry.all.map((p) => `${p.id}@${p.version}`) }, 'plugins loaded');
  const { db, applied, where } = await openConfiguredDatabase(config);
  logger.info({ applied }, `database: ${where}; ${applied.length} migration(s) applied`);

  // Starting the publisher first sends what was committed while no instance ran.
  const events = createEvents({ db, clock: systemClock, config, logger }, { start: false });
  // Registered before the first drain, so events committed while no instance ran reach plugins too.
  const afterHooks = startAfterHooks({ db, clock: systemClock, logger, plugins, events });
  events.publisher.start();
  logger.info(`pub/sub: ${config.redisUrl ? 'Redis (shared by every instance)' : 'in memory (one instance)'}`);
  const jobs = createJobQueue(db.driver, (message, error) => logger.error({ err: error }, message));
  const deps = { db, clock: systemClock, config, logger, jobs, plugins, events };
  if (process.argv.includes('--demo')) console.log(await seedDemo(deps));

  const yoga = buildApp(deps);
  // Scheduled sends, and sends a crashed instance left part-way (resumed at
  // once here, then every minute by any instance).
  const jobDeps = { db, clock: systemClock, logger, narrowcastMinTargets: config.narrowcastMinTargets, fanOutBatchSize: config.fanOutBatchSize, plugins, events };
  await jobs.start({ ...deliveryJobHandlers(jobDeps), ...maintenanceJobHandlers({ db, clock: systemClock, logger, config }) });
  void resumeInterruptedSends(jobDeps, 0).catch((error: unknown) => logger.error({ err: error }, 'resuming sends failed'));
  // HTTP and graphql-ws share the port and the path.
  const listening = await listen(yoga, deps, { host: config.host, port: config.port });
  const { server, url } = listening;
  // Plain text for the person who just typed `npm start`; logs stay JSON.
  console.log(`Dengon is serving GraphQL${config.nodeEnv === 'production' ? '' : ' (GraphiQL in the browser)'} at ${url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests, then closing the database`);
    // Subscribers reconnect elsewhere (1001 Going Away); they hold no request open.
    await listening.closeWebSockets();
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    // close() stops accepting and resolves when in-flight requests are done.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await yoga.dispose();
    await jobs.stop();
    await events.close();
    await afterHooks.stop();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
