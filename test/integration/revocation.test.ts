import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { createEvents, type Events } from '../../src/events/bus.ts';
import { NO_ACCOUNT } from '../../src/events/types.ts';
import type { Listening } from '../../src/server.ts';
import { friendSays, openChat } from '../helpers/chat-scenario.ts';
import { connect, listenApp, subscribe, subscribed, type Live } from '../helpers/live.ts';
import { dbId, signUp } from '../helpers/scenario.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// Issue 14 row 10: after signOut an open WebSocket kept receiving events,
// accepted new subscriptions, and closed only at the next token re-check
// (SUBSCRIBER_RECHECK_MS of the app clock). The fake clock never moves here,
// so every close below comes from the revocation event, not from a re-check.

let app: TestApp;
let server: Listening;
const lives: Live[] = [];
beforeAll(async () => {
  app = await createTestApp();
  server = await listenApp(app);
  // The revocation channel is listened to from the start (over Redis: acknowledged).
  await subscribed(app, NO_ACCOUNT);
});
afterAll(async () => {
  await Promise.all(lives.map((l) => l.dispose()));
  await server.close();
  await app.close();
});

function live(token: string): Live {
  const l = connect(server, token);
  lives.push(l);
  return l;
}

const CHAT_EVENTS = `subscription($a: ID!) { chatEvents(accountId: $a) { kind } }`;
const SIGN_OUT = `mutation { signOut }`;

/** Resolves with the close code, or 'open' if the socket is still open after `ms` (real time; the app clock stays put). */
const closedWithin = (l: Live, ms = 5_000) => Promise.race([l.closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms).unref())]);

describe('issue 14 row 10: a revoked token loses its live connections at once', () => {
  test('signOut closes the token\'s WebSocket with 4401 at once, and no event reaches it afterwards', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const l = live(admin.token);
    const stream = subscribe(l, CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId));

    expect((await app.gql(SIGN_OUT, {}, admin.token)).data.signOut).toBe(true);
    expect(await closedWithin(l)).toBe(4401);
    await friendSays(app, friend.token, { text: 'after sign-out' });
    expect(stream.pending()).toBe(0);
  });

  test('a connection without subscriptions closes too, and a subscription sent after signOut gets no event', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const l = live(admin.token);
    const probe = subscribe(l, CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId));
    probe.stop();
    await subscribed(app, dbId(accountId), 0);

    await app.gql(SIGN_OUT, {}, admin.token);
    const late = subscribe(l, CHAT_EVENTS, { a: accountId });
    expect(await closedWithin(l)).toBe(4401);
    await friendSays(app, friend.token, { text: 'after sign-out' });
    expect(late.pending()).toBe(0);
    expect(app.events.pubsub.localSubscribers(dbId(accountId))).toBe(0);
  });

  test('only the revoked token\'s connections close: the same user\'s other token keeps its socket', async () => {
    const { admin, accountId } = await openChat(app);
    const other = await app.gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on MutationSignInSuccess { data { token } } } }`, {
      e: admin.email,
      p: 'correct horse battery',
    });
    const kept = live(other.data.signIn.data.token);
    const gone = live(admin.token);
    subscribe(kept, CHAT_EVENTS, { a: accountId });
    subscribe(gone, CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId), 2);

    await app.gql(SIGN_OUT, {}, admin.token);
    expect(await closedWithin(gone)).toBe(4401);
    expect(await closedWithin(kept, 200)).toBe('open');
  });

  test('friendUnfollow closes the friend token\'s idle WebSocket with 4401 at once', async () => {
    const { friend } = await openChat(app);
    const l = live(friend.token);
    // Connected (connection_ack) but subscribed to nothing: no friend event would reach it.
    await new Promise<void>((resolve) => l.client.on('connected', () => resolve()));
    await app.gql(`mutation { friendUnfollow { status } }`, {}, friend.token);
    expect(await closedWithin(l)).toBe(4401);
  });

  test('signOut ends the token\'s SSE stream at once', async () => {
    const { admin, accountId } = await openChat(app);
    const response = await app.yoga.fetch('http://dengon.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ query: CHAT_EVENTS, variables: { a: accountId } }),
    });
    const reader = response.body!.getReader();
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended' as const;
    })();
    await subscribed(app, dbId(accountId));
    await app.gql(SIGN_OUT, {}, admin.token);
    expect(await Promise.race([ended, new Promise((resolve) => setTimeout(() => resolve('still streaming'), 5_000).unref())])).toBe('ended');
    expect(app.events.pubsub.localSubscribers(dbId(accountId))).toBe(0);
  });

  test('a user who never had a connection signs out as before', async () => {
    const user = await signUp(app);
    expect((await app.gql(SIGN_OUT, {}, user.token)).data.signOut).toBe(true);
    expect((await app.gql(`{ viewer { email } }`, {}, user.token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

const redisUrl = process.env.REDIS_URL;
describe.skipIf(!redisUrl)('issue 14 row 10, across instances (Redis)', () => {
  let a: TestApp;
  let b: { yoga: ReturnType<typeof buildApp>; events: Events };
  let aServer: Listening;
  beforeAll(async () => {
    a = await createTestApp({ REDIS_URL: redisUrl! });
    const events = createEvents({ ...a.deps, config: a.config });
    b = { yoga: buildApp({ ...a.deps, events }), events };
    aServer = await listenApp(a);
    await subscribed(a, NO_ACCOUNT);
  });
  afterAll(async () => {
    await aServer.close();
    await b.events.close();
    await a.close();
  });

  test('signOut through instance B closes the WebSocket held by instance A at once', async () => {
    const { admin, accountId } = await openChat(a);
    // A publishes nothing itself: the revocation can only come through Redis.
    await a.events.publisher.stop();
    const l = connect(aServer, admin.token);
    lives.push(l);
    subscribe(l, CHAT_EVENTS, { a: accountId });
    await subscribed(a, dbId(accountId));

    const res = await b.yoga.fetch('http://instance-b/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ query: SIGN_OUT }),
    });
    expect((await res.json()).data.signOut).toBe(true);
    expect(await closedWithin(l)).toBe(4401);
  });
});
