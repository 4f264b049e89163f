import type { Prisma } from '../generated/prisma/client.ts';
import type { Clock } from '../clock.ts';
import type { Tx } from '../db/client.ts';
import type { EventType, NewEvent } from './types.ts';

// Transactions that wrote an event, so the caller nudges the publisher after
// commit only when there is something to publish (no extra query per mutation).
const wrote = new WeakSet<object>();

/**
 * Records an event inside the caller's transaction: it is published after
 * commit, and never if the transaction rolls back. Mutations nudge the
 * publisher after commit (src/graphql/run.ts); other writers (jobs) call
 * `events.publisher.nudge()` themselves, or the periodic sweep finds the rows.
 */
export async function recordEvent<T extends EventType>(deps: { tx: Tx; clock: Clock }, event: NewEvent<T>): Promise<void> {
  await deps.tx.outboxEvent.create({
    data: {
      accountId: event.accountId,
      type: event.type,
      payload: event.payload as Prisma.InputJsonObject,
      createdAt: deps.clock.now(),
    },
  });
  markEventRecorded(deps.tx);
}

/** For a statement that inserts its own OutboxEvent row: the caller nudges the publisher after commit. */
export function markEventRecorded(tx: Tx): void {
  wrote.add(tx);
}

/** True once per transaction that recorded events (the flag is consumed). */
export function takeWroteEvents(tx: Tx): boolean {
  return wrote.delete(tx);
}
