import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import type { Config } from '../env.ts';
import { createPubSub, type PubSub } from '../pubsub.ts';
import { createPublisher, type Publisher, type PublisherOptions } from './publisher.ts';
import { SharedRows } from '../subscriptions/shared-rows.ts';
import { createSharedExecution, type SharedExecution } from '../subscriptions/shared-execution.ts';
import { watchRevocations, type TokenRevocations } from '../subscriptions/revocations.ts';

/** The event side of an app: the outbox publisher feeding pub/sub. One per process. */
export type Events = {
  pubsub: PubSub;
  publisher: Publisher;
  /** Rows subscribers' fields load per event, shared by this process's subscribers (src/subscriptions/shared-rows.ts). */
  rows: SharedRows;
  /** Per-event executions shared by subscribers whose contexts answer alike (src/subscriptions/shared-execution.ts). */
  execution: SharedExecution;
  /** Token revocations from every instance: open connections and streams of a revoked token close at once. */
  revocations: TokenRevocations;
  close(): Promise<void>;
};

/**
 * Wires the publisher to pub/sub and starts it, which first drains what was
 * committed while no publisher ran. With `start: false` the caller adds its
 * own consumers first (plugin after-hooks) and starts it, so that first
 * drain reaches them too.
 */
export function createEvents(
  deps: { db: Database; clock: Clock; config: Pick<Config, 'redisUrl'>; logger: Logger },
  options: PublisherOptions & { start?: boolean } = {},
): Events {
  const pubsub = createPubSub({ redisUrl: deps.config.redisUrl, logger: deps.logger });
  const publisher = createPublisher(deps, options);
  publisher.onEvent((event) => pubsub.publish(event.accountId, event));
  const revocations = watchRevocations(pubsub, deps.logger);
  if (options.start !== false) publisher.start();
  return {
    pubsub,
    publisher,
    rows: new SharedRows(),
    execution: createSharedExecution(),
    revocations,
    async close() {
      await publisher.stop();
      await revocations.close();
      await pubsub.close();
    },
  };
}
