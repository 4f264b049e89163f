import { createSharedExecution, type SharedExecution } from './shared-execution.ts';
import { SharedRows } from './shared-rows.ts';
import type { Logger } from 'pino';
import type { PubSub } from '../events/pubsub.ts';
import { type TokenRevocations, watchRevocations } from './revocations.ts';

/** What this process's subscribers share per event; the runtime builds one per app and hands it to the transport. */
export type SubscriptionCaches = {
  /** Rows subscribers' fields load per event (shared-rows.ts). */
  rows: SharedRows;
  /** Per-event executions shared by subscribers whose contexts answer alike (shared-execution.ts). */
  execution: SharedExecution;
  /** Token revocations from every instance: open connections and streams of a revoked token close at once (revocations.ts). */
  revocations: TokenRevocations;
  close(): Promise<void>;
};

export function createSubscriptionCaches(pubsub: PubSub, logger: Logger): SubscriptionCaches {
  const revocations = watchRevocations(pubsub, logger);
  return { rows: new SharedRows(), execution: createSharedExecution(), revocations, close: () => revocations.close() };
}
