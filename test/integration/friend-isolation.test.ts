import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, dbId, globalId, invite, signUp, type SignedIn } from '../helpers/scenario.ts';
import { follow, friendSays, friendView, send } from '../helpers/chat-scenario.ts';

// A friend token comes from friendFollow, which needs no login: anyone has
// one. These tests try what such a caller would: every id it can learn (its
// own, the ones the member side uses, the staff's), on node() and nodes().

let app: TestApp;
let staff: SignedIn;
let accountId: string;
let yui: { token: string; selfId: string; friendId: string };
let ken: { token: string; selfId: string; friendId: string };
/** Member-side ids of the account, as a member sees them. */
let memberSide: Record<string, string>;
/** Yui's friend-side ids, as Yui sees them. */
let yuiSide: { self: string; chat: string; fromAccount: string; fromYui: string };
let kenSide: { self: string; chat: string; message: string };

const STAFF_NAME = 'Aiko Staff';
const SECRET = 'staff-typed reply';

async function friendSideIds(token: string) {
  const res = await app.gql(`{ friendChat { id messages(first: 100) { edges { node { id fromAccount } } } } }`, {}, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.friendChat as { id: string; messages: { edges: { node: { id: string; fromAccount: boolean } }[] } };
}

beforeAll(async () => {
  app = await createTestApp();
  staff = await signUp(app, undefined, STAFF_NAME);
  accountId = await createAccount(app, staff.token, 'Ramen Ichiban');
  const operator = await addMember(app, staff.token, accountId, 'OPERATOR');
  const invitation = await invite(app, staff.token, accountId, 'later@example.test', 'OPERATOR_NO_SEND');
  yui = await follow(app, accountId, 'Yui');
  ken = await follow(app, accountId, 'Ken');
  await friendSays(app, yui.token, { text: 'hello from Yui' });
  await friendSays(app, ken.token, { text: 'hello from Ken' });
  await app.db.prisma.friend.update({ where: { id: dbId(yui.friendId) }, data: { attributes: { vip: true, note: 'complains a lot' } } });
  const chats = await app.gql(`query($a: ID!) { account(id: $a) { chats { edges { node { id friend { id } } } } } }`, { a: accountId }, staff.token);
  const chatId = chats.data.account.chats.edges.find((e: any) => e.node.friend.id === yui.friendId).node.id;
  const sent = await send(app, staff.token, chatId, { text: SECRET });
  const draft = await app.gql(`mutation($a: ID!) { createDraft(accountId: $a, kind: BROADCAST, title: "Sale", content: { text: "20% off" }) {
    ... on MutationCreateDraftSuccess { data { id } } } }`, { a: accountId }, staff.token);
  const tag = await app.gql(`mutation($a: ID!) { createChatTag(accountId: $a, name: "VIP") { ... on MutationCreateChatTagSuccess { data { id } } } }`, { a: accountId }, staff.token);
  const audit = await app.gql(`query($a: ID!) { account(id: $a) { auditEvents(first: 1) { edges { node { id } } } } }`, { a: accountId }, staff.token);
  memberSide = {
    Account: accountId,
    User: staff.userId,
    Member: operator.memberId,
    Invitation: invitation.data.id,
    AuditEvent: audit.data.account.auditEvents.edges[0].node.id,
    Friend: yui.friendId,
    Chat: chatId,
    Message: sent.data.sendChatMessage.data.id,
    Delivery: draft.data.createDraft.data.id,
    ChatTag: tag.data.createChatTag.data.id,
  };
  for (const id of Object.values(memberSide)) if (!id) throw new Error(`setup: an id is missing: ${JSON.stringify(memberSide)}`);
  const mine = await friendSideIds(yui.token);
  yuiSide = {
    self: yui.selfId,
    chat: mine.id,
    fromAccount: mine.messages.edges.find((e) => e.node.fromAccount)!.node.id,
    fromYui: mine.messages.edges.find((e) => !e.node.fromAccount)!.node.id,
  };
  const kens = await friendSideIds(ken.token);
  kenSide = { self: ken.selfId, chat: kens.id, message: kens.messages.edges[0]!.node.id };
});
afterAll(() => app.close());

const NODE = `query($id: ID!) { node(id: $id) { __typename id } }`;
const missingLike = (id: string) => globalId(Buffer.from(id, 'base64url').toString('utf8').split(':')[0]!, randomUUID());

describe('a friend token resolves only friend-side types', () => {
  test('R-INBOX-2: the reproduced leak — node(own Friend id) with attributes and chat.lastMessage.sender — is null, like a missing id', async () => {
    const LEAK = `query($id: ID!) { node(id: $id) { __typename id ... on Friend { attributes chat { id lastMessage {
      hiddenForAccountAt recalledByUserId notifiedAt sender { email displayName } content { ... on TextContent { text } } } } } } }`;
    // The friend's own uuid, under the member-side type name: what an attacker would forge from any of its ids.
    const ownFriendId = globalId('Friend', dbId(yui.selfId));
    const onOwn = await app.gql(LEAK, { id: ownFriendId }, yui.token);
    const onMissing = await app.gql(LEAK, { id: globalId('Friend', randomUUID()) }, yui.token);
    expect(onOwn).toEqual({ data: { node: null } });
    expect(onOwn).toEqual(onMissing);
    expect(JSON.stringify(onOwn)).not.toMatch(new RegExp(`${staff.email}|${STAFF_NAME}|complains|${SECRET}`));
  });

  test.each(['Account', 'User', 'Member', 'Invitation', 'AuditEvent', 'Friend', 'Chat', 'Message', 'Delivery', 'ChatTag'])(
    'node(<%s id>) with a friend token is null, exactly like a missing id',
    async (type) => {
      const id = memberSide[type]!;
      const onReal = await app.gql(NODE, { id }, yui.token);
      expect(onReal).toEqual({ data: { node: null } });
      expect(onReal).toEqual(await app.gql(NODE, { id: missingLike(id) }, yui.token));
    },
  );

  test('nodes([...every member-side id]) with a friend token is all null, and names nothing of the staff', async () => {
    const ids = Object.values(memberSide);
    const res = await app.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on User { email } ... on Message { sender { email } } } }`, { ids }, yui.token);
    expect(res).toEqual({ data: { nodes: ids.map(() => null) } });
  });

  test('the friend resolves its own FriendSelf, FriendChat and FriendMessage ids', async () => {
    const res = await app.gql(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
        ... on FriendSelf { displayName status }
        ... on FriendChat { accountName }
        ... on FriendMessage { fromAccount content { ... on TextContent { text } } } } }`,
      { ids: [yuiSide.self, yuiSide.chat, yuiSide.fromAccount, yuiSide.fromYui] },
      yui.token,
    );
    expect(res).toEqual({
      data: {
        nodes: [
          { __typename: 'FriendSelf', id: yuiSide.self, displayName: 'Yui', status: 'FOLLOWING' },
          { __typename: 'FriendChat', id: yuiSide.chat, accountName: 'Ramen Ichiban' },
          { __typename: 'FriendMessage', id: yuiSide.fromAccount, fromAccount: true, content: { text: SECRET } },
          { __typename: 'FriendMessage', id: yuiSide.fromYui, fromAccount: false, content: { text: 'hello from Yui' } },
        ],
      },
    });
  });

  test.each(['self', 'chat', 'message'] as const)("another friend's %s id is null for Yui, exactly like a missing id", async (which) => {
    const id = kenSide[which];
    const onReal = await app.gql(NODE, { id }, yui.token);
    expect(onReal).toEqual({ data: { node: null } });
    expect(onReal).toEqual(await app.gql(NODE, { id: missingLike(id) }, yui.token));
  });

  test.each(['self', 'chat', 'fromAccount', 'fromYui'] as const)('a member token gets null for the friend-side %s id, like a missing one', async (which) => {
    const id = yuiSide[which];
    const onReal = await app.gql(NODE, { id }, staff.token);
    expect(onReal).toEqual({ data: { node: null } });
    expect(onReal).toEqual(await app.gql(NODE, { id: missingLike(id) }, staff.token));
  });

  test('without a token, friend-side ids are null too', async () => {
    expect(await app.gql(NODE, { id: yuiSide.fromAccount })).toEqual({ data: { node: null } });
  });
});

describe('every friend-side id is a global id the friend-side mutations accept', () => {
  test('FriendSession.friendId is the FriendSelf id of the new friend', async () => {
    const mio = await follow(app, accountId, 'Mio');
    const res = await app.gql(`query($id: ID!) { node(id: $id) { __typename id ... on FriendSelf { displayName } } }`, { id: mio.selfId }, mio.token);
    expect(res).toEqual({ data: { node: { __typename: 'FriendSelf', id: mio.selfId, displayName: 'Mio' } } });
  });

  test('R-RECALL-4: the friend reports the message it was sent, by the FriendMessage id it was given', async () => {
    const rin = await follow(app, accountId, 'Rin');
    await friendSays(app, rin.token);
    const chatId = globalId('Chat', dbId((await friendSideIds(rin.token)).id));
    await send(app, staff.token, chatId, { text: 'buy now' });
    const sentToRin = (await friendView(app, rin.token)).messages.edges.map((e: any) => e.node).find((m: any) => m.fromAccount);
    const res = await app.gql(`mutation($m: ID!) { friendReportMessage(messageId: $m, reason: "spam") { __typename ... on Error { code } } }`, { m: sentToRin.id }, rin.token);
    expect(res.data.friendReportMessage).toEqual({ __typename: 'MutationFriendReportMessageSuccess' });
    expect(await app.db.prisma.report.findFirstOrThrow({ where: { messageId: dbId(sentToRin.id) } })).toMatchObject({ reason: 'spam', content: { type: 'text', text: 'buy now' } });
  });

  test("a member-side Message id is INVALID_INPUT; another friend's or one's own FriendMessage id is NOT_FOUND; nothing is written", async () => {
    const before = await app.db.prisma.report.count();
    const report = async (id: string) =>
      (await app.gql(`mutation($m: ID!) { friendReportMessage(messageId: $m, reason: "x") { __typename ... on Error { code } ... on ValidationError { field } } }`, { m: id }, ken.token))
        .data.friendReportMessage;
    expect(await report(memberSide.Message!)).toEqual({ __typename: 'ValidationError', code: 'INVALID_INPUT', field: 'messageId' });
    expect(await report(yuiSide.fromAccount)).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await report(globalId('FriendMessage', randomUUID()))).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    // One's own message is not the account's to be reported for.
    expect(await report(kenSide.message)).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await app.db.prisma.report.count()).toBe(before);
  });
});

describe('R-INBOX-2: friends see the account as the sender, never the staff', () => {
  test("a member's reply names the account, not the member; no staff email or display name anywhere", async () => {
    const res = await app.gql(`{ friendChat { accountName messages { edges { node { fromAccount senderName content { ... on TextContent { text } } } } } } }`, {}, yui.token);
    expect(res.data.friendChat.messages.edges.map((e: any) => e.node)).toEqual([
      { fromAccount: false, senderName: null, content: { text: 'hello from Yui' } },
      { fromAccount: true, senderName: 'Ramen Ichiban', content: { text: SECRET } },
    ]);
    expect(JSON.stringify(res)).not.toMatch(new RegExp(`${staff.email}|${STAFF_NAME}`));
  });

  test('the friend-side types carry no internal flags (recalledBy…, hidden…, notifiedAt, sender, attributes, tags)', async () => {
    const fieldsOf = async (name: string) =>
      ((await app.gql(`query($n: String!) { __type(name: $n) { fields { name } } }`, { n: name })).data.__type.fields as { name: string }[]).map((f) => f.name).sort();
    expect(await fieldsOf('FriendMessage')).toEqual(['content', 'contentType', 'fromAccount', 'id', 'recalledAt', 'senderName', 'sentAt', 'state', 'test']);
    expect(await fieldsOf('FriendChat')).toEqual(['accountName', 'id', 'messages']);
    expect(await fieldsOf('FriendSelf')).toEqual(['displayName', 'id', 'notificationsEnabled', 'status']);
  });
});
