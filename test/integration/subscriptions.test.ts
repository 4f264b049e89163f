import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Listening } from '../../src/server.ts';
import { recordEvent } from '../../src/events/outbox.ts';
import { hashToken } from '../../src/auth/token.ts';
import { MAX_CONNECTIONS_PER_TOKEN, MAX_QUEUED_EVENTS_PER_SUBSCRIPTION, MAX_SUBSCRIPTIONS_PER_CONNECTION, SUBSCRIBER_RECHECK_MS } from '../../src/limits.ts';
import { follow, friendSays, openChat, recall, send } from '../helpers/chat-scenario.ts';
import { connect, listenApp, subscribe, subscribed, type Live } from '../helpers/live.ts';
import { addMember, createAccount, dbId, globalId, signUp } from '../helpers/scenario.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// Live subscriptions through a real graphql-ws client against the app
// listening on 127.0.0.1. "Nothing arrived" is shown without sleeping: a
// later event on the same account channel (which keeps order) arrives first.

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

function live(token?: string, params?: Record<string, unknown>): Live {
  const l = connect(server, token, params);
  lives.push(l);
  return l;
}

const CHAT_EVENTS = `subscription($a: ID!, $c: ID) { chatEvents(accountId: $a, chatId: $c) {
  id kind messageId chat { id unreadCount } message { id state direction content { ... on TextContent { text } } } } }`;
const FRIEND_EVENTS = `subscription { friendChatEvents { kind message { id fromAccount state content { ... on TextContent { text } } } } }`;
const APPROVAL_EVENTS = `subscription($a: ID!) { approvalEvents(accountId: $a) { kind revision reason actorUserId delivery { id status } } }`;
const DELIVERY_EVENTS = `subscription($a: ID, $d: ID) { deliveryEvents(accountId: $a, deliveryId: $d) {
  kind status previousStatus progress { sent total } deliveryId delivery { id status recipientCount } } }`;

const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
  const res = await app.gql(query, variables, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return Object.values(res.data as Record<string, any>)[0];
};
const hide = (token: string, messageId: string) => gql(token, `mutation($m: ID!) { hideMessage(messageId: $m) { __typename } }`, { m: messageId });
const markRead = (token: string, chatId: string) => gql(token, `mutation($c: ID!) { markChatRead(chatId: $c) { __typename } }`, { c: chatId });
const draft = async (token: string, accountId: string) =>
  (await gql(token, `mutation($a: ID!) { createDraft(accountId: $a, kind: BROADCAST, title: "Sale", content: { text: "20% off" }) {
    ... on MutationCreateDraftSuccess { data { id } } } }`, { a: accountId })).data.id as string;
const step = (token: string, name: string, id: string, extra = '') =>
  gql(token, `mutation($d: ID!) { ${name}(deliveryId: $d${extra}) { __typename } }`, { d: id });

describe('chatEvents', () => {
  test('a member sees the friend write, a colleague reply, the recall tombstone, a hide and both read marks', async () => {
    const { admin, accountId, friend, chatId } = await openChat(app);
    const operator = await addMember(app, admin.token, accountId, 'OPERATOR');
    const stream = subscribe(live(operator.token), CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId));

    await friendSays(app, friend.token, { text: 'Hello?' });
    const received = await stream.next();
    expect(received.errors).toBeUndefined();
    expect(received.data.chatEvents).toMatchObject({ kind: 'MESSAGE_RECEIVED', chat: { id: chatId, unreadCount: 2 }, message: { direction: 'INCOMING', content: { text: 'Hello?' } } });

    const sent = await send(app, admin.token, chatId, { text: 'Welcome!' });
    const messageId = sent.data.sendChatMessage.data.id;
    expect((await stream.next()).data.chatEvents).toMatchObject({ kind: 'MESSAGE_SENT', messageId, message: { id: messageId, state: 'SENT', content: { text: 'Welcome!' } } });

    await recall(app, admin.token, messageId);
    expect((await stream.next()).data.chatEvents).toMatchObject({ kind: 'MESSAGE_RECALLED', messageId, message: { state: 'UNSENT', content: null } });

    // R-DELETE-1: the OPERATOR learns which message left the view, but not its content (only ADMINs see hidden ones).
    await hide(admin.token, received.data.chatEvents.message.id);
    expect((await stream.next()).data.chatEvents).toMatchObject({ kind: 'MESSAGE_HIDDEN', messageId: received.data.chatEvents.message.id, message: null });

    await markRead(admin.token, chatId);
    expect((await stream.next()).data.chatEvents).toMatchObject({ kind: 'READ', messageId: null, chat: { unreadCount: 0 } });
    await send(app, admin.token, chatId);
    await stream.next();
    await gql(friend.token, `mutation { friendMarkRead }`);
    expect((await stream.next()).data.chatEvents).toMatchObject({ kind: 'READ_BY_FRIEND', chat: { id: chatId } });
  });

  test('with chatId, only that chat', async () => {
    const { admin, accountId, chatId } = await openChat(app);
    const other = await follow(app, accountId, 'Mio');
    const stream = subscribe(live(admin.token), CHAT_EVENTS, { a: accountId, c: chatId });
    await subscribed(app, dbId(accountId));
    await friendSays(app, other.token, { text: 'other chat' });
    await send(app, admin.token, chatId, { text: 'this chat' });
    expect((await stream.next()).data.chatEvents).toMatchObject({ kind: 'MESSAGE_SENT', chat: { id: chatId }, message: { content: { text: 'this chat' } } });
  });

  test("another account's id is refused exactly like a missing account", async () => {
    const { admin } = await openChat(app);
    const stranger = await signUp(app);
    const strangersAccount = await createAccount(app, stranger.token, 'Elsewhere');
    const l = live(admin.token);
    const foreign = await subscribe(l, CHAT_EVENTS, { a: strangersAccount }).refusal();
    const missing = await subscribe(l, CHAT_EVENTS, { a: globalId('Account', randomUUID()) }).refusal();
    expect(foreign).toEqual([{ message: 'accountId: no such object', extensions: { code: 'NOT_FOUND', rule: null, field: 'accountId' }, locations: expect.anything(), path: ['chatEvents'] }]);
    expect(missing).toEqual(foreign);
  });

  test("one account's events never reach another account's subscribers", async () => {
    const a = await openChat(app);
    const b = await openChat(app);
    const stream = subscribe(live(a.admin.token), CHAT_EVENTS, { a: a.accountId });
    await subscribed(app, dbId(a.accountId));
    await friendSays(app, b.friend.token, { text: 'for B only' });
    await friendSays(app, a.friend.token, { text: 'for A' });
    expect((await stream.next()).data.chatEvents.message.content.text).toBe('for A');
  });

  test('a removed member stops receiving at once; the others keep receiving', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const operator = await addMember(app, admin.token, accountId, 'OPERATOR');
    const theirs = subscribe(live(operator.token), CHAT_EVENTS, { a: accountId });
    const mine = subscribe(live(admin.token), CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId), 2);

    await gql(admin.token, `mutation($m: ID!) { removeMember(memberId: $m) { __typename } }`, { m: operator.memberId });
    await friendSays(app, friend.token, { text: 'after the removal' });
    expect((await mine.next()).data.chatEvents.message.content.text).toBe('after the removal');
    expect(await theirs.ended).toBe('complete');
    expect(theirs.pending()).toBe(0);
  });

  test('an account joined after connecting can be subscribed on the same connection', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const newcomer = await signUp(app);
    const l = live(newcomer.token);
    const elsewhere = await createAccount(app, newcomer.token, 'Their own');
    subscribe(l, CHAT_EVENTS, { a: elsewhere }); // the connection's access is loaded before the invitation
    await subscribed(app, dbId(elsewhere));
    await addMember(app, admin.token, accountId, 'OPERATOR', newcomer);
    const stream = subscribe(l, CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId));
    await friendSays(app, friend.token, { text: 'welcome aboard' });
    expect((await stream.next()).data.chatEvents.message.content.text).toBe('welcome aboard');
  });

  test('a token revoked during the connection stops its events and closes with 4401', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const second = await gql(admin.token, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on MutationSignInSuccess { data { token } } } }`, {
      e: admin.email,
      p: 'correct horse battery',
    });
    const token = second.data.token as string;
    const l = live(token);
    const stream = subscribe(l, CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId));
    await gql(token, `mutation { signOut }`);
    // Revocation has no account to publish on: open connections notice it at the next re-check.
    app.clock.advance(SUBSCRIBER_RECHECK_MS);
    await friendSays(app, friend.token);
    expect(await l.closed).toBe(4401);
    expect(stream.pending()).toBe(0);
  });

  // signOut closes at once (test/integration/revocation.test.ts); the re-check is the
  // backstop for a revocation that sent no event (here: written straight to the database).
  test('an idle connection whose token was revoked without an event is closed with 4401 at the periodic re-check', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const second = await gql(admin.token, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on MutationSignInSuccess { data { token } } } }`, {
      e: admin.email,
      p: 'correct horse battery',
    });
    const l = live(second.data.token as string);
    const stream = subscribe(l, CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId));
    await app.db.prisma.accessToken.updateMany({ where: { userId: dbId(admin.userId), revokedAt: null, NOT: { tokenHash: hashToken(admin.token) } }, data: { revokedAt: app.clock.now() } });
    // Not due yet by the app clock: the re-check keeps the connection (revocation is noticed within SUBSCRIBER_RECHECK_MS).
    await server.recheckTokens();
    await friendSays(app, friend.token);
    expect((await stream.next()).data.chatEvents.kind).toBe('MESSAGE_RECEIVED');
    // Due: the timer's re-check closes the idle connection; no event needed.
    app.clock.advance(SUBSCRIBER_RECHECK_MS);
    await server.recheckTokens();
    expect(await l.closed).toBe(4401);
  });

  test('a token that expires during the connection closes it with 4401 at the next event', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const l = live(admin.token);
    const stream = subscribe(l, CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId));
    app.clock.advance(app.config.tokenTtlMs);
    await friendSays(app, friend.token);
    expect(await l.closed).toBe(4401);
    expect(stream.pending()).toBe(0);
  });
});

describe('one event, many subscribers', () => {
  /** Subscribers of one account (the admin first, then operators of both kinds); statements from a friend's message to its receipt by all. */
  async function oneMessageTo(subscribers: number) {
    const { admin, accountId, friend } = await openChat(app);
    const tokens = [admin.token];
    for (let i = 1; i < subscribers; i++) tokens.push((await addMember(app, admin.token, accountId, i % 2 ? 'OPERATOR' : 'OPERATOR_NO_SEND_NO_STATS')).token);
    // Setup events (joins reload the joiner's access) are out of the way before anyone listens.
    await app.events.publisher.idle();
    const streams = tokens.map((token) => subscribe(live(token), CHAT_EVENTS, { a: accountId }));
    await subscribed(app, dbId(accountId), subscribers);
    app.queries.length = 0;
    const before = { ...app.deps.subscriptions.execution.stats };
    await friendSays(app, friend.token, { text: 'Shared?' });
    const received = await Promise.all(streams.map((s) => s.next()));
    const statements = app.queries.filter((sql) => !/^(BEGIN|COMMIT|ROLLBACK)/i.test(sql.trim())).length;
    const executions = { executed: app.deps.subscriptions.execution.stats.executed - before.executed, reused: app.deps.subscriptions.execution.stats.reused - before.reused };
    return { admin, streams, received, statements, executions };
  }

  test("the event's chat and message are loaded once for all of them, not once each", async () => {
    const one = await oneMessageTo(1);
    const five = await oneMessageTo(5);
    for (const r of [...one.received, ...five.received]) {
      expect(r.errors).toBeUndefined();
      expect(r.data.chatEvents).toMatchObject({ kind: 'MESSAGE_RECEIVED', chat: { unreadCount: 2 }, message: { direction: 'INCOMING', content: { text: 'Shared?' } } });
    }
    // Once per subscriber, five subscribers would cost eight more statements than one.
    expect(five.statements).toBe(one.statements);
    // Every role may read the chat and a visible message: one execution serves all five.
    expect(five.executions).toEqual({ executed: 1, reused: 4 });
  });

  test('a shared row is still authorized per subscriber: a hidden message reaches the ADMIN, not the operators (R-DELETE-1)', async () => {
    const { admin, streams, received } = await oneMessageTo(3);
    const messageId = received[0]!.data.chatEvents.message.id;
    const before = { ...app.deps.subscriptions.execution.stats };
    await hide(admin.token, messageId);
    const [forAdmin, ...forOperators] = await Promise.all(streams.map((s) => s.next()));
    // The ADMIN's context answers "may read hidden?" differently: its own execution; the two operators share one.
    expect(app.deps.subscriptions.execution.stats.executed - before.executed).toBe(2);
    expect(app.deps.subscriptions.execution.stats.reused - before.reused).toBe(1);
    expect(forAdmin!.data.chatEvents).toMatchObject({ kind: 'MESSAGE_HIDDEN', messageId, message: { id: messageId, content: { text: 'Shared?' } } });
    for (const r of forOperators) expect(r.data.chatEvents).toMatchObject({ kind: 'MESSAGE_HIDDEN', messageId, message: null });
  });
});

describe('friendChatEvents', () => {
  test("the friend sees the account's messages and recalls, never hides; blocking closes the connection (4403)", async () => {
    const { admin, accountId, friend, chatId } = await openChat(app);
    const otherFriend = await follow(app, accountId, 'Mio');
    const l = live(friend.token);
    const stream = subscribe(l, FRIEND_EVENTS);
    await subscribed(app, dbId(accountId));

    const sent = await send(app, admin.token, chatId, { text: 'Your order is ready' });
    const messageId = sent.data.sendChatMessage.data.id;
    expect((await stream.next()).data.friendChatEvents).toEqual({
      kind: 'MESSAGE_FROM_ACCOUNT',
      message: { id: globalId('FriendMessage', dbId(messageId)), fromAccount: true, state: 'SENT', content: { text: 'Your order is ready' } },
    });
    await hide(admin.token, messageId);
    await friendSays(app, otherFriend.token, { text: 'not your chat' });
    await recall(app, admin.token, messageId);
    expect((await stream.next()).data.friendChatEvents).toEqual({ kind: 'MESSAGE_UNSENT', message: { id: globalId('FriendMessage', dbId(messageId)), fromAccount: true, state: 'UNSENT', content: null } });
    await friendSays(app, friend.token, { text: 'ok' });
    expect((await stream.next()).data.friendChatEvents).toMatchObject({ kind: 'MESSAGE_FROM_YOU', message: { fromAccount: false } });

    await gql(friend.token, `mutation { friendBlock { status } }`);
    expect(await l.closed).toBe(4403);
    expect(stream.pending()).toBe(0);
  });

  test('a broadcast reaches each following friend live once it is sent; a friend who blocked hears nothing', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const blocker = await follow(app, accountId, 'Kai');
    const stream = subscribe(live(friend.token), FRIEND_EVENTS);
    await subscribed(app, dbId(accountId));
    await gql(blocker.token, `mutation { friendBlock { status } }`);

    const id = await draft(admin.token, accountId);
    await gql(admin.token, `mutation($d: ID!) { sendDelivery(deliveryId: $d, idempotencyKey: "live") { __typename } }`, { d: id });
    const recipient = await app.db.prisma.deliveryRecipient.findUniqueOrThrow({ where: { deliveryId_friendId: { deliveryId: dbId(id), friendId: dbId(friend.friendId) } } });
    expect((await stream.next()).data.friendChatEvents).toEqual({
      kind: 'MESSAGE_FROM_ACCOUNT',
      message: { id: globalId('FriendMessage', recipient.messageId), fromAccount: true, state: 'SENT', content: { text: '20% off' } },
    });
    expect(await app.db.prisma.deliveryRecipient.count({ where: { deliveryId: dbId(id), friendId: dbId(blocker.friendId) } })).toBe(0);
    expect(stream.pending()).toBe(0);
  });

  test('unfollowing revokes the friend token: the connection closes with 4401', async () => {
    const { friend } = await openChat(app);
    const l = live(friend.token);
    subscribe(l, FRIEND_EVENTS);
    await subscribed(app, (await app.db.prisma.friend.findUniqueOrThrow({ where: { id: dbId(friend.friendId) } })).accountId);
    await gql(friend.token, `mutation { friendUnfollow { status } }`);
    expect(await l.closed).toBe(4401);
  });

  test('a member token cannot subscribe to friendChatEvents, a friend token not to chatEvents', async () => {
    const { admin, accountId, friend } = await openChat(app);
    const asMember = await subscribe(live(admin.token), FRIEND_EVENTS).refusal();
    const asFriend = await subscribe(live(friend.token), CHAT_EVENTS, { a: accountId }).refusal();
    expect((asMember as any)[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((asFriend as any)[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('approvalEvents and deliveryEvents', () => {
  test('submission, approval, rejection and sending arrive; statistics follow the role, also after a demotion', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    await follow(app, accountId, 'Aoi');
    const drafter = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND');
    const watcher = await addMember(app, admin.token, accountId, 'OPERATOR');
    const approvals = subscribe(live(drafter.token), APPROVAL_EVENTS, { a: accountId });
    const deliveries = subscribe(live(watcher.token), DELIVERY_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId), 2);

    const rejected = await draft(drafter.token, accountId);
    await step(drafter.token, 'submitDraft', rejected);
    await step(admin.token, 'rejectDelivery', rejected, ', reason: "typo"');
    expect((await approvals.next()).data.approvalEvents).toMatchObject({ kind: 'SUBMITTED', revision: 1, delivery: { id: rejected } });
    expect((await approvals.next()).data.approvalEvents).toMatchObject({ kind: 'REJECTED', reason: 'typo', actorUserId: globalId('User', dbId(admin.userId)) });

    const id = await draft(drafter.token, accountId);
    await step(drafter.token, 'submitDraft', id);
    await step(admin.token, 'approveDelivery', id);
    expect((await approvals.next()).data.approvalEvents).toMatchObject({ kind: 'SUBMITTED', delivery: { id } });
    expect((await approvals.next()).data.approvalEvents).toMatchObject({ kind: 'APPROVED', delivery: { id } });

    for (const [from, to] of [['DRAFT', 'PENDING_APPROVAL'], ['PENDING_APPROVAL', 'REJECTED'], ['DRAFT', 'PENDING_APPROVAL'], ['PENDING_APPROVAL', 'APPROVED']]) {
      expect((await deliveries.next()).data.deliveryEvents).toMatchObject({ kind: 'STATUS_CHANGED', previousStatus: from, status: to, progress: null });
    }
    await gql(admin.token, `mutation($d: ID!) { sendDelivery(deliveryId: $d, idempotencyKey: "once") { __typename } }`, { d: id });
    // Sending starts (quota reserved) and ends (every recipient written): two state changes.
    expect((await deliveries.next()).data.deliveryEvents).toMatchObject({ kind: 'STATUS_CHANGED', previousStatus: 'APPROVED', status: 'SENDING', deliveryId: id });
    expect((await deliveries.next()).data.deliveryEvents).toMatchObject({ previousStatus: 'SENDING', status: 'SENT', deliveryId: id, delivery: { status: 'SENT', recipientCount: 1 } });

    // Demoted to OPERATOR_NO_SEND_NO_STATS: the very next event already hides statistics.
    await gql(admin.token, `mutation($m: ID!) { changeMemberRole(memberId: $m, role: OPERATOR_NO_SEND_NO_STATS) { __typename } }`, { m: watcher.memberId });
    await step(admin.token, 'cancelDelivery', rejected);
    expect((await deliveries.next()).data.deliveryEvents).toMatchObject({ status: 'CANCELLED', delivery: { recipientCount: null } });
    const sent = await gql(watcher.token, `query($d: ID!) { node(id: $d) { ... on Delivery { recipientCount } } }`, { d: id });
    expect(sent).toEqual({ recipientCount: null });
  });

  test('PROGRESS reaches members who may see statistics, never OPERATOR_NO_SEND_NO_STATS', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const noStats = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND_NO_STATS');
    const id = await draft(admin.token, accountId);
    const withStats = subscribe(live(admin.token), DELIVERY_EVENTS, { d: id });
    const without = subscribe(live(noStats.token), DELIVERY_EVENTS, { d: id });
    await subscribed(app, dbId(accountId), 2);

    // The fan-out will publish progress; until then the event is recorded here as it would.
    await app.db.prisma.$transaction(async (tx) => {
      await recordEvent({ tx, clock: app.clock }, { accountId: dbId(accountId), type: 'delivery.progress', payload: { deliveryId: dbId(id), sent: 500, total: 1000 } });
    });
    app.events.publisher.nudge();
    expect((await withStats.next()).data.deliveryEvents).toMatchObject({ kind: 'PROGRESS', progress: { sent: 500, total: 1000 }, status: null });

    await step(admin.token, 'cancelDelivery', id);
    expect((await withStats.next()).data.deliveryEvents).toMatchObject({ status: 'CANCELLED' });
    expect((await without.next()).data.deliveryEvents).toMatchObject({ kind: 'STATUS_CHANGED', status: 'CANCELLED', progress: null });
  });

  test("another account's delivery is NOT_FOUND, like a missing one; exactly one of accountId and deliveryId", async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const stranger = await signUp(app);
    const foreign = await draft(stranger.token, await createAccount(app, stranger.token));
    const l = live(admin.token);
    const a = await subscribe(l, DELIVERY_EVENTS, { d: foreign }).refusal();
    const b = await subscribe(l, DELIVERY_EVENTS, { d: globalId('Delivery', randomUUID()) }).refusal();
    expect((a as any)[0]).toMatchObject({ message: 'deliveryId: no such object', extensions: { code: 'NOT_FOUND' } });
    expect(a).toEqual(b);
    const both = await subscribe(l, DELIVERY_EVENTS, { a: accountId, d: foreign }).refusal();
    expect((both as any)[0].extensions.code).toBe('INVALID_INPUT');
  });
});

describe('connections', () => {
  test('no token, an unknown token and a malformed header close with 4401; a friend who blocked with 4403', async () => {
    const { accountId } = await openChat(app);
    const blocked = await follow(app, accountId, 'Blocked');
    await gql(blocked.token, `mutation { friendBlock { status } }`);
    expect(await live().closed).toBe(4401);
    expect(await live('dgn_not-a-real-token').closed).toBe(4401);
    expect(await live(undefined, { authorization: 'Basic abc' }).closed).toBe(4401);
    expect(await live(blocked.token).closed).toBe(4403);
  });

  test(`at most ${MAX_CONNECTIONS_PER_TOKEN} connections per token (4429) and ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`, async () => {
    const { admin, accountId } = await openChat(app);
    const open: Live[] = [];
    for (let i = 0; i < MAX_CONNECTIONS_PER_TOKEN; i++) {
      const l = connect(server, admin.token);
      open.push(l);
      subscribe(l, CHAT_EVENTS, { a: accountId });
    }
    await subscribed(app, dbId(accountId), MAX_CONNECTIONS_PER_TOKEN);
    const extra = live(admin.token);
    expect(await extra.closed).toBe(4429);
    await Promise.all(open.map((l) => l.dispose()));

    const l = live(admin.token);
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CONNECTION; i++) subscribe(l, CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId), MAX_SUBSCRIPTIONS_PER_CONNECTION);
    const over = await subscribe(l, CHAT_EVENTS, { a: accountId }).refusal();
    expect((over as any)[0].extensions).toEqual({ code: 'SUBSCRIPTION_LIMIT_REACHED', limit: MAX_SUBSCRIPTIONS_PER_CONNECTION });
  });
});

test('SSE keeps working: a subscription over text/event-stream gets the same events', async () => {
  const { admin, accountId, friend } = await openChat(app);
  const controller = new AbortController();
  const response = await app.yoga.fetch('http://dengon.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ query: CHAT_EVENTS, variables: { a: accountId } }),
    signal: controller.signal,
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.getReader();
  // The stream subscribes as it is read: read in the background.
  const received = (async () => {
    let text = '';
    while (!text.includes('over SSE')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    return text;
  })();
  await subscribed(app, dbId(accountId));
  await friendSays(app, friend.token, { text: 'over SSE' });
  expect(await received).toContain('"kind":"MESSAGE_RECEIVED"');
  controller.abort();
});

test(`a subscriber that lets more than ${MAX_QUEUED_EVENTS_PER_SUBSCRIPTION} events pile up is dropped with SLOW_CONSUMER`, async () => {
  const { admin, accountId, chatId } = await openChat(app);
  // The subscription as both transports run it (graphql-ws pulls the next
  // event only once the socket took the last one), pulled by nobody: a stalled client.
  const request = new Request('http://dengon.test/graphql', { headers: { authorization: `Bearer ${admin.token}` } });
  const { schema, parse, subscribe: run, contextFactory } = app.yoga.getEnveloped({ request });
  const result = await run({
    schema,
    document: parse(`subscription($a: ID!) { chatEvents(accountId: $a) { kind } }`),
    variableValues: { a: accountId },
    contextValue: await contextFactory(),
  });
  const events = result as AsyncIterableIterator<{ data?: unknown; errors?: unknown }>;
  expect(Symbol.asyncIterator in events).toBe(true);
  await subscribed(app, dbId(accountId));

  const flood = MAX_QUEUED_EVENTS_PER_SUBSCRIPTION + 10;
  await app.db.prisma.$transaction(async (tx) => {
    for (let i = 0; i < flood; i++) {
      await recordEvent({ tx, clock: app.clock }, { accountId: dbId(accountId), type: 'chat.read', payload: { chatId: dbId(chatId), readByUserId: dbId(admin.userId) } });
    }
  });
  app.events.publisher.nudge();
  // Past the limit the subscription lets go of its channel: nothing more is held for this client.
  await subscribed(app, dbId(accountId), 0);

  let delivered = 0;
  const failure = await (async () => {
    try {
      for (;;) {
        const next = await events.next();
        if (next.done) return null;
        expect(next.value).toEqual({ data: { chatEvents: { kind: 'READ' } } });
        delivered += 1;
      }
    } catch (error) {
      return error as Error;
    }
  })();
  expect(delivered).toBe(MAX_QUEUED_EVENTS_PER_SUBSCRIPTION);
  expect(failure?.message).toMatch(/More than 256 events were waiting/);
  expect((failure as unknown as { extensions?: { code?: string } }).extensions?.code).toBe('SLOW_CONSUMER');
});
