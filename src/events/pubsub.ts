import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { DomainEvent } from './types.ts';

export type PubSub = {
  /** Resolves once the event left this process (in memory: delivered; Redis: accepted by the server). */
  publish(accountId: string, event: DomainEvent): Promise<void>;
  /**
   * Every event of one account, from whichever instance published it, read
   * into a queue of at most `bound.limit`: a slow reader costs bounded memory
   * and never holds up the publisher. Past the limit it stops listening and
   * the reader gets `bound.overflow()` after what was queued.
   */
  subscribe(accountId: string, bound: Bound): AsyncIterableIterator<DomainEvent>;
  /** Subscriptions to this account in this process (tests wait on it instead of sleeping). */
  localSubscribers(accountId: string): number;
  /** Whether the channel reaches other instances (Redis). */
  readonly distributed: boolean;
  /** Processes subscribed to this account's channel, cluster-wide (Redis); local count in memory. */
  channelSubscribers(accountId: string): Promise<number>;
  close(): Promise<void>;
};

/** One channel per account: tenancy starts at the channel. */
const channel = (accountId: string) => `account:${accountId}`;

/** What a slow reader may leave unread before it is dropped. */
export type Bound = { limit: number; overflow: () => Error };

type Listener = (event: { detail?: unknown }) => void;
/** The part of an EventTarget we use: in memory, Node's own; with Redis, yoga's Redis event target. */
type Target = {
  addEventListener(type: string, listener: Listener): void;
  removeEventListener(type: string, listener: Listener): void;
};

/**
 * In memory by default; with a Redis URL every instance receives every event
 * (@graphql-yoga/redis-event-target over two ioredis connections). Each
 * subscriber is one listener on its account's channel feeding its own
 * bounded queue: no per-subscriber repeater between the channel and the
 * reader (one event reaches every dashboard of the account).
 */
export function createPubSub(options: { redisUrl?: string; logger: Logger }): PubSub {
  const counts = new Map<string, number>();
  if (!options.redisUrl) {
    const eventTarget = new EventTarget();
    // Node warns past 10 listeners per event type; a busy account has more dashboards than that.
    setMaxListeners(0, eventTarget);
    return wrap({
      counts,
      distributed: false,
      target: eventTarget as unknown as Target,
      publish: async (accountId, event) => {
        eventTarget.dispatchEvent(new CustomEvent(channel(accountId), { detail: event }));
      },
      channelSubscribers: async (accountId) => counts.get(accountId) ?? 0,
      close: async () => {},
    });
  }
  const publishClient = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(options.redisUrl, { lazyConnect: false });
  for (const client of [publishClient, subscribeClient]) {
    client.on('error', (err) => options.logger.warn({ err }, 'redis connection error'));
  }
  // The event target drops the promises of SUBSCRIBE and UNSUBSCRIBE: one still pending when
  // the connection closes (an app closed right after it started) would be an unhandled
  // rejection that takes the process down. It is logged instead.
  const failed = (command: string, topic: string) => (err: unknown) => options.logger.warn({ err, topic }, `redis ${command} failed`);
  const subscriptions = {
    on: subscribeClient.on.bind(subscribeClient),
    subscribe: (topic: string) => subscribeClient.subscribe(topic).catch(failed('SUBSCRIBE', topic)),
    unsubscribe: (topic: string) => subscribeClient.unsubscribe(topic).catch(failed('UNSUBSCRIBE', topic)),
  };
  const eventTarget = createRedisEventTarget<CustomEvent>({ publishClient, subscribeClient: subscriptions as unknown as Redis });
  return wrap({
    counts,
    distributed: true,
    target: eventTarget as unknown as Target,
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
  target: Target;
  publish: PubSub['publish'];
  channelSubscribers: PubSub['channelSubscribers'];
  close: PubSub['close'];
}): PubSub {
  const { counts, target } = parts;
  return {
    distributed: parts.distributed,
    publish: parts.publish,
    channelSubscribers: parts.channelSubscribers,
    close: parts.close,
    localSubscribers: (accountId) => counts.get(accountId) ?? 0,
    subscribe(accountId, bound) {
      const type = channel(accountId);
      const queue: DomainEvent[] = [];
      let failure: Error | null = null;
      let listening = true;
      let wake: (() => void) | null = null;
      const notify = () => {
        wake?.();
        wake = null;
      };
      const stop = () => {
        if (!listening) return;
        listening = false;
        target.removeEventListener(type, listener);
        const left = (counts.get(accountId) ?? 1) - 1;
        if (left > 0) counts.set(accountId, left);
        else counts.delete(accountId);
      };
      // Past the limit the reader is dropped, not buffered for: it gets what was queued, then the error.
      const listener: Listener = (event) => {
        if (!listening) return;
        if (queue.length >= bound.limit) {
          failure = bound.overflow();
          stop();
        } else queue.push(event.detail as DomainEvent);
        notify();
      };
      target.addEventListener(type, listener);
      counts.set(accountId, (counts.get(accountId) ?? 0) + 1);
      const iterator: AsyncIterableIterator<DomainEvent> = {
        [Symbol.asyncIterator]: () => iterator,
        async next() {
          for (;;) {
            if (queue.length > 0) return { done: false, value: queue.shift()! };
            if (failure) {
              const error = failure;
              failure = null;
              throw error;
            }
            if (!listening) return { done: true, value: undefined };
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
        async return() {
          queue.length = 0;
          failure = null;
          stop();
          notify();
          return { done: true, value: undefined };
        },
        async throw(error: unknown) {
          await iterator.return!();
          throw error;
        },
      };
      return iterator;
    },
  };
}
