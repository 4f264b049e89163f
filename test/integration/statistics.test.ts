import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Listening } from '../../src/server.ts';
import { recordEvent } from '../../src/events/outbox.ts';
import type { Role } from '../../src/generated/prisma/enums.ts';
import { follow } from '../helpers/chat-scenario.ts';
import { connect, listenApp, subscribe, subscribed, type Live } from '../helpers/live.ts';
import { addMember, createAccount, dbId, signUp, type SignedIn } from '../helpers/scenario.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// R-STATS-1: every count of reach is hidden from OPERATOR_NO_SEND_NO_STATS on
// every path it left by before; the same path still shows the numbers to a
// role with statistics, so each test fails if the gate were removed.

let app: TestApp;
let server: Listening;
const lives: Live[] = [];
let admin: SignedIn;
let accountId: string;
const members = {} as Record<Role, SignedIn>;
let sentId: string;
let goldAudienceId: string;
let tagAudienceId: string;
let tagId: string;

const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
  const res = await app.gql(query, variables, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return Object.values(res.data as Record<string, any>)[0];
};
const draft = async (token: string, account: string, audienceId?: string) =>
  (await gql(token, `mutation($a: ID!, $au: ID, $k: DraftKind!) { createDraft(accountId: $a, kind: $k, audienceId: $au, title: "Sale", content: { text: "20% off" }) {
    __typename ... on MutationCreateDraftSuccess { data { id } } ... on Error { code message } } }`,
    { a: account, au: audienceId ?? null, k: audienceId ? 'NARROWCAST' : 'BROADCAST' })).data.id as string;
const sendNow = (token: string, id: string) =>
  gql(token, `mutation($d: ID!, $k: String!) { sendDelivery(deliveryId: $d, idempotencyKey: $k) { __typename
    ... on MutationSendDeliverySuccess { data { status } } ... on Error { code message } } }`, { d: id, k: `send-${id}` });
const preview = async (token: string, id: string) =>
  (await gql(token, `mutation($d: ID!) { previewDelivery(deliveryId: $d) { __typename ... on MutationPreviewDeliverySuccess {
    data { recipientCount quotaUnits quotaRemaining blockers { code message details } } } } }`, { d: id })).data;

const WITH_STATS = ['ADMIN', 'OPERATOR', 'OPERATOR_NO_SEND'] as const;
const NO_STATS = 'OPERATOR_NO_SEND_NO_STATS' as const;
const token = (role: Role) => (role === 'ADMIN' ? admin.token : members[role]!.token);

beforeAll(async () => {
  app = await createTestApp();
  server = await listenApp(app);
  admin = await signUp(app);
  accountId = await createAccount(app, admin.token);
  for (const role of ['OPERATOR', 'OPERATOR_NO_SEND', NO_STATS] as const) members[role] = await addMember(app, admin.token, accountId, role);
  const friends = [];
  for (const name of ['Aoi', 'Ren', 'Sora']) friends.push(await follow(app, accountId, name));
  await app.db.prisma.friend.updateMany({ where: { id: { in: friends.slice(0, 2).map((f) => dbId(f.friendId)) } }, data: { attributes: { plan: 'gold' } } });
  tagId = (await gql(admin.token, `mutation($a: ID!) { createChatTag(accountId: $a, name: "matcha") { ... on MutationCreateChatTagSuccess { data { id } } } }`, { a: accountId })).data.id;
  await gql(admin.token, `mutation($f: ID!, $t: ID!) { tagFriend(friendId: $f, tagId: $t) { __typename } }`, { f: friends[0]!.friendId, t: tagId });
  const audience = (spec: Record<string, unknown>) =>
    gql(admin.token, `mutation($a: ID!, $s: AudienceSpecInput!) { createAudience(accountId: $a, name: "A", spec: $s) { ... on MutationCreateAudienceSuccess { data { id } } } }`, { a: accountId, s: spec });
  goldAudienceId = (await audience({ attributes: { plan: 'gold' } })).data.id;
  tagAudienceId = (await audience({ chatTags: { tagIds: [tagId] } })).data.id;
  sentId = await draft(admin.token, accountId);
  expect(await sendNow(admin.token, sentId)).toMatchObject({ data: { status: 'SENT' } });
});
afterAll(async () => {
  await Promise.all(lives.map((l) => l.dispose()));
  await server.close();
  await app.close();
});

describe('R-STATS-1: deliveries', () => {
  const DELIVERY = `query($d: ID!) { node(id: $d) { ... on Delivery { status recipientCount quotaUnits } } }`;

  test.each(WITH_STATS)('R-STATS-1: %s reads recipientCount and quotaUnits of a sent delivery', async (role) => {
    expect(await gql(token(role), DELIVERY, { d: sentId })).toEqual({ status: 'SENT', recipientCount: 3, quotaUnits: 3 });
  });

  test('R-STATS-1: OPERATOR_NO_SEND_NO_STATS gets null for both, on the node and in the account list', async () => {
    expect(await gql(token(NO_STATS), DELIVERY, { d: sentId })).toEqual({ status: 'SENT', recipientCount: null, quotaUnits: null });
    const list = await gql(token(NO_STATS), `query($a: ID!) { account(id: $a) { deliveries(first: 10) { edges { node { recipientCount quotaUnits } } } } }`, { a: accountId });
    expect(list.deliveries.edges.map((e: any) => e.node)).toEqual([{ recipientCount: null, quotaUnits: null }]);
  });

  test('R-STATS-1: delivery.history data keeps the steps but loses targets, recipients and quota units for OPERATOR_NO_SEND_NO_STATS', async () => {
    const HISTORY = `query($d: ID!) { node(id: $d) { ... on Delivery { history(first: 20) { edges { node { action data } } } } } }`;
    const steps = async (role: Role) => Object.fromEntries((await gql(token(role), HISTORY, { d: sentId })).history.edges.map((e: any) => [e.node.action, e.node.data]));
    const seen = await steps('OPERATOR');
    expect(seen['delivery.sending']).toEqual({ from: 'DRAFT', status: 'SENDING', revision: 1, targets: 3, quotaUnitsReserved: 3 });
    expect(seen['delivery.sent']).toEqual({ from: 'SENDING', status: 'SENT', revision: 1, recipients: 3, quotaUnits: 3 });
    const hidden = await steps(NO_STATS);
    expect(Object.keys(hidden)).toEqual(Object.keys(seen));
    expect(hidden['delivery.sending']).toEqual({ from: 'DRAFT', status: 'SENDING', revision: 1 });
    expect(hidden['delivery.sent']).toEqual({ from: 'SENDING', status: 'SENT', revision: 1 });
  });

  test('R-STATS-1: the audit log shows the same keys to an ADMIN', async () => {
    const log = await gql(admin.token, `query($a: ID!) { account(id: $a) { auditEvents(first: 50) { edges { node { action data } } } } }`, { a: accountId });
    expect(log.auditEvents.edges.find((e: any) => e.node.action === 'delivery.sent').node.data).toMatchObject({ recipients: 3, quotaUnits: 3 });
  });
});

describe('R-STATS-1: quota and preview', () => {
  test('R-STATS-1: account.quota hides used and remaining from OPERATOR_NO_SEND_NO_STATS, not the plan limit', async () => {
    const QUOTA = `query($a: ID!) { account(id: $a) { quota { used remaining limit } } }`;
    expect((await gql(token('OPERATOR_NO_SEND'), QUOTA, { a: accountId })).quota).toEqual({ used: 3, remaining: 197, limit: 200 });
    expect((await gql(token(NO_STATS), QUOTA, { a: accountId })).quota).toEqual({ used: null, remaining: null, limit: 200 });
  });

  test('R-STATS-1: previewDelivery hides recipientCount, quotaUnits and quotaRemaining', async () => {
    const id = await draft(token(NO_STATS), accountId);
    expect(await preview(token('OPERATOR'), id)).toMatchObject({ recipientCount: 3, quotaUnits: 3, quotaRemaining: 197, blockers: [] });
    expect(await preview(token(NO_STATS), id)).toMatchObject({ recipientCount: null, quotaUnits: null, quotaRemaining: null, blockers: [] });
  });

  test('R-STATS-1: the AUDIENCE_TOO_SMALL blocker loses details.count, and its message never had it', async () => {
    const id = await draft(token(NO_STATS), accountId, goldAudienceId);
    const [seen] = (await preview(token('OPERATOR'), id)).blockers;
    const [hidden] = (await preview(token(NO_STATS), id)).blockers;
    expect(seen).toMatchObject({ code: 'AUDIENCE_TOO_SMALL', details: { minimum: 50, count: 2 } });
    expect(hidden).toEqual({ ...seen, details: { minimum: 50 } });
    expect(seen.message.replace('R-TAG-2', '').replace('50', '')).not.toMatch(/\d/);
  });

  test('R-STATS-1: the QUOTA_EXCEEDED blocker loses remaining and needed, keeps the plan limit', async () => {
    const owner = await signUp(app);
    const small = await createAccount(app, owner.token, 'Tiny plan');
    await app.db.prisma.account.update({ where: { id: dbId(small) }, data: { quotaOverride: 1 } });
    for (const name of ['a', 'b']) await follow(app, small, name);
    const noStats = await addMember(app, owner.token, small, NO_STATS);
    const id = await draft(noStats.token, small);
    const [seen] = (await preview(owner.token, id)).blockers;
    const [hidden] = (await preview(noStats.token, id)).blockers;
    expect(seen).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 1, remaining: 1, needed: 2 } });
    expect(hidden).toEqual({ ...seen, details: { limit: 1 } });
    expect(seen.message.replace('R-QUOTA-1', '').replace(' 1 ', ' ')).not.toMatch(/\d/);
  });
});

describe('R-STATS-1: audiences and chat tags', () => {
  const SIZES = `query($a: ID!, $au: ID!, $t: ID!) {
    account(id: $a) {
      audiences(first: 10) { edges { node { size } } }
      chatTags(first: 10) { edges { node { name friendCount } } }
      friends(first: 10) { edges { node { tags { friendCount } } } } }
    audience: node(id: $au) { ... on Audience { size } }
    tag: node(id: $t) { ... on ChatTag { friendCount } } }`;

  test.each(WITH_STATS)('R-STATS-1: %s reads Audience.size and ChatTag.friendCount', async (role) => {
    const res = await app.gql(SIZES, { a: accountId, au: tagAudienceId, t: tagId }, token(role));
    expect(res.data.account.audiences.edges.map((e: any) => e.node.size).sort()).toEqual([1, 2]);
    expect(res.data).toMatchObject({ account: { chatTags: { edges: [{ node: { name: 'matcha', friendCount: 1 } }] } }, audience: { size: 1 }, tag: { friendCount: 1 } });
    expect(res.data.account.friends.edges.flatMap((e: any) => e.node.tags)).toEqual([{ friendCount: 1 }]);
  });

  test('R-STATS-1: OPERATOR_NO_SEND_NO_STATS gets null for both, also on a friend\'s tags', async () => {
    const res = await app.gql(SIZES, { a: accountId, au: tagAudienceId, t: tagId }, token(NO_STATS));
    expect(res.data.account.audiences.edges.map((e: any) => e.node.size)).toEqual([null, null]);
    expect(res.data).toMatchObject({ account: { chatTags: { edges: [{ node: { name: 'matcha', friendCount: null } }] } }, audience: { size: null }, tag: { friendCount: null } });
    expect(res.data.account.friends.edges.flatMap((e: any) => e.node.tags)).toEqual([{ friendCount: null }]);
  });

  test('R-STATS-1: deleteChatTag tells an OPERATOR how many friends lost the tag', async () => {
    const t = (await gql(admin.token, `mutation($a: ID!) { createChatTag(accountId: $a, name: "gone") { ... on MutationCreateChatTagSuccess { data { id } } } }`, { a: accountId })).data.id;
    const [friend] = (await gql(admin.token, `query($a: ID!) { account(id: $a) { friends(first: 1) { edges { node { id } } } } }`, { a: accountId })).friends.edges;
    await gql(admin.token, `mutation($f: ID!, $t: ID!) { tagFriend(friendId: $f, tagId: $t) { __typename } }`, { f: friend.node.id, t });
    const deleted = await gql(token('OPERATOR'), `mutation($t: ID!) { deleteChatTag(tagId: $t) { ... on MutationDeleteChatTagSuccess { data { name untaggedFriendCount } } } }`, { t });
    expect(deleted.data).toEqual({ name: 'gone', untaggedFriendCount: 1 });
  });
});

describe('R-STATS-1: subscription payloads', () => {
  const DELIVERY_FIELDS = `delivery { id recipientCount quotaUnits history(first: 20) { edges { node { action data } } } }`;
  const DELIVERY_EVENTS = `subscription($d: ID!) { deliveryEvents(deliveryId: $d) { kind status progress { sent total } ${DELIVERY_FIELDS} } }`;
  const APPROVAL_EVENTS = `subscription($a: ID!) { approvalEvents(accountId: $a) { kind ${DELIVERY_FIELDS} } }`;
  const live = (t: string) => {
    const l = connect(server, t);
    lives.push(l);
    return l;
  };
  const sentData = (delivery: any) => delivery.history.edges.find((e: any) => e.node.action === 'delivery.sent').node.data;
  // Events about a delivery already sent, recorded as the services would: its fields are read when the event is delivered.
  const publish = async (type: 'delivery.progress' | 'delivery.approved', payload: Record<string, unknown>) => {
    await app.db.prisma.$transaction((tx) => recordEvent({ tx, clock: app.clock }, { accountId: dbId(accountId), type, payload } as never));
    app.events.publisher.nudge();
  };

  test('R-STATS-1: deliveryEvents: PROGRESS and the delivery\'s numbers reach an OPERATOR, never OPERATOR_NO_SEND_NO_STATS', async () => {
    const withStats = subscribe(live(token('OPERATOR')), DELIVERY_EVENTS, { d: sentId });
    const without = subscribe(live(token(NO_STATS)), DELIVERY_EVENTS, { d: sentId });
    await subscribed(app, dbId(accountId), 2);

    await publish('delivery.progress', { deliveryId: dbId(sentId), sent: 2, total: 3 });
    await publish('delivery.approved', { deliveryId: dbId(sentId), status: 'SENT', from: 'SENT', actorUserId: null, revision: 1 });
    const progress = (await withStats.next()).data.deliveryEvents;
    expect(progress).toMatchObject({ kind: 'PROGRESS', progress: { sent: 2, total: 3 }, delivery: { recipientCount: 3, quotaUnits: 3 } });
    expect(sentData(progress.delivery)).toMatchObject({ recipients: 3, quotaUnits: 3 });
    const seen = (await withStats.next()).data.deliveryEvents;
    expect(seen).toMatchObject({ kind: 'STATUS_CHANGED', progress: null, delivery: { recipientCount: 3, quotaUnits: 3 } });

    // The first event OPERATOR_NO_SEND_NO_STATS gets is the state change: PROGRESS never came.
    const hidden = (await without.next()).data.deliveryEvents;
    expect(hidden).toMatchObject({ kind: 'STATUS_CHANGED', progress: null, delivery: { recipientCount: null, quotaUnits: null } });
    expect(sentData(hidden.delivery)).toEqual({ from: 'SENDING', status: 'SENT', revision: 1 });
    expect(without.pending()).toBe(0);
    withStats.stop();
    without.stop();
    await subscribed(app, dbId(accountId), 0);
  });

  test('R-STATS-1: approvalEvents: the delivery\'s numbers follow the role', async () => {
    const withStats = subscribe(live(token('OPERATOR_NO_SEND')), APPROVAL_EVENTS, { a: accountId });
    const without = subscribe(live(token(NO_STATS)), APPROVAL_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId), 2);

    await publish('delivery.approved', { deliveryId: dbId(sentId), status: 'SENT', from: 'SENT', actorUserId: null, revision: 1 });
    const seen = (await withStats.next()).data.approvalEvents;
    expect(seen).toMatchObject({ kind: 'APPROVED', delivery: { id: sentId, recipientCount: 3, quotaUnits: 3 } });
    expect(sentData(seen.delivery)).toMatchObject({ recipients: 3, quotaUnits: 3 });
    const hidden = (await without.next()).data.approvalEvents;
    expect(hidden).toMatchObject({ kind: 'APPROVED', delivery: { id: sentId, recipientCount: null, quotaUnits: null } });
    expect(sentData(hidden.delivery)).toEqual({ from: 'SENDING', status: 'SENT', revision: 1 });
    withStats.stop();
    without.stop();
    await subscribed(app, dbId(accountId), 0);
  });
});
