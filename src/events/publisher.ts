import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import type { DomainEvent } from './types.ts';

/** Called for every committed event, in seq order. Must be idempotent: delivery is at-least-once. */
export type EventConsumer = (event: DomainEvent) => Promise<void> | void;

export type Publisher = {
  /** Adds an after-commit consumer (pub/sub today; plugin after-hooks later). Returns a remover. */
  onEvent(consumer: EventConsumer): () => void;
  /** Something was committed: drain soon. Cheap to call often; drains coalesce. */
  nudge(): void;
  /** Resolves when no drain is in flight (tests, shutdown). */
  idle(): Promise<void>;
  /** Drains what was committed while stopped, then follows nudges and a periodic sweep. */
  start(): void;
  stop(): Promise<void>;
  readonly running: boolean;
};

export type PublisherOptions = {
  /** Rows claimed per statement. */
  batchSize?: number;
  /** How long a claim keeps other publishers away; after it, a crashed publisher's rows are taken over. */
  leaseMs?: number;
  /** Safety sweep for rows nobody nudged about (another instance crashed after commit). 0 turns it off. */
  sweepMs?: number;
};

type Row = { id: string; seq: string; accountId: string; type: string; payload: unknown; createdAt: Date };

/**
 * Moves committed outbox rows to the consumers. A row is claimed with a
 * lease (FOR UPDATE SKIP LOCKED, so instances never take the same row), the
 * claim commits at once, and consumers run outside any transaction: they may
 * use the database (PGlite has one connection; holding row locks while a
 * consumer queries would deadlock it). A row is marked published only when
 * every consumer took it; otherwise the lease runs out and it is retried.
 */
export function createPublisher(deps: { db: Database; clock: Clock; logger: Logger }, options: PublisherOptions = {}): Publisher {
  const { db, clock, logger } = deps;
  const batchSize = options.batchSize ?? 100;
  const leaseMs = options.leaseMs ?? 30_000;
  const sweepMs = options.sweepMs ?? 5_000;
  const consumers: EventConsumer[] = [];
  let running = false;
  let draining: Promise<void> | null = null;
  let again = false;
  let sweep: NodeJS.Timeout | null = null;

  // Through the raw driver, not Prisma: the publisher's statements are not
  // part of any request (statement counts per request stay true), and on
  // PGlite the driver still waits for an open interactive transaction.
  async function claim(): Promise<Row[]> {
    const now = clock.now();
    const leaseEnd = new Date(now.getTime() + leaseMs);
    const rows = await db.driver.query<Row>(
      `UPDATE "OutboxEvent" SET "claimedUntil" = $1
       WHERE id IN (
         SELECT id FROM "OutboxEvent"
         WHERE "publishedAt" IS NULL AND ("claimedUntil" IS NULL OR "claimedUntil" < $2)
         ORDER BY seq
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING id::text AS id, seq::text AS seq, "accountId"::text AS "accountId", type, payload, "createdAt"`,
      [leaseEnd, now, batchSize],
    );
    return rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  }

  async function dispatch(row: Row): Promise<boolean> {
    const event = { ...row, createdAt: new Date(row.createdAt).toISOString() } as DomainEvent;
    let ok = true;
    for (const consumer of [...consumers]) {
      try {
        await consumer(event);
      } catch (err) {
        ok = false;
        logger.error({ err, eventId: event.id, type: event.type }, 'outbox consumer failed; the event will be retried after its lease');
      }
    }
    return ok;
  }

  async function drainOnce(): Promise<number> {
    const rows = await claim();
    const published: string[] = [];
    for (const row of rows) if (await dispatch(row)) published.push(row.id);
    if (published.length > 0) {
      await db.driver.query(`UPDATE "OutboxEvent" SET "publishedAt" = $1 WHERE id = ANY($2::uuid[])`, [clock.now(), published]);
    }
    return rows.length;
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      while (running && (await drainOnce()) === batchSize) {
        // A full batch: more may be waiting.
      }
    } while (again && running);
  }

  const publisher: Publisher = {
    onEvent(consumer) {
      consumers.push(consumer);
      return () => {
        const at = consumers.indexOf(consumer);
        if (at >= 0) consumers.splice(at, 1);
      };
    },
    nudge() {
      if (!running) return;
      if (draining) {
        again = true;
        return;
      }
      draining = drain()
        .catch((err) => logger.error({ err }, 'outbox drain failed; the next nudge or sweep retries'))
        .finally(() => {
          draining = null;
        });
    },
    idle: async () => {
      while (draining) await draining;
    },
    start() {
      if (running) return;
      running = true;
      if (sweepMs > 0) {
        sweep = setInterval(() => publisher.nudge(), sweepMs);
        sweep.unref();
      }
      publisher.nudge();
    },
    async stop() {
      running = false;
      if (sweep) clearInterval(sweep);
      sweep = null;
      await publisher.idle();
    },
    get running() {
      return running;
    },
  };
  return publisher;
}
