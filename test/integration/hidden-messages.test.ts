import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Listening } from '../../src/server.ts';
import { addMember, dbId, globalId, type SignedIn } from '../helpers/scenario.ts';
import { friendSays, friendView, openChat, recall, send } from '../helpers/chat-scenario.ts';
import { connect, listenApp, subscribe, subscribed, type Live } from '../helpers/live.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// R-DELETE-1: a hidden message leaves the account's view. Only ADMINs may
// still look at it; for every other member it is a missing message on every
// path: node(), nodes(), Chat.lastMessage, mutations and chatEvents payloads.

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

const SECRET = 'wrong customer, sorry';
const NON_ADMINS = ['OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const;
type Role = (typeof NON_ADMINS)[number];

/** A chat whose latest message a member typed and an ADMIN then hid, with one member of each other role. */
async function hiddenLast() {
  const chat = await openChat(app);
  const members = {} as Record<Role, SignedIn>;
  for (const role of NON_ADMINS) members[role] = await addMember(app, chat.admin.token, chat.accountId, role);
  const sent = await send(app, chat.admin.token, chat.chatId, { text: SECRET });
  const messageId = sent.data.sendChatMessage.data.id as string;
  const hidden = await app.gql(`mutation($m: ID!) { hideMessage(messageId: $m) { __typename } }`, { m: messageId }, chat.admin.token);
  expect(hidden.data.hideMessage.__typename).toBe('MutationHideMessageSuccess');
  return { ...chat, members, messageId };
}

const MESSAGE_NODE = `query($id: ID!) { node(id: $id) { __typename id ... on Message { hiddenForAccountAt content { ... on TextContent { text } } } } }`;
const LAST = `query($c: ID!) { node(id: $c) { ... on Chat { lastMessageAt lastMessage { id content { ... on TextContent { text } } } } } }`;

describe('R-DELETE-1: a hidden message is a missing one for non-ADMINs', () => {
  test.each(NON_ADMINS)('%s: node(message) and nodes([message]) are null, exactly like a missing id', async (role) => {
    const { members, messageId } = await hiddenLast();
    const token = members[role].token;
    const onHidden = await app.gql(MESSAGE_NODE, { id: messageId }, token);
    expect(onHidden).toEqual({ data: { node: null } });
    expect(onHidden).toEqual(await app.gql(MESSAGE_NODE, { id: globalId('Message', randomUUID()) }, token));
    const many = await app.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Message { content { ... on TextContent { text } } } } }`, { ids: [messageId] }, token);
    expect(many).toEqual({ data: { nodes: [null] } });
  });

  test.each(NON_ADMINS)('%s: Chat.lastMessage is null when the latest message is hidden (the chat keeps its lastMessageAt)', async (role) => {
    const { members, chatId } = await hiddenLast();
    const res = await app.gql(LAST, { c: chatId }, members[role].token);
    expect(res.errors).toBeUndefined();
    expect(res.data.node).toEqual({ lastMessageAt: app.clock.now().toISOString(), lastMessage: null });
  });

  test('the account.chats list (and Friend.chat) shows no hidden lastMessage to an OPERATOR', async () => {
    const { members, accountId } = await hiddenLast();
    const res = await app.gql(
      `query($a: ID!) { account(id: $a) { chats { edges { node { lastMessage { id } friend { chat { lastMessage { content { ... on TextContent { text } } } } } } } } } }`,
      { a: accountId },
      members.OPERATOR.token,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.account.chats.edges).toEqual([{ node: { lastMessage: null, friend: { chat: { lastMessage: null } } } }]);
  });

  test('a later visible message is the lastMessage again', async () => {
    const { members, friend, chatId } = await hiddenLast();
    await friendSays(app, friend.token, { text: 'no problem' });
    const res = await app.gql(LAST, { c: chatId }, members.OPERATOR.token);
    expect(res.data.node.lastMessage).toMatchObject({ content: { text: 'no problem' } });
  });

  test('ADMIN still sees it: by node, as lastMessage, and listed with includeHidden', async () => {
    const { admin, chatId, messageId } = await hiddenLast();
    const byNode = await app.gql(MESSAGE_NODE, { id: messageId }, admin.token);
    expect(byNode.data.node).toMatchObject({ __typename: 'Message', id: messageId, hiddenForAccountAt: app.clock.now().toISOString(), content: { text: SECRET } });
    const last = await app.gql(LAST, { c: chatId }, admin.token);
    expect(last.data.node.lastMessage).toEqual({ id: messageId, content: { text: SECRET } });
    const listed = await app.gql(`query($c: ID!) { node(id: $c) { ... on Chat { messages(includeHidden: true) { edges { node { id } } } } } }`, { c: chatId }, admin.token);
    expect(listed.data.node.messages.edges.map((e: any) => e.node.id)).toContain(messageId);
  });

  test('an OPERATOR cannot recall or hide again what it cannot see: NOT_FOUND, like a missing id, and nothing changes', async () => {
    const { members, messageId } = await hiddenLast();
    const token = members.OPERATOR.token;
    const onHidden = await recall(app, token, messageId);
    expect(onHidden.data.recallMessage).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(onHidden).toEqual(await recall(app, token, globalId('Message', randomUUID())));
    const hideAgain = await app.gql(`mutation($m: ID!) { hideMessage(messageId: $m) { __typename ... on Error { code } } }`, { m: messageId }, token);
    expect(hideAgain.data.hideMessage).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await app.db.prisma.message.findUniqueOrThrow({ where: { id: dbId(messageId) } })).toMatchObject({ recalledAt: null, content: { text: SECRET } });
  });

  test('the friend still sees it (hiding is account-side only)', async () => {
    const { friend } = await hiddenLast();
    const theirs = await friendView(app, friend.token);
    expect(theirs.messages.edges.map((e: any) => e.node.content?.text)).toContain(SECRET);
  });
});

describe('R-DELETE-1 over chatEvents: non-ADMINs learn that a message was hidden, never its content', () => {
  const EVENTS = `subscription($a: ID!) { chatEvents(accountId: $a) { kind messageId
    message { id content { ... on TextContent { text } } }
    chat { id lastMessage { id content { ... on TextContent { text } } } } } }`;

  test('MESSAGE_HIDDEN reaches every role; only the ADMIN gets the message or the chat\'s lastMessage', async () => {
    const chat = await openChat(app);
    const operators = [];
    for (const role of NON_ADMINS) operators.push(await addMember(app, chat.admin.token, chat.accountId, role));
    const sent = await send(app, chat.admin.token, chat.chatId, { text: SECRET });
    const messageId = sent.data.sendChatMessage.data.id as string;
    await app.events.publisher.idle();
    const live = (token: string) => {
      const l = connect(server, token);
      lives.push(l);
      return subscribe(l, EVENTS, { a: chat.accountId });
    };
    const forAdmin = live(chat.admin.token);
    const forOthers = operators.map((m) => live(m.token));
    await subscribed(app, dbId(chat.accountId), 1 + operators.length);

    await app.gql(`mutation($m: ID!) { hideMessage(messageId: $m) { __typename } }`, { m: messageId }, chat.admin.token);
    expect((await forAdmin.next()).data.chatEvents).toEqual({
      kind: 'MESSAGE_HIDDEN',
      messageId,
      message: { id: messageId, content: { text: SECRET } },
      chat: { id: chat.chatId, lastMessage: { id: messageId, content: { text: SECRET } } },
    });
    for (const stream of forOthers) {
      const event = await stream.next();
      expect(event.errors).toBeUndefined();
      expect(event.data.chatEvents).toEqual({ kind: 'MESSAGE_HIDDEN', messageId, message: null, chat: { id: chat.chatId, lastMessage: null } });
    }

    // Later events about the hidden message (an ADMIN recalls it) carry no content either.
    await recall(app, chat.admin.token, messageId);
    expect((await forAdmin.next()).data.chatEvents).toMatchObject({ kind: 'MESSAGE_RECALLED', message: { id: messageId, content: null } });
    for (const stream of forOthers) {
      expect((await stream.next()).data.chatEvents).toEqual({ kind: 'MESSAGE_RECALLED', messageId, message: null, chat: { id: chat.chatId, lastMessage: null } });
    }
  });
});
