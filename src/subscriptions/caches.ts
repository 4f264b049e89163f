import { createSharedExecution, type SharedExecution } from './shared-execution.ts';
import { SharedRows } from './shared-rows.ts';

/** What this process's subscribers share per event; the runtime builds one per app and hands it to the transport. */
export type SubscriptionCaches = {
  /** Rows subscribers' fields load per event (shared-rows.ts). */
  rows: SharedRows;
  /** Per-event executions shared by subscribers whose contexts answer alike (shared-execution.ts). */
  execution: SharedExecution;
};

export function createSubscriptionCaches(): SubscriptionCaches {
  return { rows: new SharedRows(), execution: createSharedExecution() };
}
