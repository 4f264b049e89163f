import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { signUp, uniqueEmail } from '../helpers/scenario.ts';
import { follow, friendSays, chatIdOf } from '../helpers/chat-scenario.ts';

// A mutation's result can be selected as deeply as a query's: relations,
// computed fields, and what the mutation itself just made visible.

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

test('results resolve their relations and computed fields', async () => {
  const admin = await signUp(app);
  const created = await app.gql(`mutation { createAccount(name: "Deep") { ... on MutationCreateAccountSuccess { data { id name viewerRole memberCount
    members { edges { node { role user { email } } } } auditEvents { edges { node { action } } } } } } }`, {}, admin.token);
  const account = created.data.createAccount.data;
  expect(account).toMatchObject({ name: 'Deep', viewerRole: 'ADMIN', memberCount: 1, members: { edges: [{ node: { role: 'ADMIN', user: { email: admin.email } } }] } });
  expect(account.auditEvents.edges).toEqual([{ node: { action: 'account.created' } }]);

  const invitee = await signUp(app, uniqueEmail('deep'));
  const invited = await app.gql(`mutation($a: ID!, $e: String!) { inviteMember(accountId: $a, email: $e, role: OPERATOR) {
    ... on MutationInviteMemberSuccess { data { id accountName role code } } } }`, { a: account.id, e: invitee.email }, admin.token);
  expect(invited.data.inviteMember.data).toMatchObject({ accountName: 'Deep', role: 'OPERATOR' });

  const accepted = await app.gql(`mutation($i: ID!, $c: String!) { acceptInvitation(invitationId: $i, code: $c) {
    ... on MutationAcceptInvitationSuccess { data { role user { email } account { name viewerRole memberCount } } } } }`, { i: invited.data.inviteMember.data.id, c: invited.data.inviteMember.data.code }, invitee.token);
  expect(accepted.data.acceptInvitation.data).toEqual({ role: 'OPERATOR', user: { email: invitee.email }, account: { name: 'Deep', viewerRole: 'OPERATOR', memberCount: 2 } });

  const friend = await follow(app, account.id);
  await friendSays(app, friend.token);
  const chatId = await chatIdOf(app, admin.token, friend.friendId);
  const sent = await app.gql(`mutation($c: ID!) { sendChatMessage(chatId: $c, content: { text: "hi" }, idempotencyKey: "deep-1") {
    ... on MutationSendChatMessageSuccess { data { id sender { email } } } } }`, { c: chatId }, admin.token);
  expect(sent.data.sendChatMessage.data.sender).toEqual({ email: admin.email });

  const recalled = await app.gql(`mutation($m: ID!) { recallMessage(messageId: $m) {
    ... on MutationRecallMessageSuccess { data { message { state sender { email } } } } } }`, { m: sent.data.sendChatMessage.data.id }, admin.token);
  expect(recalled.data.recallMessage.data.message).toEqual({ state: 'UNSENT', sender: { email: admin.email } });

  const read = await app.gql(`mutation($c: ID!) { markChatRead(chatId: $c) {
    ... on MutationMarkChatReadSuccess { data { unreadCount friend { displayName } lastMessage { state } } } } }`, { c: chatId }, admin.token);
  expect(read.data.markChatRead.data).toEqual({ unreadCount: 0, friend: { displayName: 'Yui' }, lastMessage: { state: 'UNSENT' } });

  const left = await app.gql(`mutation($a: ID!) { leaveAccount(accountId: $a) { __typename ... on MutationLeaveAccountSuccess { data { id role } } } }`, { a: account.id }, invitee.token);
  expect(left.data.leaveAccount.data.role).toBe('OPERATOR');
});
