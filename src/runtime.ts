import type { Logger } from 'pino';
import { BUNDLED_PLUGINS } from '../plugins/index.ts';
import { buildApp } from './app.ts';
import { type Clock, systemClock } from './clock.ts';
import type { App, ServerDeps } from './context.ts';
import { type Database, type DatabaseSource, openDatabase } from './db/client.ts';
import { configuredDatabase } from './db/open.ts';
import type { Config } from './env.ts';
import { createEvents, type Events } from './events/bus.ts';
import { createJobQueue, type JobQueue } from './jobs/queue.ts';
import { createLogger } from './logger.ts';
import { maintenanceJobHandlers } from './maintenance/maintenance.jobs.ts';
import { migrateAll } from './migrator.ts';
import { deliveryJobHandlers, resumeInterruptedSends } from './modules/deliveries/delivery.jobs.ts';
import { type AfterHooks, startAfterHooks } from './plugin-system/after-hooks.ts';
import { createPluginHost } from './plugin-system/host.ts';
import type { PluginDefinition } from './plugin-system/types.ts';
import { createSubscriptionCaches, type SubscriptionCaches } from './subscriptions/caches.ts';

export type RuntimeOptions = {
  config: Config;
  /** Where time comes from (tests: a fake clock). Default: the system clock. */
  clock?: Clock;
  /** Default: JSON logs at `config.logLevel`. */
  logger?: Logger;
  /**
   * Default: the configured database (DATABASE_URL, else PGlite under
   * DATA_DIR), opened and migrated. `source`: open this one instead (a test
   * file's copy, the bench database), migrated first unless `migrate: false`.
   * `shared`: run on a database another runtime in this process opened (a
   * second instance, in tests); it is left open on close.
   */
  database?: { source: DatabaseSource; migrate?: boolean } | { shared: Database };
  /** Called with every SQL statement Prisma sends (tests count statements per request). */
  onQuery?: (sql: string) => void;
  /**
   * Job workers (scheduled sends, the resume sweep, the retention purge), and
   * resuming interrupted sends at once. Default true; tests run jobs
   * themselves, and the bench measures requests alone.
   */
  jobs?: boolean;
  /** How often due plugin after-hooks run; 0 runs no timer (tests call `afterHooks.runDue()`). */
  afterHookPollMs?: number;
  /** Default: plugins/index.ts. */
  bundledPlugins?: readonly PluginDefinition[];
};

/** One Dengon process's parts, wired in one place for main.ts, the tests and the bench alike. */
export type Runtime = {
  /** What the app was built from; services and jobs take what they need of it. */
  deps: ServerDeps;
  yoga: App;
  /** Plugin after-commit hooks: recorded by the publisher, run by a timer or by `runDue()`. */
  afterHooks: AfterHooks;
  /**
   * Stops everything, each part after what feeds it: the app, the job
   * workers, the publisher (so every event it took reaches the after-hooks),
   * the after-hooks, then the database. Idempotent. HTTP and WebSocket
   * connections are the server's to drain first (src/main.ts).
   */
  close(): Promise<void>;
};

/**
 * Builds the app and everything it runs on: plugins (first: a bad set stops
 * start-up before a database is touched), the database, events (the outbox
 * publisher and pub/sub), plugin after-hooks, the job queue with its
 * handlers, the subscription caches and the yoga app.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const plugins = await createPluginHost(config, logger, options.bundledPlugins ?? BUNDLED_PLUGINS);
  logger.info({ plugins: plugins.registry.all.map((p) => `${p.id}@${p.version}`) }, 'plugins loaded');

  const { db, owned } = await openRuntimeDatabase(options, logger);
  let events: Events | undefined;
  let afterHooks: AfterHooks | undefined;
  let jobs: JobQueue | undefined;
  let yoga: App | undefined;
  let subscriptions: SubscriptionCaches | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= inOrder([
      () => yoga?.dispose(),
      () => jobs?.stop(),
      () => subscriptions?.close(),
      () => events?.close(),
      () => afterHooks?.stop(),
      () => (owned ? db.close() : undefined),
    ]));

  try {
    // The publisher starts only once the after-hooks listen, so the events
    // committed while no instance ran reach plugins too.
    events = createEvents({ db, clock, config, logger }, { start: false });
    afterHooks = startAfterHooks({ db, clock, logger, plugins, events }, { pollMs: options.afterHookPollMs });
    events.publisher.start();
    logger.info(`pub/sub: ${config.redisUrl ? 'Redis (shared by every instance)' : 'in memory (one instance)'}`);
    jobs = createJobQueue(db.driver, (message, error) => logger.error({ err: error }, message));
    subscriptions = createSubscriptionCaches(events.pubsub, logger);
    const deps: ServerDeps = { db, clock, config, logger, jobs, plugins, events, subscriptions };
    yoga = buildApp(deps);
    if (options.jobs !== false) {
      await jobs.start({ ...deliveryJobHandlers(deps), ...maintenanceJobHandlers(deps) });
      // Sends a crashed instance left part-way: resumed at once here, then every minute by any instance.
      void resumeInterruptedSends(deps, 0).catch((error: unknown) => logger.error({ err: error }, 'resuming sends failed'));
    }
    return { deps, yoga, afterHooks, close };
  } catch (error) {
    await close().catch((err: unknown) => logger.error({ err }, 'closing after a failed start failed'));
    throw error;
  }
}

async function openRuntimeDatabase(options: RuntimeOptions, logger: Logger): Promise<{ db: Database; owned: boolean }> {
  const chosen = options.database;
  if (chosen && 'shared' in chosen) return { db: chosen.shared, owned: false };
  const { source, where } = chosen ? { source: chosen.source, where: chosen.source.kind } : configuredDatabase(options.config);
  const db = await openDatabase(source, { onQuery: options.onQuery });
  if (chosen?.migrate === false) return { db, owned: true };
  try {
    const applied = await migrateAll(db.driver);
    logger.info({ applied }, `database: ${where}; ${applied.length} migration(s) applied`);
    return { db, owned: true };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** Runs every step even when one fails; the first failure is rethrown at the end. */
async function inOrder(steps: (() => Promise<unknown> | unknown)[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}
