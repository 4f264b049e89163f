import type { Clock } from '../clock.ts';
import type { SqlDriver } from '../db/client.ts';

// History that nobody reads after a while would otherwise grow without end:
// a busy account writes an outbox event and an idempotency record per chat message. Deleted in small
// batches so no statement holds locks on a busy table for long.

export type RetentionWindows = {
  /** Published outbox events older than this go (unpublished ones never). */
  outboxMs: number;
  /** Finished plugin runs (SUCCEEDED, FAILED, SKIPPED) last touched longer ago go; PENDING ones never. */
  pluginRunMs: number;
  /**
   * Idempotency records older than this go (R-SAFE-1): until then a retry
   * with the key gets the first result; afterwards the key is new again.
   */
  idempotencyMs: number;
};

export type Purged = { outboxEvents: number; pluginRuns: number; idempotencyRecords: number };

export const PURGE_BATCH_SIZE = 5_000;

/** Deletes what is past its retention window; returns how many rows went from each table. */
export async function purgeExpired(
  deps: { driver: SqlDriver; clock: Clock },
  windows: RetentionWindows,
  batchSize = PURGE_BATCH_SIZE,
): Promise<Purged> {
  const now = deps.clock.now().getTime();
  // Published events only: a row the publisher has not sent yet is a committed change still owed to subscribers and plugins.
  const outboxEvents = await inBatches(deps.driver, batchSize, new Date(now - windows.outboxMs), (limit) =>
    `DELETE FROM "OutboxEvent" WHERE id IN (
       SELECT id FROM "OutboxEvent" WHERE "publishedAt" IS NOT NULL AND "publishedAt" < $1 ORDER BY "publishedAt" LIMIT ${limit}) RETURNING 1`,
  );
  const pluginRuns = await inBatches(deps.driver, batchSize, new Date(now - windows.pluginRunMs), (limit) =>
    `DELETE FROM "PluginRun" WHERE id IN (
       SELECT id FROM "PluginRun" WHERE status IN ('SUCCEEDED', 'FAILED', 'SKIPPED') AND "updatedAt" < $1 LIMIT ${limit}) RETURNING 1`,
  );
  const idempotencyRecords = await inBatches(deps.driver, batchSize, new Date(now - windows.idempotencyMs), (limit) =>
    `DELETE FROM "IdempotencyRecord" WHERE ("accountId", scope, key) IN (
       SELECT "accountId", scope, key FROM "IdempotencyRecord" WHERE "createdAt" < $1 LIMIT ${limit}) RETURNING 1`,
  );
  return { outboxEvents, pluginRuns, idempotencyRecords };
}

async function inBatches(driver: SqlDriver, batchSize: number, before: Date, statement: (limit: number) => string): Promise<number> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  let total = 0;
  for (;;) {
    const [row] = await driver.query<{ n: number }>(`WITH deleted AS (${statement(batchSize)}) SELECT count(*)::int AS n FROM deleted`, [before]);
    const deleted = row?.n ?? 0;
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
