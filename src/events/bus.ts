import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import type { Config } from '../env.ts';
import { createPubSub, type PubSub } from './pubsub.ts';
import { createPublisher, type Publisher, type PublisherOptions } from './publisher.ts';

/** The event side of an app: the outbox publisher feeding pub/sub. One per process. */
export type Events = {
  pubsub: PubSub;
  publisher: Publisher;
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
  if (options.start !== false) publisher.start();
  return {
    pubsub,
    publisher,
    async close() {
      await publisher.stop();
      await pubsub.close();
    },
  };
}
