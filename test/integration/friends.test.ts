import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createAccount, dbId, globalId, signUp } from '../helpers/scenario.ts';
import { follow, friendSays, openChat, recall, send } from '../helpers/chat-scenario.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const FRIENDS = `query($a: ID!, $f: FriendFilter, $n: Int) { account(id: $a) { friends(first: $n, filter: $f) {
  edges { node { displayName status } } pageInfo { hasNextPage endCursor } } } }`;

describe('friendFollow and account.friends', () => {
  test('following needs no member token, returns a friend token, and lists the friend for members', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const yui = await follow(app, accountId, 'Yui');
    expect(yui.token).toMatch(/^dgnf_/);
    const res = await app.gql(FRIENDS, { a: accountId }, admin.token);
    expect(res.data.account.friends.edges).toEqual([{ node: { displayName: 'Yui', status: 'FOLLOWING' } }]);
    const one = await app.gql(`query($id: ID!) { friend(id: $id) { displayName chat { openedAt } } }`, { id: yui.friendId }, admin.token);
    expect(one.data.friend).toEqual({ displayName: 'Yui', chat: { openedAt: null } });
  });

  test('following an unknown account is NOT_FOUND; a bad name is a ValidationError; nothing is created', async () => {
    const before = await app.db.prisma.friend.count();
    const unknown = await app.gql(`mutation($a: ID!) { friendFollow(accountId: $a, displayName: "X") { __typename ... on Error { code } } }`,
      { a: globalId('Account', '00000000-0000-4000-8000-000000000000') });
    expect(unknown.data.friendFollow).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const long = await app.gql(`mutation($a: ID!, $n: String!) { friendFollow(accountId: $a, displayName: $n) { __typename ... on ValidationError { field limit } } }`,
      { a: accountId, n: 'x'.repeat(101) });
    expect(long.data.friendFollow).toEqual({ __typename: 'ValidationError', field: 'displayName', limit: 100 });
    expect(await app.db.prisma.friend.count()).toBe(before);
  });

  test('filters by status and by name, and pages', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const names = ['Aoi', 'Ren', 'Sora', 'Haru'];
    const tokens: Record<string, string> = {};
    for (const name of names) {
      tokens[name] = (await follow(app, accountId, name)).token;
      app.clock.advance(1000);
    }
    await app.gql(`mutation { friendBlock { status } }`, {}, tokens.Ren);
    const blocked = await app.gql(FRIENDS, { a: accountId, f: { status: 'BLOCKED' } }, admin.token);
    expect(blocked.data.account.friends.edges.map((e: any) => e.node.displayName)).toEqual(['Ren']);
    const byName = await app.gql(FRIENDS, { a: accountId, f: { nameContains: 'OR' } }, admin.token);
    expect(byName.data.account.friends.edges.map((e: any) => e.node.displayName)).toEqual(['Sora']);
    const page = await app.gql(FRIENDS, { a: accountId, n: 3 }, admin.token);
    expect(page.data.account.friends.edges.map((e: any) => e.node.displayName)).toEqual(['Haru', 'Sora', 'Ren']);
    expect(page.data.account.friends.pageInfo.hasNextPage).toBe(true);
  });

  test('friends of another account are invisible; their ids behave like missing ones', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const theirs = await follow(app, accountId);
    const stranger = await signUp(app);
    await createAccount(app, stranger.token);
    const foreign = await app.gql(`query($id: ID!) { friend(id: $id) { displayName } }`, { id: theirs.friendId }, stranger.token);
    const missing = await app.gql(`query($id: ID!) { friend(id: $id) { displayName } }`, { id: globalId('Friend', '00000000-0000-4000-8000-000000000000') }, stranger.token);
    expect(foreign).toEqual(missing);
    expect(foreign.data.friend).toBeNull();
  });
});

describe('messages of another account behave like missing ones', () => {
  test.each([
    ['recallMessage', (token: string, id: string) => recall(app, token, id)],
    ['hideMessage', (token: string, id: string) => app.gql(`mutation($m: ID!) { hideMessage(messageId: $m) { __typename ... on Error { code } } }`, { m: id }, token)],
  ])('%s', async (_name, call) => {
    const { admin, chatId } = await openChat(app);
    const sent = await send(app, admin.token, chatId);
    const messageId = sent.data.sendChatMessage.data.id;
    const stranger = await signUp(app);
    await createAccount(app, stranger.token);
    const foreign = await call(stranger.token, messageId);
    const missing = await call(stranger.token, globalId('Message', '00000000-0000-4000-8000-000000000000'));
    expect(foreign).toEqual(missing);
    const row = await app.db.prisma.message.findUniqueOrThrow({ where: { id: dbId(messageId) } });
    expect(row).toMatchObject({ recalledAt: null, hiddenForAccountAt: null });
  });

  test('a friend cannot report a message from another friend\'s chat', async () => {
    const { admin, accountId, chatId } = await openChat(app);
    const sent = await send(app, admin.token, chatId);
    const other = await follow(app, accountId, 'Nosy');
    await friendSays(app, other.token);
    // The other chat's message under the friend-side type name, as a nosy friend would forge it.
    const forged = globalId('FriendMessage', dbId(sent.data.sendChatMessage.data.id));
    const res = await app.gql(`mutation($m: ID!) { friendReportMessage(messageId: $m, reason: "x") { __typename } }`, { m: forged }, other.token);
    expect(res.data.friendReportMessage.__typename).toBe('NotFoundError');
    expect(await app.db.prisma.report.count()).toBe(0);
  });
});
