import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Listening } from '../../src/server.ts';
import { recordEvent } from '../../src/events/outbox.ts';
import { createPublisher } from '../../src/events/publisher.ts';
import type { DomainEvent } from '../../src/events/types.ts';
import { createLogger } from '../../src/logger.ts';
import { friendSays, openChat } from '../helpers/chat-scenario.ts';
import { connect, listenApp, subscribe, subscribed, type Live } from '../helpers/live.ts';
import { dbId } from '../helpers/scenario.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// The outbox: events exist exactly when their transaction committed, and
// reach subscribers after commit, also when the publisher was down then.

let app: TestApp;
let server: Listening;
const lives: Live[] = [];
beforeAll(async () => {
  app = await createTestApp();
  server = await listenApp(app);
});
afterAll(async () => {
  await Promise.all(lives.map((l) => l.dispose()));
  await server.close();
  await app.close();
});

const CHAT_EVENTS = `subscription($a: ID!) { chatEvents(accountId: $a) { kind message { content { ... on TextContent { text } } } } }`;
const silent = createLogger('silent');

async function watch(token: string, accountId: string) {
  const live = connect(server, token);
  lives.push(live);
  const stream = subscribe(live, CHAT_EVENTS, { a: accountId });
  await subscribed(app, dbId(accountId));
  return stream;
}

const text = (result: any) => result.data.chatEvents.message.content.text as string;

describe('outbox', () => {
  test('a rolled-back transaction publishes nothing and leaves no row', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const stream = await watch(admin.token, accountId);
    const before = await app.db.prisma.outboxEvent.count();

    await expect(
      app.db.prisma.$transaction(async (tx) => {
        await recordEvent({ tx, clock: app.clock }, { accountId: dbId(accountId), type: 'message.received', payload: { chatId: 'x', messageId: 'y' } });
        throw new Error('the mutation failed after recording its event');
      }),
    ).rejects.toThrow('failed after recording');
    app.events.publisher.nudge();
    await app.events.publisher.idle();
    expect(await app.db.prisma.outboxEvent.count()).toBe(before);

    await friendSays(app, friend.token, { text: 'committed' });
    expect(text(await stream.next())).toBe('committed');
    expect(stream.pending()).toBe(0);
  });

  test('events committed while the publisher was down arrive after it restarts', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const stream = await watch(admin.token, accountId);

    await app.events.publisher.stop();
    await friendSays(app, friend.token, { text: 'while down 1' });
    await friendSays(app, friend.token, { text: 'while down 2' });
    const waiting = await app.db.prisma.outboxEvent.findMany({ where: { accountId: dbId(accountId), publishedAt: null }, orderBy: { seq: 'asc' } });
    expect(waiting.map((e) => e.type)).toEqual(['message.received', 'message.received']);
    expect(stream.pending()).toBe(0);

    app.events.publisher.start();
    expect(text(await stream.next())).toBe('while down 1');
    expect(text(await stream.next())).toBe('while down 2');
    await app.events.publisher.idle();
    expect(await app.db.prisma.outboxEvent.count({ where: { accountId: dbId(accountId), publishedAt: null } })).toBe(0);
  });

  test('two publishers never hand out the same event; a failing consumer gets it again after the lease', async () => {
    const { accountId, friend } = await openChat(app);
    await app.events.publisher.stop(); // this test's publishers alone
    try {
      const leaseMs = 30_000;
      const a = createPublisher({ db: app.db, clock: app.clock, logger: silent }, { leaseMs, sweepMs: 0 });
      const b = createPublisher({ db: app.db, clock: app.clock, logger: silent }, { leaseMs, sweepMs: 0 });
      const seen: DomainEvent[] = [];
      let failNext = true;
      for (const publisher of [a, b]) {
        publisher.onEvent((event) => {
          if (event.accountId !== dbId(accountId)) return;
          if (failNext) {
            failNext = false;
            throw new Error('a plugin hook failed');
          }
          seen.push(event);
        });
      }
      await friendSays(app, friend.token, { text: 'one' });
      await friendSays(app, friend.token, { text: 'two' });
      a.start();
      b.start();
      await Promise.all([a.idle(), b.idle()]);
      // The first delivery failed: that row stays unpublished, claimed until its lease ends.
      expect(seen).toHaveLength(1);
      a.nudge();
      await a.idle();
      expect(seen).toHaveLength(1);

      app.clock.advance(leaseMs + 1);
      a.nudge();
      b.nudge();
      await Promise.all([a.idle(), b.idle()]);
      expect(seen).toHaveLength(2);
      expect(new Set(seen.map((e) => e.id)).size).toBe(2);
      expect(await app.db.prisma.outboxEvent.count({ where: { accountId: dbId(accountId), publishedAt: null } })).toBe(0);
      await Promise.all([a.stop(), b.stop()]);
    } finally {
      app.events.publisher.start();
    }
  });
});
