import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, dbId, globalId, signUp } from '../helpers/scenario.ts';
import { writeChatSend } from '../../src/modules/egress/chat-statement.ts';
import { chatIdOf, follow, friendSays, friendView, openChat, send } from '../helpers/chat-scenario.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const messageCount = (chatId: string) => app.db.prisma.message.count({ where: { chatId: dbId(chatId) } });

describe('R-CHAT-1: a chat opens when the friend first writes', () => {
  test('members cannot write before the friend has; afterwards they can', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const friend = await follow(app, accountId);
    const chatId = await chatIdOf(app, admin.token, friend.friendId);

    const early = await send(app, admin.token, chatId);
    expect(early.data.sendChatMessage).toMatchObject({ __typename: 'ConflictError', code: 'CHAT_NOT_OPEN', rule: 'R-CHAT-1' });
    expect(await messageCount(chatId)).toBe(0);
    const listed = await app.gql(`query($a: ID!) { account(id: $a) { chats { edges { node { id } } } } }`, { a: accountId }, admin.token);
    expect(listed.data.account.chats.edges).toEqual([]);

    await friendSays(app, friend.token);
    const reply = await send(app, admin.token, chatId, { text: 'Welcome!' });
    expect(reply.data.sendChatMessage).toMatchObject({
      __typename: 'MutationSendChatMessageSuccess',
      data: { direction: 'OUTGOING', kind: 'CHAT', state: 'SENT', content: { text: 'Welcome!' } },
    });
    const after = await app.gql(`query($a: ID!) { account(id: $a) { chats { edges { node { id unreadCount openedAt } } } } }`, { a: accountId }, admin.token);
    expect(after.data.account.chats.edges).toEqual([{ node: { id: chatId, unreadCount: 1, openedAt: app.clock.now().toISOString() } }]);
  });
});

describe('sendChatMessage', () => {
  test.each(['OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const)('R-MEMBER-2: %s cannot send (FORBIDDEN) and nothing is written', async (role) => {
    const { admin, accountId, chatId } = await openChat(app);
    const member = await addMember(app, admin.token, accountId, role);
    const res = await send(app, member.token, chatId);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await messageCount(chatId)).toBe(1);
  });

  test('an OPERATOR can send', async () => {
    const { admin, accountId, chatId } = await openChat(app);
    const operator = await addMember(app, admin.token, accountId, 'OPERATOR');
    expect((await send(app, operator.token, chatId)).data.sendChatMessage.__typename).toBe('MutationSendChatMessageSuccess');
  });

  test('R-SAFE-1: the same idempotency key returns the first message and sends nothing twice', async () => {
    const { admin, chatId } = await openChat(app);
    const first = await send(app, admin.token, chatId, { text: 'once' }, 'k-1');
    const again = await send(app, admin.token, chatId, { text: 'once' }, 'k-1');
    expect(again.data.sendChatMessage.data.id).toBe(first.data.sendChatMessage.data.id);
    expect(await messageCount(chatId)).toBe(2);
  });

  test('R-SAFE-1: racing duplicate sends produce one message', async () => {
    const { admin, chatId } = await openChat(app);
    const results = await Promise.all(Array.from({ length: 5 }, () => send(app, admin.token, chatId, { text: 'double click' }, 'race-key')));
    const ids = new Set(results.map((r) => r.data.sendChatMessage.data?.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeTruthy();
    expect(await messageCount(chatId)).toBe(2);
  });

  test('R-SAFE-1: a key reused for a different message is IDEMPOTENCY_KEY_REUSED', async () => {
    const { admin, chatId } = await openChat(app);
    await send(app, admin.token, chatId, { text: 'first' }, 'k-2');
    const reused = await send(app, admin.token, chatId, { text: 'second' }, 'k-2');
    expect(reused.data.sendChatMessage).toMatchObject({ __typename: 'ConflictError', code: 'IDEMPOTENCY_KEY_REUSED', rule: 'R-SAFE-1' });
    expect(await messageCount(chatId)).toBe(2);
  });

  test('R-SAFE-1: a retry of a send that went through returns its message after the friend blocked', async () => {
    const { admin, friend, chatId } = await openChat(app);
    const first = await send(app, admin.token, chatId, { text: 'see you' }, 'k-block');
    await app.gql(`mutation { friendBlock { status } }`, {}, friend.token);
    const retry = await send(app, admin.token, chatId, { text: 'see you' }, 'k-block');
    expect(retry.data.sendChatMessage.data.id).toBe(first.data.sendChatMessage.data.id);
    const reused = await send(app, admin.token, chatId, { text: 'another' }, 'k-block');
    expect(reused.data.sendChatMessage).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const fresh = await send(app, admin.token, chatId, { text: 'see you' }, 'k-new');
    expect(fresh.data.sendChatMessage).toMatchObject({ code: 'FRIEND_NOT_REACHABLE' });
    expect(await messageCount(chatId)).toBe(2);
  });

  test('a send is one write statement: message, last message, idempotency record and event together', async () => {
    const { admin, chatId } = await openChat(app);
    app.queries.length = 0;
    const res = await send(app, admin.token, chatId, { text: 'one trip' }, 'k-one');
    const id = dbId(res.data.sendChatMessage.data.id);
    // Authentication, the chat with its friend, and the write.
    expect(app.queries.filter((q) => !/^(BEGIN|COMMIT|ROLLBACK|-- Implicit "(BEGIN|COMMIT)")/i.test(q.trim()))).toHaveLength(3);
    const chat = await app.db.prisma.chat.findUniqueOrThrow({ where: { id: dbId(chatId) } });
    expect(chat.lastMessageId).toBe(id);
    const record = await app.db.prisma.idempotencyRecord.findFirstOrThrow({ where: { key: 'k-one' } });
    expect(record.resultId).toBe(id);
    const events = await app.db.prisma.outboxEvent.findMany({ where: { type: 'message.sent', payload: { path: ['messageId'], equals: id } } });
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toEqual({ chatId: dbId(chatId), messageId: id, senderUserId: expect.any(String) });
  });

  test('the one-statement send returns the message exactly as Prisma reads it back', async () => {
    const { admin, accountId, chatId } = await openChat(app);
    const sender = await app.db.prisma.user.findUniqueOrThrow({ where: { email: admin.email } });
    const now = app.clock.now();
    const content = { type: 'location' as const, title: 'Shop', address: '1-2-3 Shibuya', latitude: 35.66, longitude: 139.7 };
    const send = {
      accountId: dbId(accountId),
      chatId: dbId(chatId),
      senderUserId: sender.id,
      content,
      idempotency: { scope: 'test', key: 'shape', requestHash: 'h' },
      now,
      notifiedAt: now,
    };
    const written = await app.db.prisma.$transaction((tx) => writeChatSend(tx, send));
    expect(written).not.toBeNull();
    expect(written).toEqual(await app.db.prisma.message.findUniqueOrThrow({ where: { id: written!.id } }));
    // The same key again writes nothing: the caller looks the key up.
    expect(await app.db.prisma.$transaction((tx) => writeChatSend(tx, send))).toBeNull();
    expect(await messageCount(chatId)).toBe(2);
  });

  test('a blocked friend receives nothing and the member is told it cannot be delivered; unblocking restores it', async () => {
    const { admin, friend, chatId } = await openChat(app);
    await app.gql(`mutation { friendBlock { status } }`, {}, friend.token);
    const refused = await send(app, admin.token, chatId);
    expect(refused.data.sendChatMessage).toMatchObject({ __typename: 'FriendNotReachableError', code: 'FRIEND_NOT_REACHABLE', friendStatus: 'BLOCKED' });
    expect(await messageCount(chatId)).toBe(1);
    await app.gql(`mutation { friendUnblock { status } }`, {}, friend.token);
    expect((await send(app, admin.token, chatId)).data.sendChatMessage.__typename).toBe('MutationSendChatMessageSuccess');
  });

  test.each([
    ['empty text', { text: '   ' }, 'content.text', 1],
    ['over-long text', { text: 'x'.repeat(5001) }, 'content.text', 5000],
    ['a non-https image', { image: { url: 'http://cdn.example/a.png', sizeBytes: 10, mimeType: 'image/png' } }, 'content.url', null],
    ['an oversized image', { image: { url: 'https://cdn.example/a.png', sizeBytes: 10 * 1024 * 1024 + 1, mimeType: 'image/png' } }, 'content.sizeBytes', 10 * 1024 * 1024],
    ['a video with an image mime type', { video: { url: 'https://cdn.example/a.mp4', sizeBytes: 10, mimeType: 'image/png' } }, 'content.mimeType', null],
  ])('%s is a ValidationError naming the field, and nothing is written', async (_label, content, field, limit) => {
    const { admin, chatId } = await openChat(app);
    const res = await send(app, admin.token, chatId, content);
    expect(res.data.sendChatMessage).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_INPUT', field });
    if (limit !== null) expect(res.data.sendChatMessage.limit).toBe(limit);
    expect(await messageCount(chatId)).toBe(1);
  });

  test('an unknown content type, or two at once, is refused by the schema', async () => {
    const { admin, chatId } = await openChat(app);
    const unknown = await send(app, admin.token, chatId, { hologram: { url: 'x' } });
    expect(unknown.errors?.[0]?.message).toMatch(/hologram/);
    const two = await send(app, admin.token, chatId, { text: 'a', sticker: { packageId: '1', stickerId: '2' } });
    expect(two.errors?.[0]?.message).toMatch(/exactly one/i);
    expect(await messageCount(chatId)).toBe(1);
  });

  test('every content type round-trips', async () => {
    const { admin, chatId } = await openChat(app);
    const contents = [
      { sticker: { packageId: '446', stickerId: '1988' } },
      { image: { url: 'https://cdn.example/a.jpg', sizeBytes: 2048, mimeType: 'image/jpeg' } },
      { video: { url: 'https://cdn.example/a.mp4', sizeBytes: 4096, mimeType: 'video/mp4' } },
      { file: { url: 'https://cdn.example/menu.pdf', sizeBytes: 999, mimeType: 'application/pdf', fileName: 'menu.pdf' } },
      { location: { title: 'Shop', address: '1-2-3 Shibuya', latitude: 35.66, longitude: 139.7 } },
      { coupon: { couponId: 'C-10', title: '10% off' } },
      { card: { title: 'New menu', actions: [{ label: 'See', url: 'https://example.com/menu' }] } },
    ];
    for (const content of contents) {
      const res = await send(app, admin.token, chatId, content);
      expect(res.data.sendChatMessage.__typename).toBe('MutationSendChatMessageSuccess');
      expect(res.data.sendChatMessage.data.contentType).toBe(Object.keys(content)[0]);
    }
  });
});

describe('chats and unread counts', () => {
  test('friend messages count as unread until markChatRead; chats sort by last activity', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const a = await follow(app, accountId, 'A');
    const b = await follow(app, accountId, 'B');
    await friendSays(app, a.token);
    app.clock.advance(1000);
    await friendSays(app, b.token);
    await friendSays(app, b.token);
    const list = async () =>
      (await app.gql(`query($a: ID!) { account(id: $a) { chats { edges { node { id unreadCount friend { displayName } } } } } }`, { a: accountId }, admin.token))
        .data.account.chats.edges.map((e: any) => [e.node.friend.displayName, e.node.unreadCount]);
    expect(await list()).toEqual([['B', 2], ['A', 1]]);
    const chatB = await chatIdOf(app, admin.token, b.friendId);
    await app.gql(`mutation($c: ID!) { markChatRead(chatId: $c) { __typename } }`, { c: chatB }, admin.token);
    app.clock.advance(1000);
    await friendSays(app, a.token);
    expect(await list()).toEqual([['A', 2], ['B', 0]]);
  });

  test('messages page forwards and backwards', async () => {
    const { admin, chatId } = await openChat(app);
    for (let i = 1; i <= 5; i++) await send(app, admin.token, chatId, { text: `m${i}` });
    const page = (args: string) =>
      app.gql(`query($c: ID!) { node(id: $c) { ... on Chat { messages(${args}) { edges { cursor node { content { ... on TextContent { text } } } } pageInfo { hasNextPage hasPreviousPage } } } } }`, { c: chatId }, admin.token);
    const first = (await page('first: 3')).data.node.messages;
    expect(first.edges.map((e: any) => e.node.content.text)).toEqual(['Is the matcha latte back?', 'm1', 'm2']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const last = (await page('last: 2')).data.node.messages;
    expect(last.edges.map((e: any) => e.node.content.text)).toEqual(['m4', 'm5']);
    const before = (await page(`last: 2, before: "${last.edges[0].cursor}"`)).data.node.messages;
    expect(before.edges.map((e: any) => e.node.content.text)).toEqual(['m2', 'm3']);
  });
});

describe('friend and member tokens never cross', () => {
  test('a friend token cannot reach member operations, nor a member token friend ones', async () => {
    const { admin, accountId, friend, chatId } = await openChat(app);
    const asFriend = await send(app, friend.token, chatId);
    expect(asFriend.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const accountAsFriend = await app.gql(`query($a: ID!) { account(id: $a) { name } }`, { a: accountId }, friend.token);
    expect(accountAsFriend.data.account).toBeNull();
    const chatAsMember = await app.gql(`{ friendChat { accountName } }`, {}, admin.token);
    expect(chatAsMember.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const sayAsMember = await app.gql(`mutation { friendSendMessage(content: { text: "x" }) { __typename } }`, {}, admin.token);
    expect(sayAsMember.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await messageCount(chatId)).toBe(1);
  });

  test('friends see only their own chat', async () => {
    const { accountId, friend } = await openChat(app);
    const other = await follow(app, accountId, 'Other');
    await friendSays(app, other.token, { text: 'secret of other' });
    const view = await friendView(app, friend.token);
    expect(JSON.stringify(view)).not.toContain('secret of other');
  });

  test('a chat of another account behaves like a missing one', async () => {
    const { chatId } = await openChat(app);
    const stranger = await signUp(app);
    await createAccount(app, stranger.token);
    const foreign = await send(app, stranger.token, chatId, { text: 'x' }, 'k');
    const missing = await send(app, stranger.token, globalId('Chat', '00000000-0000-4000-8000-000000000000'), { text: 'x' }, 'k');
    expect(foreign).toEqual(missing);
    expect(foreign.data.sendChatMessage).toMatchObject({ __typename: 'NotFoundError', field: 'chatId' });
    expect(await messageCount(chatId)).toBe(1);
  });

  test('an unfollowed friend\'s token stops working', async () => {
    const { friend } = await openChat(app);
    await app.gql(`mutation { friendUnfollow { status } }`, {}, friend.token);
    const res = await app.gql(`{ friendChat { accountName } }`, {}, friend.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('chat list', () => {
  test('account.chats(first: 50) with friend, last message and tags takes as many SQL statements as first: 5', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    for (let i = 0; i < 12; i++) {
      const friend = await follow(app, accountId, `F${i}`);
      await friendSays(app, friend.token, { text: `hello ${i}` });
      app.clock.advance(1000);
    }
    const count = async (first: number) => {
      app.queries.length = 0;
      const res = await app.gql(
        `query($a: ID!, $n: Int!) { account(id: $a) { chats(first: $n) { edges { node { unreadCount friend { displayName } lastMessage { sentAt content { ... on TextContent { text } } } } } } } }`,
        { a: accountId, n: first },
        admin.token,
      );
      expect(res.errors).toBeUndefined();
      return { rows: res.data.account.chats.edges.length, sql: app.queries.filter((q) => !/^(BEGIN|COMMIT|ROLLBACK)/i.test(q.trim())).length, first: res.data.account.chats.edges[0].node };
    };
    const small = await count(5);
    const large = await count(50);
    expect(small.rows).toBe(5);
    expect(large.rows).toBe(12);
    expect(large.sql).toBe(small.sql);
    expect(large.first).toMatchObject({ friend: { displayName: 'F11' }, lastMessage: { content: { text: 'hello 11' } } });
  });
});
