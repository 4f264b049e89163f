import type { Clock } from '../clock.ts';
import type { Tx } from '../db/client.ts';
import { PROGRESS_EVENTS_PER_SECOND } from '../limits.ts';
import { recordEvent } from './outbox.ts';

/**
 * For the delivery fan-out: records `delivery.progress` events, at most
 * PROGRESS_EVENTS_PER_SECOND per second of the clock (a batch of 10,000
 * must not write 10,000 outbox rows), and always the last one (sent = total).
 */
export function progressReporter(clock: Clock, delivery: { accountId: string; deliveryId: string; total: number }) {
  const gapMs = 1000 / PROGRESS_EVENTS_PER_SECOND;
  let lastAt = -Infinity;
  let lastSent = -1;
  return {
    /** Whether `sent` is worth an event now. */
    due(sent: number): boolean {
      if (sent === lastSent) return false;
      return sent >= delivery.total || clock.now().getTime() - lastAt >= gapMs;
    },
    /** Records the progress in the fan-out's transaction when due; returns whether it did. */
    async report(tx: Tx, sent: number): Promise<boolean> {
      if (!this.due(sent)) return false;
      lastAt = clock.now().getTime();
      lastSent = sent;
      await recordEvent({ tx, clock }, { accountId: delivery.accountId, type: 'delivery.progress', payload: { deliveryId: delivery.deliveryId, sent, total: delivery.total } });
      return true;
    },
  };
}
