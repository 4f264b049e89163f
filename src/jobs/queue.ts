import PgBoss from 'pg-boss';
import type { SqlDriver, Tx } from '../db/client.ts';

// Scheduled sends, interrupted fan-outs and the retention purge run on pg-boss, a Postgres job
// queue. It talks to the database through our own driver rather than a pool
// of its own, which is what lets it run on embedded PGlite too (one
// connection, so the queue and the app share it; see README "Jobs").

const SCHEMA = 'pgboss';

/** The queues Dengon uses, with their retry policy. */
export const QUEUES = {
  /** Sends one SCHEDULED delivery when it is due; data: { deliveryId, scheduledAt }. */
  scheduledSend: { name: 'delivery-scheduled-send', options: { retryLimit: 10, retryDelay: 30, retryBackoff: true } },
  /** Finishes fan-outs a crashed instance left in SENDING. */
  resumeSends: { name: 'delivery-resume-sends', options: { retryLimit: 0 } },
  /** Deletes history past its retention window (src/maintenance/retention.ts). */
  purgeExpired: { name: 'maintenance-purge-expired', options: { retryLimit: 0 } },
} as const;

type QueueName = (typeof QUEUES)[keyof typeof QUEUES]['name'];

export type JobQueue = {
  /**
   * Adds a job in the caller's transaction: it exists exactly when that
   * transaction commits, so a rolled-back schedule leaves no job behind and a
   * committed one cannot lose its job.
   */
  enqueue(tx: Tx, name: QueueName, data: object, options: { startAfter?: Date; singletonKey?: string }): Promise<void>;
  /** Starts polling; handlers throw to have the job retried with backoff. */
  start(handlers: Partial<Record<QueueName, (data: unknown) => Promise<void>>>, options?: JobQueueOptions): Promise<void>;
  stop(): Promise<void>;
};

export type JobQueueOptions = {
  /** How often idle workers look for due jobs. */
  pollingIntervalSeconds?: number;
  /** Cron for the resume-sends sweep; null disables it (tests). */
  resumeCron?: string | null;
  /** Cron for the retention purge (hourly); null disables it (tests). */
  purgeCron?: string | null;
};

/** Serialises installs by instances starting at once (create_queue deadlocks against itself otherwise). */
const INSTALL_LOCK_KEY = 727275;

/**
 * Creates pg-boss's schema and our queues if missing, in one transaction
 * under an advisory lock. Called by migrateAll (src/migrator.ts), so a
 * migrated database (and every test snapshot) already has them and starting
 * the queue is quick.
 */
export async function installJobQueue(driver: SqlDriver): Promise<void> {
  await driver.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${INSTALL_LOCK_KEY})`);
    const [installed] = await tx.query<{ t: string | null }>(`SELECT to_regclass('${SCHEMA}.version')::text AS t`);
    if (!installed?.t) await tx.exec(withoutOwnTransaction(PgBoss.getConstructionPlans(SCHEMA)));
    for (const queue of Object.values(QUEUES)) {
      await tx.query(`SELECT ${SCHEMA}.create_queue($1, $2)`, [queue.name, JSON.stringify({ policy: 'standard', ...queue.options })]);
    }
  });
}

/** pg-boss wraps its plan in BEGIN … COMMIT; ours runs inside our transaction instead. */
function withoutOwnTransaction(plan: string): string {
  const body = plan.trim();
  if (!body.startsWith('BEGIN;') || !body.endsWith('COMMIT;')) {
    throw new Error('pg-boss construction plan changed shape (expected BEGIN; … COMMIT;): check installJobQueue after upgrading pg-boss');
  }
  return body.slice('BEGIN;'.length, -'COMMIT;'.length);
}

export function createJobQueue(driver: SqlDriver, log: (message: string, error: unknown) => void): JobQueue {
  const boss = new PgBoss({
    db: { executeSql: (sql: string, params?: unknown[]) => driver.execute(sql, params) },
    schema: SCHEMA,
    // The migrator installed the schema; pg-boss upgrades it itself on a new version.
    migrate: true,
  });
  boss.on('error', (error) => log('job queue error', error));
  let started = false;

  return {
    async enqueue(tx, name, data, options) {
      const inTx = { executeSql: async (sql: string, params: unknown[] = []) => ({ rows: await tx.$queryRawUnsafe<unknown[]>(sql, ...params) }) };
      await boss.send(name, data, { ...options, db: inTx });
    },
    async start(handlers, options = {}) {
      await boss.start();
      started = true;
      const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 2;
      for (const [name, handler] of Object.entries(handlers)) {
        await boss.work(name, { pollingIntervalSeconds, batchSize: 1 }, async ([job]) => {
          if (job) await handler(job.data);
        });
      }
      const cron = options.resumeCron === undefined ? '* * * * *' : options.resumeCron;
      if (cron && handlers[QUEUES.resumeSends.name]) await boss.schedule(QUEUES.resumeSends.name, cron, {});
      // pg-boss runs a schedule once per tick across instances, so one instance purges.
      const purgeCron = options.purgeCron === undefined ? '17 * * * *' : options.purgeCron;
      if (purgeCron && handlers[QUEUES.purgeExpired.name]) await boss.schedule(QUEUES.purgeExpired.name, purgeCron, {});
    },
    async stop() {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, wait: true, close: false });
    },
  };
}
