import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, dbId, globalId, signUp, type SignedIn } from '../helpers/scenario.ts';
import { follow, friendView, recall } from '../helpers/chat-scenario.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const gqlData = async (token: string, query: string, vars: Record<string, unknown>) => {
  const res = await app.gql(query, vars, token);
  if (res.errors) return { errors: res.errors };
  return Object.values(res.data as Record<string, any>)[0];
};
const draft = (token: string, accountId: string, text = 'Autumn sale: 20% off') =>
  gqlData(token, `mutation($a: ID!, $t: String!) { createDraft(accountId: $a, kind: BROADCAST, title: "Sale", content: { text: $t }) {
    ... on MutationCreateDraftSuccess { data { id } } } }`, { a: accountId, t: text }).then((r: any) => r.data.id as string);
const send = (token: string, id: string, key = `k-${Math.random()}`) =>
  gqlData(token, `mutation($d: ID!, $k: String!) { sendDelivery(deliveryId: $d, idempotencyKey: $k) { __typename
    ... on MutationSendDeliverySuccess { data { id status recipientCount quotaUnits sentAt } }
    ... on Error { code rule message }
    ... on QuotaExceededError { limit remaining needed }
    ... on InvalidTransitionError { status } } }`, { d: id, k: key });
const step = (token: string, name: string, id: string) =>
  gqlData(token, `mutation($d: ID!) { ${name}(deliveryId: $d) { __typename } }`, { d: id });

let admin: SignedIn;
let accountId: string;
let friends: { token: string; friendId: string }[];
beforeAll(async () => {
  admin = await signUp(app);
  accountId = await createAccount(app, admin.token);
  friends = [];
  for (const name of ['Aoi', 'Ren', 'Sora']) friends.push(await follow(app, accountId, name));
  await app.gql(`mutation { friendBlock { status } }`, {}, friends[1]!.token);
});

const messagesOf = (deliveryId: string) => app.db.prisma.deliveryRecipient.count({ where: { deliveryId: dbId(deliveryId) } });

describe('sendDelivery', () => {
  test('an ADMIN sends their own draft to every following friend; blocked friends get nothing; quota is used per recipient', async () => {
    const id = await draft(admin.token, accountId, 'Hello all');
    const res = await send(admin.token, id);
    expect(res).toMatchObject({ __typename: 'MutationSendDeliverySuccess', data: { status: 'SENT', recipientCount: 2, quotaUnits: 2 } });
    expect((await friendView(app, friends[0]!.token)).messages.edges.at(-1).node.content).toEqual({ __typename: 'TextContent', text: 'Hello all' });
    expect(JSON.stringify(await friendView(app, friends[1]!.token))).not.toContain('Hello all');
    const quota = await app.gql(`query($a: ID!) { account(id: $a) { quota { used limit remaining resetsAt } } }`, { a: accountId }, admin.token);
    expect(quota.data.account.quota).toEqual({ used: 2, limit: 200, remaining: 198, resetsAt: '2026-12-01T00:00:00.000Z' });
  });

  test('R-RECALL-2: a broadcast message cannot be recalled', async () => {
    const id = await draft(admin.token, accountId);
    await send(admin.token, id);
    const recipient = await app.db.prisma.deliveryRecipient.findFirstOrThrow({ where: { deliveryId: dbId(id) } });
    const res = await recall(app, admin.token, globalId('Message', recipient.messageId));
    expect(res.data.recallMessage).toMatchObject({ code: 'NOT_RECALLABLE', kind: 'BROADCAST' });
  });

  test('R-SAFE-1: the same idempotency key twice sends once', async () => {
    const id = await draft(admin.token, accountId);
    const first = await send(admin.token, id, 'send-once');
    const again = await send(admin.token, id, 'send-once');
    expect(again).toEqual(first);
    expect(await messagesOf(id)).toBe(2);
    expect(await app.db.prisma.auditEvent.count({ where: { action: 'delivery.sent', subjectId: dbId(id) } })).toBe(1);
  });

  test('R-SAFE-1: racing sends of one delivery send once', async () => {
    const id = await draft(admin.token, accountId);
    const results = await Promise.all([send(admin.token, id, 'a'), send(admin.token, id, 'b'), send(admin.token, id, 'c')]);
    expect(results.filter((r: any) => r.__typename === 'MutationSendDeliverySuccess')).toHaveLength(1);
    expect(await messagesOf(id)).toBe(2);
  });

  test('a sent delivery cannot be sent again with a new key', async () => {
    const id = await draft(admin.token, accountId);
    await send(admin.token, id);
    expect(await send(admin.token, id)).toMatchObject({ __typename: 'InvalidTransitionError', status: 'SENT' });
  });
});

describe('R-APPROVAL-1: nothing leaves without someone allowed to send', () => {
  test('a NO_SEND member cannot send (FORBIDDEN); their draft needs approval before an ADMIN can send it', async () => {
    const drafter = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND');
    const id = await draft(drafter.token, accountId);
    expect((await send(drafter.token, id) as any).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await send(admin.token, id)).toMatchObject({ __typename: 'ConflictError', code: 'APPROVAL_REQUIRED', rule: 'R-APPROVAL-1' });
    expect(await messagesOf(id)).toBe(0);

    await step(drafter.token, 'submitDraft', id);
    await step(admin.token, 'approveDelivery', id);
    expect(await send(admin.token, id)).toMatchObject({ data: { status: 'SENT', recipientCount: 2 } });
  });

  test('statistics are hidden from OPERATOR_NO_SEND_NO_STATS', async () => {
    const id = await draft(admin.token, accountId);
    await send(admin.token, id);
    const noStats = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND_NO_STATS');
    const res = await app.gql(`query($d: ID!) { node(id: $d) { ... on Delivery { status recipientCount } } }`, { d: id }, noStats.token);
    expect(res.data.node).toEqual({ status: 'SENT', recipientCount: null });
  });
});

describe('R-QUOTA-1: monthly quota', () => {
  test('a send that would exceed the quota is refused and writes nothing', async () => {
    const owner = await signUp(app);
    const small = await createAccount(app, owner.token, 'Tiny plan');
    await app.db.prisma.account.update({ where: { id: dbId(small) }, data: { quotaOverride: 3 } });
    for (const name of ['a', 'b']) await follow(app, small, name);
    const first = await draft(owner.token, small);
    expect(await send(owner.token, first)).toMatchObject({ data: { quotaUnits: 2 } });
    const messagesBefore = await app.db.prisma.message.count();
    const second = await draft(owner.token, small);
    const refused = await send(owner.token, second);
    expect(refused).toMatchObject({ __typename: 'QuotaExceededError', code: 'QUOTA_EXCEEDED', rule: 'R-QUOTA-1', limit: 3, remaining: 1, needed: 2 });
    expect(await app.db.prisma.message.count()).toBe(messagesBefore);
    expect(await messagesOf(second)).toBe(0);
    expect((await app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(second) } })).status).toBe('DRAFT');
    const quota = await app.gql(`query($a: ID!) { account(id: $a) { quota { used } } }`, { a: small }, owner.token);
    expect(quota.data.account.quota.used).toBe(2);
  });
});
