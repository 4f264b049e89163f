import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, dbId, signUp, type SignedIn } from '../helpers/scenario.ts';
import { follow, friendView, recall } from '../helpers/chat-scenario.ts';
import { MAX_TEST_SENDS_PER_HOUR, TEST_RECIPIENT_CODE_TTL_MS } from '../../src/limits.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const CODE = `mutation($a: ID!) { createTestRecipientCode(accountId: $a) { __typename
  ... on MutationCreateTestRecipientCodeSuccess { data { code expiresAt } } ... on Error { code rule } } }`;
const CLAIM = `mutation($c: String!) { friendClaimTestRecipientCode(code: $c) { __typename
  ... on MutationFriendClaimTestRecipientCodeSuccess { data { linkedAt } } ... on Error { code rule } ... on LimitReachedError { limit } } }`;
const TEST_SEND = `mutation($d: ID!) { sendTestDelivery(deliveryId: $d) { __typename
  ... on MutationSendTestDeliverySuccess { data { recipientCount delivery { status } } } ... on Error { code rule } ... on LimitReachedError { limit } } }`;

async function newCode(member: SignedIn, accountId: string): Promise<string> {
  const res = await app.gql(CODE, { a: accountId }, member.token);
  expect(res.data.createTestRecipientCode.__typename).toBe('MutationCreateTestRecipientCodeSuccess');
  return res.data.createTestRecipientCode.data.code;
}

async function claim(friendToken: string, code: string) {
  return (await app.gql(CLAIM, { c: code }, friendToken)).data.friendClaimTestRecipientCode;
}

/** A member's own phone: a friend of the account that claimed the member's code. */
async function linkPhone(member: SignedIn, accountId: string, name = 'My phone') {
  const phone = await follow(app, accountId, name);
  expect((await claim(phone.token, await newCode(member, accountId))).__typename).toBe('MutationFriendClaimTestRecipientCodeSuccess');
  return phone;
}

async function testRecipients(member: SignedIn, accountId: string): Promise<{ id: string; displayName: string }[]> {
  const res = await app.gql(`query($a: ID!) { viewer { testRecipients(accountId: $a) { id displayName } } }`, { a: accountId }, member.token);
  return res.data.viewer.testRecipients;
}

async function draft(member: SignedIn, accountId: string, text: string): Promise<string> {
  const res = await app.gql(
    `mutation($a: ID!, $t: String!) { createDraft(accountId: $a, kind: BROADCAST, title: "T", content: { text: $t }) {
      ... on MutationCreateDraftSuccess { data { id } } } }`,
    { a: accountId, t: text },
    member.token,
  );
  return res.data.createDraft.data.id;
}

const testSend = async (member: SignedIn, deliveryId: string) => {
  const res = await app.gql(TEST_SEND, { d: deliveryId }, member.token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.sendTestDelivery;
};
const texts = async (friendToken: string) => JSON.stringify(await friendView(app, friendToken));

async function team() {
  const admin = await signUp(app);
  const accountId = await createAccount(app, admin.token);
  const drafter = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND');
  return { admin, accountId, drafter };
}

describe('R-SAFE-2: test recipients are provably the member\'s own', () => {
  test('naming an arbitrary friend as a test recipient is gone from the API', async () => {
    const { accountId, drafter } = await team();
    const customer = await follow(app, accountId, 'Customer');
    const res = await app.gql(`mutation($f: ID!) { addTestRecipient(friendId: $f) { __typename } }`, { f: customer.friendId }, drafter.token);
    expect(res.errors?.[0]?.message).toMatch(/Cannot query field "addTestRecipient"/);
    // So a NO_SEND member's test send reaches no one but their own linked phones: here, none.
    const id = await draft(drafter, accountId, 'Unapproved text');
    expect(await testSend(drafter, id)).toMatchObject({ __typename: 'ConflictError', code: 'NO_TEST_RECIPIENTS', rule: 'R-SAFE-2' });
    expect(await texts(customer.token)).not.toContain('Unapproved text');
  });

  test('a one-time code claimed on the member\'s phone links that friend; viewer.testRecipients lists it', async () => {
    const { accountId, drafter } = await team();
    expect(await testRecipients(drafter, accountId)).toEqual([]);
    const code = await newCode(drafter, accountId);
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const phone = await follow(app, accountId, 'Drafter phone');
    // Case, spaces and dashes do not matter.
    expect(await claim(phone.token, ` ${code.toLowerCase().replaceAll('-', '')} `)).toMatchObject({ __typename: 'MutationFriendClaimTestRecipientCodeSuccess' });
    expect((await testRecipients(drafter, accountId)).map((f) => f.displayName)).toEqual(['Drafter phone']);
    const link = await app.db.prisma.testRecipientCode.findFirstOrThrow({ where: { accountId: dbId(accountId) } });
    expect(link.codeHash).not.toContain(code.replaceAll('-', ''));
  });

  test('a code works once: a second friend claiming it gets TEST_RECIPIENT_CODE_INVALID and is not linked', async () => {
    const { accountId, drafter } = await team();
    const code = await newCode(drafter, accountId);
    expect((await claim((await follow(app, accountId, 'Mine')).token, code)).__typename).toBe('MutationFriendClaimTestRecipientCodeSuccess');
    const attacker = await follow(app, accountId, 'Attacker');
    expect(await claim(attacker.token, code)).toEqual({ __typename: 'ConflictError', code: 'TEST_RECIPIENT_CODE_INVALID', rule: 'R-SAFE-2' });
    expect((await testRecipients(drafter, accountId)).map((f) => f.displayName)).toEqual(['Mine']);
  });

  test('two friends racing for one code: exactly one is linked', async () => {
    const { accountId, drafter } = await team();
    const code = await newCode(drafter, accountId);
    const [a, b] = [await follow(app, accountId, 'A'), await follow(app, accountId, 'B')];
    const results = await Promise.all([claim(a.token, code), claim(b.token, code)]);
    expect(results.map((r) => r.__typename).sort()).toEqual(['ConflictError', 'MutationFriendClaimTestRecipientCodeSuccess']);
    expect(await testRecipients(drafter, accountId)).toHaveLength(1);
  });

  test('a code expires after 10 minutes', async () => {
    const { accountId, drafter } = await team();
    const code = await newCode(drafter, accountId);
    const phone = await follow(app, accountId, 'Late phone');
    app.clock.advance(TEST_RECIPIENT_CODE_TTL_MS + 1);
    expect(await claim(phone.token, code)).toMatchObject({ code: 'TEST_RECIPIENT_CODE_INVALID' });
    expect(await testRecipients(drafter, accountId)).toEqual([]);
  });

  test('a code of one account cannot be claimed by a friend of another account', async () => {
    const { accountId, drafter } = await team();
    const other = await team();
    const code = await newCode(drafter, accountId);
    const stranger = await follow(app, other.accountId, 'Stranger');
    expect(await claim(stranger.token, code)).toMatchObject({ code: 'TEST_RECIPIENT_CODE_INVALID' });
    expect(await testRecipients(drafter, accountId)).toEqual([]);
  });

  test('guessed codes are refused like unknown ones, and a member token cannot claim', async () => {
    const { accountId, drafter } = await team();
    await newCode(drafter, accountId);
    const phone = await follow(app, accountId);
    expect(await claim(phone.token, 'AAAA-AAAA-AAAA')).toMatchObject({ code: 'TEST_RECIPIENT_CODE_INVALID' });
    const asMember = await app.gql(CLAIM, { c: 'AAAA-AAAA-AAAA' }, drafter.token);
    expect(asMember.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a code of a member who has left the account links nothing', async () => {
    const { admin, accountId } = await team();
    const leaver = await addMember(app, admin.token, accountId, 'OPERATOR');
    const code = await newCode(leaver, accountId);
    await app.gql(`mutation($m: ID!) { removeMember(memberId: $m) { __typename } }`, { m: leaver.memberId }, admin.token);
    const phone = await follow(app, accountId);
    expect(await claim(phone.token, code)).toMatchObject({ code: 'TEST_RECIPIENT_CODE_INVALID' });
    expect(await app.db.prisma.testRecipient.count({ where: { accountId: dbId(accountId) } })).toBe(0);
  });

  test('at most 5 test recipients per member; removing one makes room', async () => {
    const { accountId, drafter } = await team();
    for (let i = 0; i < 5; i++) await linkPhone(drafter, accountId, `p${i}`);
    const sixth = await follow(app, accountId, 'p5');
    expect(await claim(sixth.token, await newCode(drafter, accountId))).toEqual({
      __typename: 'LimitReachedError', code: 'TEST_RECIPIENT_LIMIT_REACHED', rule: 'R-SAFE-2', limit: 5,
    });
    const [first] = await testRecipients(drafter, accountId);
    const removed = await app.gql(
      `mutation($a: ID!, $f: ID!) { removeTestRecipient(accountId: $a, friendId: $f) { __typename ... on MutationRemoveTestRecipientSuccess { data { displayName } } } }`,
      { a: accountId, f: first!.id },
      drafter.token,
    );
    expect(removed.data.removeTestRecipient.data.map((f: { displayName: string }) => f.displayName).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'].filter((n) => n !== first!.displayName));
    expect((await claim(sixth.token, await newCode(drafter, accountId))).__typename).toBe('MutationFriendClaimTestRecipientCodeSuccess');
  });

  test('a member cannot remove or see another member\'s test recipients', async () => {
    const { admin, accountId, drafter } = await team();
    await linkPhone(drafter, accountId, 'Drafter phone');
    const [phone] = await testRecipients(drafter, accountId);
    expect(await testRecipients(admin, accountId)).toEqual([]);
    const res = await app.gql(
      `mutation($a: ID!, $f: ID!) { removeTestRecipient(accountId: $a, friendId: $f) { __typename ... on NotFoundError { field } } }`,
      { a: accountId, f: phone!.id },
      admin.token,
    );
    expect(res.data.removeTestRecipient).toEqual({ __typename: 'NotFoundError', field: 'friendId' });
    expect(await testRecipients(drafter, accountId)).toHaveLength(1);
  });
});

describe('R-SAFE-2: test sends reach only the sender\'s own test recipients', () => {
  test('marked as tests, no approval, no quota, the delivery keeps its state; nobody else receives them', async () => {
    const { admin, accountId, drafter } = await team();
    const myPhone = await linkPhone(drafter, accountId, 'Drafter phone');
    const adminPhone = await linkPhone(admin, accountId, 'Admin phone');
    const customer = await follow(app, accountId, 'Customer');
    const id = await draft(drafter, accountId, 'Draft text');

    expect(await testSend(drafter, id)).toMatchObject({ __typename: 'MutationSendTestDeliverySuccess', data: { recipientCount: 1, delivery: { status: 'DRAFT' } } });
    const mine = await app.gql(`{ friendChat { messages(first: 10) { edges { node { test fromAccount content { ... on TextContent { text } } } } } } }`, {}, myPhone.token);
    expect(mine.data.friendChat.messages.edges.map((e: { node: unknown }) => e.node)).toEqual([{ test: true, fromAccount: true, content: { text: 'Draft text' } }]);
    expect(await texts(customer.token)).not.toContain('Draft text');
    expect(await texts(adminPhone.token)).not.toContain('Draft text');
    const quota = await app.gql(`query($a: ID!) { account(id: $a) { quota { used } } }`, { a: accountId }, admin.token);
    expect(quota.data.account.quota.used).toBe(0);
    const message = await app.db.prisma.message.findFirstOrThrow({ where: { accountId: dbId(accountId), direction: 'OUTGOING' } });
    expect(message.kind).toBe('TEST');
    expect((await app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).testSendCount).toBe(1);
  });

  test.each(['a colleague\'s draft', 'a REJECTED delivery'])('%s reaches only the sender\'s own phone', async (which) => {
    const { admin, accountId, drafter } = await team();
    const customer = await follow(app, accountId, 'Customer');
    const myPhone = await linkPhone(drafter, accountId);
    const id = await draft(admin, accountId, `Not approved: ${which}`);
    if (which.includes('REJECTED')) {
      const mine = await draft(drafter, accountId, `Not approved: ${which}`);
      await app.gql(`mutation($d: ID!) { submitDraft(deliveryId: $d) { __typename } }`, { d: mine }, drafter.token);
      const rejected = await app.gql(`mutation($d: ID!) { rejectDelivery(deliveryId: $d, reason: "no") { __typename ... on MutationRejectDeliverySuccess { data { status } } } }`, { d: mine }, admin.token);
      expect(rejected.data.rejectDelivery.data.status).toBe('REJECTED');
      expect(await testSend(drafter, mine)).toMatchObject({ data: { recipientCount: 1, delivery: { status: 'REJECTED' } } });
    } else {
      expect(await testSend(drafter, id)).toMatchObject({ data: { recipientCount: 1, delivery: { status: 'DRAFT' } } });
    }
    expect(await texts(myPhone.token)).toContain(`Not approved: ${which}`);
    expect(await texts(customer.token)).not.toContain('Not approved');
    expect(await app.db.prisma.message.count({ where: { accountId: dbId(accountId), direction: 'OUTGOING' } })).toBe(1);
  });

  test('a phone that blocked the account receives nothing', async () => {
    const { accountId, drafter } = await team();
    const phone = await linkPhone(drafter, accountId);
    await app.gql(`mutation { friendBlock { status } }`, {}, phone.token);
    expect(await testSend(drafter, await draft(drafter, accountId, 'x'))).toMatchObject({ code: 'NO_TEST_RECIPIENTS' });
  });

  test('an unlinked phone receives no more tests', async () => {
    const { accountId, drafter } = await team();
    const phone = await linkPhone(drafter, accountId);
    const [linked] = await testRecipients(drafter, accountId);
    await app.gql(`mutation($a: ID!, $f: ID!) { removeTestRecipient(accountId: $a, friendId: $f) { __typename } }`, { a: accountId, f: linked!.id }, drafter.token);
    expect(await testSend(drafter, await draft(drafter, accountId, 'after unlink'))).toMatchObject({ code: 'NO_TEST_RECIPIENTS' });
    expect(await texts(phone.token)).not.toContain('after unlink');
  });

  test('a SENT delivery cannot be test-sent', async () => {
    const { admin, accountId } = await team();
    await linkPhone(admin, accountId);
    const id = await draft(admin, accountId, 'sent');
    await app.gql(`mutation($d: ID!) { sendDelivery(deliveryId: $d, idempotencyKey: "k") { __typename } }`, { d: id }, admin.token);
    expect(await testSend(admin, id)).toMatchObject({ __typename: 'InvalidTransitionError', code: 'INVALID_TRANSITION' });
  });

  test(`at most ${MAX_TEST_SENDS_PER_HOUR} test sends per member per hour; the next hour allows more`, async () => {
    const { admin, accountId, drafter } = await team();
    await linkPhone(drafter, accountId);
    await linkPhone(admin, accountId);
    const id = await draft(drafter, accountId, 'again');
    for (let i = 0; i < MAX_TEST_SENDS_PER_HOUR; i++) expect((await testSend(drafter, id)).__typename).toBe('MutationSendTestDeliverySuccess');
    expect(await testSend(drafter, id)).toEqual({ __typename: 'LimitReachedError', code: 'TEST_SEND_RATE_LIMITED', rule: 'R-SAFE-2', limit: MAX_TEST_SENDS_PER_HOUR });
    // Counted per member: a colleague may still test.
    expect((await testSend(admin, id)).__typename).toBe('MutationSendTestDeliverySuccess');
    app.clock.advance(3_600_000);
    expect((await testSend(drafter, id)).__typename).toBe('MutationSendTestDeliverySuccess');
  });

  test('R-RECALL-1: a test message can be recalled inside the window like a chat message, not after', async () => {
    const { admin, accountId } = await team();
    const phone = await linkPhone(admin, accountId);
    const id = await draft(admin, accountId, 'oops');
    await testSend(admin, id);
    await testSend(admin, id);
    const [first, second] = await app.db.prisma.message.findMany({ where: { accountId: dbId(accountId), kind: 'TEST' }, orderBy: { seq: 'asc' } });
    const gid = (m: { id: string }) => Buffer.from(`Message:${m.id}`).toString('base64url');
    expect((await recall(app, admin.token, gid(first!))).data.recallMessage.__typename).toBe('MutationRecallMessageSuccess');
    expect((await friendView(app, phone.token)).messages.edges[0].node.state).toBe('UNSENT');
    app.clock.advance(app.config.recallWindowMs + 1);
    expect((await recall(app, admin.token, gid(second!))).data.recallMessage).toMatchObject({ code: 'RECALL_WINDOW_EXPIRED' });
  });
});
