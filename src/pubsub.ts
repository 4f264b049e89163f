import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub as createYogaPubSub, type PubSubEventTarget } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { DomainEvent } from './events/types.ts';

/** Topic → [routing id, payload]. One channel per account: tenancy starts at the channel. */
export type Topics = {
  account: [accountId: string, event: DomainEvent];
};

export type PubSub = {
  /** Resolves once the event left this process (in memory: delivered; Redis: accepted by the server). */
  publish(accountId: string, event: DomainEvent): Promise<void>;
  /** Every event of one account, from whichever instance published it. */
  subscribe(accountId: string): AsyncIterableIterator<DomainEvent>;
  /** Subscriptions to this account in this process (tests wait on it instead of sleeping). */
  localSubscribers(accountId: string): number;
  /** Whether the channel reaches other instances (Redis). */
  readonly distributed: boolean;
  /** Processes subscribed to this account's channel, cluster-wide (Redis); local count in memory. */
  channelSubscribers(accountId: string): Promise<number>;
  close(): Promise<void>;
};

const channel = (accountId: string) => `account:${accountId}`;

/**
 * In memory by default; with a Redis URL every instance receives every event
 * (@graphql-yoga/redis-event-target over two ioredis connections).
 */
export function createPubSub(options: { redisUrl?: string; logger: Logger }): PubSub {
  const counts = new Map<string, number>();
  if (!options.redisUrl) {
    // Node warns past 10 listeners per event type; a busy account has more dashboards than that.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    const pubsub = createYogaPubSub<Topics>({ eventTarget: eventTarget as PubSubEventTarget<Topics> });
    return wrap({
      counts,
      distributed: false,
      yoga: pubsub,
      publish: async (accountId, event) => pubsub.publish('account', accountId, event),
      channelSubscribers: async (accountId) => counts.get(accountId) ?? 0,
      close: async () => {},
    });
  }
  const publishClient = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(options.redisUrl, { lazyConnect: false });
  for (const client of [publishClient, subscribeClient]) {
    client.on('error', (err) => options.logger.warn({ err }, 'redis connection error'));
  }
  const eventTarget = createRedisEventTarget<CustomEvent>({ publishClient, subscribeClient }) as PubSubEventTarget<Topics>;
  const pubsub = createYogaPubSub<Topics>({ eventTarget });
  return wrap({
    counts,
    distributed: true,
    yoga: pubsub,
    // The event target's dispatchEvent drops ioredis' promise, so a Redis
    // outage would lose events silently. Publishing on the same channel
    // ourselves lets the outbox publisher see the failure and retry.
    publish: async (accountId, event) => {
      await publishClient.publish(channel(accountId), JSON.stringify(event));
    },
    channelSubscribers: async (accountId) => {
      const reply = (await publishClient.pubsub('NUMSUB', channel(accountId))) as [string, number];
      return Number(reply[1]);
    },
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  });
}

function wrap(parts: {
  counts: Map<string, number>;
  distributed: boolean;
  yoga: ReturnType<typeof createYogaPubSub<Topics>>;
  publish: PubSub['publish'];
  channelSubscribers: PubSub['channelSubscribers'];
  close: PubSub['close'];
}): PubSub {
  const { counts } = parts;
  return {
    distributed: parts.distributed,
    publish: parts.publish,
    channelSubscribers: parts.channelSubscribers,
    close: parts.close,
    localSubscribers: (accountId) => counts.get(accountId) ?? 0,
    subscribe(accountId) {
      const source = parts.yoga.subscribe('account', accountId);
      counts.set(accountId, (counts.get(accountId) ?? 0) + 1);
      let open = true;
      const release = () => {
        if (!open) return;
        open = false;
        const left = (counts.get(accountId) ?? 1) - 1;
        if (left > 0) counts.set(accountId, left);
        else counts.delete(accountId);
      };
      return {
        [Symbol.asyncIterator]() {
          return this;
        },
        async next() {
          const result = await source.next();
          if (result.done) release();
          return result as IteratorResult<DomainEvent>;
        },
        async return() {
          release();
          await source.return();
          return { done: true, value: undefined };
        },
        async throw(error: unknown) {
          release();
          await source.return();
          throw error;
        },
      };
    },
  };
}
