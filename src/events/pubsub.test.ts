import { describe, expect, test } from 'vitest';
import pino from 'pino';
import { createPubSub } from './pubsub.ts';
import type { DomainEvent } from './types.ts';

// In-memory pub/sub: per-account channels feeding bounded per-subscriber queues.
const pubsub = () => createPubSub({ logger: pino({ level: 'silent' }) });
const event = (accountId: string, n: number) =>
  ({ id: `e${n}`, seq: String(n), accountId, type: 'chat.read', payload: { chatId: 'c', readByUserId: 'u' }, createdAt: new Date(0).toISOString() }) as DomainEvent;
const bound = (limit: number) => ({ limit, overflow: () => new Error('too slow') });

describe('pub/sub: one channel per account, slow readers dropped rather than buffered', () => {
  test("each subscriber gets its account's events in order, and no other account's", async () => {
    const ps = pubsub();
    const a1 = ps.subscribe('a', bound(10));
    const a2 = ps.subscribe('a', bound(10));
    const b = ps.subscribe('b', bound(10));
    await ps.publish('a', event('a', 1));
    await ps.publish('b', event('b', 2));
    await ps.publish('a', event('a', 3));
    for (const it of [a1, a2]) {
      expect((await it.next()).value.id).toBe('e1');
      expect((await it.next()).value.id).toBe('e3');
    }
    expect((await b.next()).value.id).toBe('e2');
    expect(ps.localSubscribers('a')).toBe(2);
  });

  test('past the limit the subscriber stops listening and gets the error after what was queued', async () => {
    const ps = pubsub();
    const it = ps.subscribe('a', bound(2));
    for (const n of [1, 2, 3, 4]) await ps.publish('a', event('a', n));
    expect(ps.localSubscribers('a')).toBe(0);
    expect((await it.next()).value.id).toBe('e1');
    expect((await it.next()).value.id).toBe('e2');
    await expect(it.next()).rejects.toThrow('too slow');
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });

  test('return() releases the channel and ends a pending read', async () => {
    const ps = pubsub();
    const it = ps.subscribe('a', bound(2));
    const pending = it.next();
    await it.return!();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(ps.localSubscribers('a')).toBe(0);
    await ps.publish('a', event('a', 1));
    expect(await it.next()).toEqual({ done: true, value: undefined });
  });
});

describe('Redis pub/sub', () => {
  test('closing while a SUBSCRIBE is still pending is no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // Nothing listens on port 1 of loopback: the SUBSCRIBE waits in ioredis' queue, and
      // closing fails it with "Connection is closed" (an app closed right after it started).
      const ps = createPubSub({ redisUrl: 'redis://127.0.0.1:1', logger: pino({ level: 'silent' }) });
      ps.subscribe('pending', bound(10));
      await ps.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
