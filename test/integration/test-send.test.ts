import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, dbId, signUp } from '../helpers/scenario.ts';
import { follow, friendView } from '../helpers/chat-scenario.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

test('R-SAFE-1: a test send reaches only the sender\'s own test recipients, needs no approval and uses no quota', async () => {
  const admin = await signUp(app);
  const accountId = await createAccount(app, admin.token);
  const drafter = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND');
  const myPhone = await follow(app, accountId, 'Drafter phone');
  const customer = await follow(app, accountId, 'Customer');
  const adminPhone = await follow(app, accountId, 'Admin phone');
  await app.gql(`mutation($f: ID!) { addTestRecipient(friendId: $f) { __typename } }`, { f: adminPhone.friendId }, admin.token);

  const draft = await app.gql(`mutation($a: ID!) { createDraft(accountId: $a, kind: BROADCAST, title: "T", content: { text: "Draft text" }) {
    ... on MutationCreateDraftSuccess { data { id } } } }`, { a: accountId }, drafter.token);
  const id = draft.data.createDraft.data.id;
  const testSend = (token: string) =>
    app.gql(`mutation($d: ID!) { sendTestDelivery(deliveryId: $d) { __typename
      ... on MutationSendTestDeliverySuccess { data { recipientCount delivery { status } } } ... on Error { code rule } } }`, { d: id }, token)
      .then((r) => r.data.sendTestDelivery);

  expect(await testSend(drafter.token)).toMatchObject({ __typename: 'ConflictError', code: 'NO_TEST_RECIPIENTS', rule: 'R-SAFE-1' });
  const added = await app.gql(`mutation($f: ID!) { addTestRecipient(friendId: $f) { __typename ... on MutationAddTestRecipientSuccess { data } } }`, { f: myPhone.friendId }, drafter.token);
  expect(added.data.addTestRecipient.data).toEqual([myPhone.friendId]);

  expect(await testSend(drafter.token)).toMatchObject({ data: { recipientCount: 1, delivery: { status: 'DRAFT' } } });
  expect(JSON.stringify(await friendView(app, myPhone.token))).toContain('Draft text');
  expect(JSON.stringify(await friendView(app, customer.token))).not.toContain('Draft text');
  expect(JSON.stringify(await friendView(app, adminPhone.token))).not.toContain('Draft text');
  const quota = await app.gql(`query($a: ID!) { account(id: $a) { quota { used } } }`, { a: accountId }, admin.token);
  expect(quota.data.account.quota.used).toBe(0);
  expect((await app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).testSendCount).toBe(1);
});

test('R-SAFE-1: at most 5 test recipients per member', async () => {
  const admin = await signUp(app);
  const accountId = await createAccount(app, admin.token);
  const add = async (friendId: string) =>
    (await app.gql(`mutation($f: ID!) { addTestRecipient(friendId: $f) { __typename ... on LimitReachedError { code max: limit } } }`, { f: friendId }, admin.token)).data.addTestRecipient;
  for (let i = 0; i < 5; i++) expect((await add((await follow(app, accountId, `p${i}`)).friendId)).__typename).toBe('MutationAddTestRecipientSuccess');
  expect(await add((await follow(app, accountId, 'p6')).friendId)).toEqual({ __typename: 'LimitReachedError', code: 'TEST_RECIPIENT_LIMIT_REACHED', max: 5 });
});
