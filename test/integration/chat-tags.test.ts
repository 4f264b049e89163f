import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, dbId, globalId, MEMBER_RESULT_FIELDS, signUp, type SignedIn } from '../helpers/scenario.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const CREATE = `mutation($a: ID!, $n: String!) { createChatTag(accountId: $a, name: $n) {
  ${MEMBER_RESULT_FIELDS}
  ... on MutationCreateChatTagSuccess { data { id name friendCount } }
} }`;
const RENAME = `mutation($t: ID!, $n: String!) { renameChatTag(tagId: $t, name: $n) {
  ${MEMBER_RESULT_FIELDS}
  ... on MutationRenameChatTagSuccess { data { id name } }
} }`;
const DELETE = `mutation($t: ID!) { deleteChatTag(tagId: $t) {
  ${MEMBER_RESULT_FIELDS}
  ... on MutationDeleteChatTagSuccess { data { deletedTagId name untaggedFriendCount } }
} }`;
const TAG = `mutation($f: ID!, $t: ID!) { tagFriend(friendId: $f, tagId: $t) {
  ${MEMBER_RESULT_FIELDS}
  ... on MutationTagFriendSuccess { data { id tags { id name } } }
} }`;
const UNTAG = `mutation($f: ID!, $t: ID!) { untagFriend(friendId: $f, tagId: $t) {
  ${MEMBER_RESULT_FIELDS}
  ... on MutationUntagFriendSuccess { data { id tags { id name } } }
} }`;
const TAGS = `query($id: ID!) { account(id: $id) { chatTagCount chatTags(first: 100) { edges { node { id name friendCount } } } } }`;

/** The one payload of a mutation; GraphQL errors (FORBIDDEN, UNAUTHENTICATED) fail the arrange step. */
async function mutate(query: string, variables: Record<string, unknown>, token: string) {
  const res = await app.gql(query, variables, token);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return Object.values(res.data)[0] as any;
}

async function newAccount(): Promise<{ admin: SignedIn; accountId: string }> {
  const admin = await signUp(app);
  return { admin, accountId: await createAccount(app, admin.token) };
}

/** `friendId` is the member-side Friend id (what members tag); `selfId` is what the friend itself was given. */
async function follow(accountId: string, displayName = 'Yui'): Promise<{ token: string; selfId: string; friendId: string }> {
  const res = await app.gql(
    `mutation($a: ID!, $n: String!) { friendFollow(accountId: $a, displayName: $n) { ... on MutationFriendFollowSuccess { data { token friendId } } } }`,
    { a: accountId, n: displayName },
  );
  const { token, friendId: selfId } = res.data.friendFollow.data;
  return { token, selfId, friendId: globalId('Friend', dbId(selfId)) };
}

async function createTag(token: string, accountId: string, name: string): Promise<string> {
  const res = await mutate(CREATE, { a: accountId, n: name }, token);
  if (res.__typename !== 'MutationCreateChatTagSuccess') throw new Error(JSON.stringify(res));
  return res.data.id;
}

async function tagCountOf(friendId: string): Promise<number> {
  return (await app.db.prisma.friend.findUniqueOrThrow({ where: { id: dbId(friendId) } })).tagCount;
}

async function friendTagRows(friendId: string): Promise<string[]> {
  const rows = await app.db.prisma.friendTag.findMany({ where: { friendId: dbId(friendId) }, orderBy: { tagId: 'asc' } });
  return rows.map((r) => globalId('ChatTag', r.tagId));
}

async function accountTagState(accountId: string): Promise<{ chatTagCount: number; rows: number }> {
  const account = await app.db.prisma.account.findUniqueOrThrow({ where: { id: dbId(accountId) } });
  return { chatTagCount: account.chatTagCount, rows: await app.db.prisma.chatTag.count({ where: { accountId: account.id } }) };
}

describe('R-TAG-1: chat tags', () => {
  test('R-TAG-1: a member creates, renames and deletes a chat tag, and each step is audited', async () => {
    const { admin, accountId } = await newAccount();
    const created = await mutate(CREATE, { a: accountId, n: '  Ramen  ' }, admin.token);
    expect(created).toMatchObject({ __typename: 'MutationCreateChatTagSuccess', data: { name: 'Ramen', friendCount: 0 } });
    const tagId = created.data.id;
    expect((await app.gql(TAGS, { id: accountId }, admin.token)).data.account).toEqual({
      chatTagCount: 1,
      chatTags: { edges: [{ node: { id: tagId, name: 'Ramen', friendCount: 0 } }] },
    });

    expect(await mutate(RENAME, { t: tagId, n: 'Udon' }, admin.token)).toEqual({
      __typename: 'MutationRenameChatTagSuccess',
      data: { id: tagId, name: 'Udon' },
    });
    expect((await app.db.prisma.chatTag.findUniqueOrThrow({ where: { id: dbId(tagId) } })).nameKey).toBe('udon');

    expect(await mutate(DELETE, { t: tagId }, admin.token)).toEqual({
      __typename: 'MutationDeleteChatTagSuccess',
      data: { deletedTagId: tagId, name: 'Udon', untaggedFriendCount: 0 },
    });
    expect((await app.gql(TAGS, { id: accountId }, admin.token)).data.account).toEqual({ chatTagCount: 0, chatTags: { edges: [] } });
    expect(await accountTagState(accountId)).toEqual({ chatTagCount: 0, rows: 0 });

    const audit = await app.db.prisma.auditEvent.findMany({
      where: { accountId: dbId(accountId), action: { startsWith: 'chat_tag.' } },
      orderBy: { seq: 'asc' },
    });
    expect(audit.map((e) => [e.action, e.subjectId, e.data])).toEqual([
      ['chat_tag.created', dbId(tagId), { name: 'Ramen' }],
      ['chat_tag.renamed', dbId(tagId), { from: 'Ramen', to: 'Udon' }],
      ['chat_tag.deleted', dbId(tagId), { name: 'Udon', untaggedFriends: 0 }],
    ]);
  });

  test('R-TAG-1: account.chatTags lists tags by name, ignoring case', async () => {
    const { admin, accountId } = await newAccount();
    for (const name of ['banana', 'Cherry', 'apple', 'Banana split']) await createTag(admin.token, accountId, name);
    const res = await app.gql(TAGS, { id: accountId }, admin.token);
    expect(res.data.account.chatTags.edges.map((e: any) => e.node.name)).toEqual(['apple', 'banana', 'Banana split', 'Cherry']);
  });

  test('R-TAG-1: names are unique per account ignoring case (TAG_NAME_TAKEN), on create and on rename', async () => {
    const { admin, accountId } = await newAccount();
    const vip = await createTag(admin.token, accountId, 'VIP');
    const gold = await createTag(admin.token, accountId, 'Gold');
    const auditBefore = await app.db.prisma.auditEvent.count({ where: { accountId: dbId(accountId) } });
    const taken = { __typename: 'ConflictError', code: 'TAG_NAME_TAKEN', rule: 'R-TAG-1' };

    expect(await mutate(CREATE, { a: accountId, n: ' vip ' }, admin.token)).toMatchObject(taken);
    expect(await mutate(RENAME, { t: gold, n: 'Vip' }, admin.token)).toMatchObject(taken);
    expect(await accountTagState(accountId)).toEqual({ chatTagCount: 2, rows: 2 });
    expect((await app.db.prisma.chatTag.findUniqueOrThrow({ where: { id: dbId(gold) } })).name).toBe('Gold');
    expect(await app.db.prisma.auditEvent.count({ where: { accountId: dbId(accountId) } })).toBe(auditBefore);

    // A tag may change the case of its own name, and another account may use the same name.
    expect(await mutate(RENAME, { t: vip, n: 'Vip' }, admin.token)).toMatchObject({ data: { id: vip, name: 'Vip' } });
    const other = await newAccount();
    expect(await mutate(CREATE, { a: other.accountId, n: 'VIP' }, other.admin.token)).toMatchObject({ __typename: 'MutationCreateChatTagSuccess' });
  });

  test('R-TAG-1: an empty or over-long name is a ValidationError naming the field and the limit; nothing is written', async () => {
    const { admin, accountId } = await newAccount();
    const tagId = await createTag(admin.token, accountId, 'x'.repeat(20));
    const auditBefore = await app.db.prisma.auditEvent.count({ where: { accountId: dbId(accountId) } });

    expect(await mutate(CREATE, { a: accountId, n: '   ' }, admin.token))
      .toMatchObject({ __typename: 'ValidationError', code: 'INVALID_INPUT', field: 'name', limit: 1 });
    expect(await mutate(CREATE, { a: accountId, n: 'y'.repeat(21) }, admin.token))
      .toMatchObject({ __typename: 'ValidationError', code: 'INVALID_INPUT', field: 'name', limit: 20 });
    expect(await mutate(RENAME, { t: tagId, n: 'z'.repeat(21) }, admin.token))
      .toMatchObject({ __typename: 'ValidationError', field: 'name', limit: 20 });
    expect(await mutate(RENAME, { t: tagId, n: '' }, admin.token)).toMatchObject({ __typename: 'ValidationError', field: 'name', limit: 1 });

    expect(await accountTagState(accountId)).toEqual({ chatTagCount: 1, rows: 1 });
    expect((await app.db.prisma.chatTag.findUniqueOrThrow({ where: { id: dbId(tagId) } })).name).toBe('x'.repeat(20));
    expect(await app.db.prisma.auditEvent.count({ where: { accountId: dbId(accountId) } })).toBe(auditBefore);
  });

  test('R-TAG-1: two concurrent creates of one name (ignoring case) make one tag', async () => {
    const { admin, accountId } = await newAccount();
    const results = await Promise.all(['Sale', 'SALE', 'sale'].map((n) => mutate(CREATE, { a: accountId, n }, admin.token)));
    expect(results.filter((r) => r.__typename === 'MutationCreateChatTagSuccess')).toHaveLength(1);
    for (const r of results.filter((r) => r.__typename !== 'MutationCreateChatTagSuccess')) expect(r).toMatchObject({ code: 'TAG_NAME_TAKEN' });
    expect(await accountTagState(accountId)).toEqual({ chatTagCount: 1, rows: 1 });
  });

  test('R-TAG-1: the 201st tag in an account is refused with TAG_LIMIT_REACHED (limit 200) and nothing is written', async () => {
    const { admin, accountId } = await newAccount();
    const id = dbId(accountId);
    await app.db.prisma.$transaction(async (tx) => {
      await tx.chatTag.createMany({
        data: Array.from({ length: 199 }, (_, i) => ({ accountId: id, name: `Seed ${i}`, nameKey: `seed ${i}`, createdAt: app.clock.now() })),
      });
      await tx.account.update({ where: { id }, data: { chatTagCount: 199 } });
    });

    expect(await mutate(CREATE, { a: accountId, n: 'Number 200' }, admin.token)).toMatchObject({ __typename: 'MutationCreateChatTagSuccess' });
    expect(await mutate(CREATE, { a: accountId, n: 'Number 201' }, admin.token))
      .toMatchObject({ __typename: 'LimitReachedError', code: 'TAG_LIMIT_REACHED', rule: 'R-TAG-1', max: 200 });

    expect(await accountTagState(accountId)).toEqual({ chatTagCount: 200, rows: 200 });
    expect(await app.db.prisma.chatTag.count({ where: { accountId: id, nameKey: 'number 201' } })).toBe(0);
    expect(await app.db.prisma.auditEvent.count({ where: { accountId: id, action: 'chat_tag.created' } })).toBe(1);
  });
});

describe('R-TAG-1: tagging friends', () => {
  test('R-TAG-1: tagging puts the tag on the friend and counts it; untagging takes it off', async () => {
    const { admin, accountId } = await newAccount();
    const { friendId } = await follow(accountId);
    const tagId = await createTag(admin.token, accountId, 'Ramen');

    expect(await mutate(TAG, { f: friendId, t: tagId }, admin.token)).toEqual({
      __typename: 'MutationTagFriendSuccess',
      data: { id: friendId, tags: [{ id: tagId, name: 'Ramen' }] },
    });
    expect(await tagCountOf(friendId)).toBe(1);
    expect((await app.gql(TAGS, { id: accountId }, admin.token)).data.account.chatTags.edges[0].node.friendCount).toBe(1);

    expect(await mutate(UNTAG, { f: friendId, t: tagId }, admin.token)).toEqual({
      __typename: 'MutationUntagFriendSuccess',
      data: { id: friendId, tags: [] },
    });
    // Untagging a tag the friend no longer carries changes nothing (the count does not go below the rows).
    expect(await mutate(UNTAG, { f: friendId, t: tagId }, admin.token)).toMatchObject({ __typename: 'MutationUntagFriendSuccess' });
    expect(await tagCountOf(friendId)).toBe(0);
    expect(await friendTagRows(friendId)).toEqual([]);
  });

  test('R-TAG-1: tagging the same friend with the same tag twice, also at once, counts once', async () => {
    const { admin, accountId } = await newAccount();
    const { friendId } = await follow(accountId);
    const tagId = await createTag(admin.token, accountId, 'Twice');
    await mutate(TAG, { f: friendId, t: tagId }, admin.token);
    const again = await Promise.all([1, 2, 3].map(() => mutate(TAG, { f: friendId, t: tagId }, admin.token)));
    for (const r of again) expect(r).toEqual({ __typename: 'MutationTagFriendSuccess', data: { id: friendId, tags: [{ id: tagId, name: 'Twice' }] } });
    expect(await tagCountOf(friendId)).toBe(1);
    expect(await friendTagRows(friendId)).toEqual([tagId]);
  });

  test('R-TAG-1: an 11th tag on a friend is refused with TAG_LIMIT_REACHED (limit 10) and nothing is written', async () => {
    const { admin, accountId } = await newAccount();
    const { friendId } = await follow(accountId);
    const tagIds: string[] = [];
    for (let i = 0; i < 11; i++) tagIds.push(await createTag(admin.token, accountId, `Tag ${i}`));
    for (const t of tagIds.slice(0, 10)) expect((await mutate(TAG, { f: friendId, t }, admin.token)).__typename).toBe('MutationTagFriendSuccess');

    expect(await mutate(TAG, { f: friendId, t: tagIds[10] }, admin.token))
      .toMatchObject({ __typename: 'LimitReachedError', code: 'TAG_LIMIT_REACHED', rule: 'R-TAG-1', max: 10 });
    expect(await tagCountOf(friendId)).toBe(10);
    expect((await friendTagRows(friendId)).sort()).toEqual(tagIds.slice(0, 10).sort());
    // At the limit, re-tagging a tag the friend already carries is still a no-op success.
    expect((await mutate(TAG, { f: friendId, t: tagIds[0] }, admin.token)).__typename).toBe('MutationTagFriendSuccess');
    expect(await tagCountOf(friendId)).toBe(10);
  });

  test('R-TAG-1: concurrent tagFriend calls never put more than 10 tags on a friend', async () => {
    const { admin, accountId } = await newAccount();
    const { friendId } = await follow(accountId);
    const tagIds: string[] = [];
    for (let i = 0; i < 15; i++) tagIds.push(await createTag(admin.token, accountId, `Race ${i}`));
    for (const t of tagIds.slice(0, 6)) await mutate(TAG, { f: friendId, t }, admin.token);

    const results = await Promise.all(tagIds.slice(6).map((t) => mutate(TAG, { f: friendId, t }, admin.token)));
    expect(results.filter((r) => r.__typename === 'MutationTagFriendSuccess')).toHaveLength(4);
    const refused = results.filter((r) => r.__typename === 'LimitReachedError');
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r).toMatchObject({ code: 'TAG_LIMIT_REACHED', max: 10 });
    expect(await tagCountOf(friendId)).toBe(10);
    expect(await friendTagRows(friendId)).toHaveLength(10);
  });

  test('R-TAG-1: deleting a tag takes it off every friend and fixes every counter', async () => {
    const { admin, accountId } = await newAccount();
    const friends = [await follow(accountId, 'A'), await follow(accountId, 'B'), await follow(accountId, 'C'), await follow(accountId, 'D')];
    const doomed = await createTag(admin.token, accountId, 'Doomed');
    const kept = await createTag(admin.token, accountId, 'Kept');
    for (const f of friends.slice(0, 3)) await mutate(TAG, { f: f.friendId, t: doomed }, admin.token);
    await mutate(TAG, { f: friends[0]!.friendId, t: kept }, admin.token);
    await mutate(TAG, { f: friends[3]!.friendId, t: kept }, admin.token);

    expect(await mutate(DELETE, { t: doomed }, admin.token)).toMatchObject({ data: { deletedTagId: doomed, untaggedFriendCount: 3 } });

    expect(await Promise.all(friends.map((f) => tagCountOf(f.friendId)))).toEqual([1, 0, 0, 1]);
    expect(await Promise.all(friends.map((f) => friendTagRows(f.friendId)))).toEqual([[kept], [], [], [kept]]);
    expect(await app.db.prisma.friendTag.count({ where: { tagId: dbId(doomed) } })).toBe(0);
    expect(await accountTagState(accountId)).toEqual({ chatTagCount: 1, rows: 1 });
    const res = await app.gql(`query($id: ID!) { friend(id: $id) { tags { name } } }`, { id: friends[0]!.friendId }, admin.token);
    expect(res.data.friend.tags).toEqual([{ name: 'Kept' }]);
    // The deleted tag is gone for every operation.
    expect(await mutate(TAG, { f: friends[1]!.friendId, t: doomed }, admin.token)).toMatchObject({ __typename: 'NotFoundError', field: 'tagId' });
  });
  // On PostgreSQL (CI's second run) these really interleave on a connection pool; on PGlite they queue.
  test('R-TAG-1: deleting tags while they are being put on and taken off friends keeps every counter equal to the rows', async () => {
    const { admin, accountId } = await newAccount();
    const friends: string[] = [];
    for (let i = 0; i < 6; i++) friends.push((await follow(accountId, `F${i}`)).friendId);
    for (let round = 0; round < 3; round++) {
      const tags: string[] = [];
      for (let i = 0; i < 3; i++) tags.push(await createTag(admin.token, accountId, `Round ${round}.${i}`));
      for (const f of friends.slice(0, 3)) for (const t of tags) await mutate(TAG, { f, t }, admin.token);

      const calls: Promise<any>[] = tags.map((t) => mutate(DELETE, { t }, admin.token));
      for (const f of friends) for (const t of tags) calls.push(mutate(TAG, { f, t }, admin.token), mutate(UNTAG, { f, t }, admin.token));
      // Each call either did its work or found the tag already deleted; none failed unexpectedly.
      for (const r of await Promise.all(calls)) expect(r.__typename).toMatch(/^(Mutation\w+Success|NotFoundError)$/);

      const rows = await app.db.prisma.friend.findMany({ where: { accountId: dbId(accountId) }, select: { tagCount: true, _count: { select: { tags: true } } } });
      expect(rows.map((f) => f.tagCount)).toEqual(rows.map(() => 0));
      expect(rows.map((f) => f._count.tags)).toEqual(rows.map(() => 0));
      expect(await accountTagState(accountId)).toEqual({ chatTagCount: 0, rows: 0 });
    }
  });
});

describe('R-MEMBER-2: who may change tags', () => {
  test.each(['OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const)(
    '%s may create, tag and untag, but not rename or delete (FORBIDDEN), and nothing changes',
    async (role) => {
      const { admin, accountId } = await newAccount();
      const member = await addMember(app, admin.token, accountId, role);
      const { friendId } = await follow(accountId);
      const tagId = await createTag(member.token, accountId, 'Mine');
      expect(await mutate(TAG, { f: friendId, t: tagId }, member.token)).toMatchObject({ data: { tags: [{ id: tagId }] } });
      expect(await mutate(UNTAG, { f: friendId, t: tagId }, member.token)).toMatchObject({ data: { tags: [] } });
      await mutate(TAG, { f: friendId, t: tagId }, member.token);
      const auditBefore = await app.db.prisma.auditEvent.count({ where: { accountId: dbId(accountId) } });

      const rename = await app.gql(RENAME, { t: tagId, n: 'Theirs' }, member.token);
      expect(rename.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const del = await app.gql(DELETE, { t: tagId }, member.token);
      expect(del.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      expect((await app.db.prisma.chatTag.findUniqueOrThrow({ where: { id: dbId(tagId) } })).name).toBe('Mine');
      expect(await friendTagRows(friendId)).toEqual([tagId]);
      expect(await tagCountOf(friendId)).toBe(1);
      expect(await accountTagState(accountId)).toEqual({ chatTagCount: 1, rows: 1 });
      expect(await app.db.prisma.auditEvent.count({ where: { accountId: dbId(accountId) } })).toBe(auditBefore);
    },
  );

  test('an OPERATOR may rename and delete tags', async () => {
    const { admin, accountId } = await newAccount();
    const operator = await addMember(app, admin.token, accountId, 'OPERATOR');
    const tagId = await createTag(admin.token, accountId, 'Old');
    expect(await mutate(RENAME, { t: tagId, n: 'New' }, operator.token)).toMatchObject({ data: { name: 'New' } });
    expect(await mutate(DELETE, { t: tagId }, operator.token)).toMatchObject({ __typename: 'MutationDeleteChatTagSuccess' });
    expect(await accountTagState(accountId)).toEqual({ chatTagCount: 0, rows: 0 });
  });
});

describe('tenancy: a tag or friend of another account is a missing one', () => {
  let outsider: SignedIn;
  let own: { accountId: string; friendId: string; tagId: string };
  let foreign: { accountId: string; friendId: string; tagId: string };
  let missing: typeof foreign;

  beforeAll(async () => {
    const them = await newAccount();
    const theirFriend = await follow(them.accountId, 'Someone Else');
    const theirTag = await createTag(them.admin.token, them.accountId, 'Secret');
    await mutate(TAG, { f: theirFriend.friendId, t: theirTag }, them.admin.token);
    foreign = { accountId: them.accountId, friendId: theirFriend.friendId, tagId: theirTag };
    missing = { accountId: globalId('Account', randomUUID()), friendId: globalId('Friend', randomUUID()), tagId: globalId('ChatTag', randomUUID()) };
    const mine = await newAccount();
    outsider = mine.admin;
    own = { accountId: mine.accountId, friendId: (await follow(mine.accountId)).friendId, tagId: await createTag(outsider.token, mine.accountId, 'Mine') };
  });

  const CASES: [string, string, (ids: typeof foreign) => Record<string, unknown>][] = [
    ['createChatTag(foreign account)', CREATE, (ids) => ({ a: ids.accountId, n: 'Sneaky' })],
    ['renameChatTag(foreign tag)', RENAME, (ids) => ({ t: ids.tagId, n: 'Sneaky' })],
    ['deleteChatTag(foreign tag)', DELETE, (ids) => ({ t: ids.tagId })],
    ['tagFriend(foreign friend, own tag)', TAG, (ids) => ({ f: ids.friendId, t: own.tagId })],
    ['tagFriend(own friend, foreign tag)', TAG, (ids) => ({ f: own.friendId, t: ids.tagId })],
    ['untagFriend(foreign friend, foreign tag)', UNTAG, (ids) => ({ f: ids.friendId, t: ids.tagId })],
    ['untagFriend(own friend, foreign tag)', UNTAG, (ids) => ({ f: own.friendId, t: ids.tagId })],
    ['node(foreign tag)', `query($t: ID!) { node(id: $t) { id ... on ChatTag { name } } }`, (ids) => ({ t: ids.tagId })],
  ];

  test.each(CASES)('%s', async (_name, query, vars) => {
    const before = {
      tags: await app.db.prisma.chatTag.findMany({ orderBy: { id: 'asc' } }),
      friendTags: await app.db.prisma.friendTag.findMany({ orderBy: [{ friendId: 'asc' }, { tagId: 'asc' }] }),
      friends: await app.db.prisma.friend.findMany({ select: { id: true, tagCount: true }, orderBy: { id: 'asc' } }),
      audit: await app.db.prisma.auditEvent.count(),
    };
    const onForeign = await app.gql(query, vars(foreign), outsider.token);
    const onMissing = await app.gql(query, vars(missing), outsider.token);
    expect(onForeign).toEqual(onMissing);
    expect(JSON.stringify(onForeign)).not.toMatch(/Secret|Someone Else/);
    if (!('node' in (onForeign.data ?? {}))) expect(Object.values(onForeign.data)[0]).toMatchObject({ __typename: 'NotFoundError' });
    expect({
      tags: await app.db.prisma.chatTag.findMany({ orderBy: { id: 'asc' } }),
      friendTags: await app.db.prisma.friendTag.findMany({ orderBy: [{ friendId: 'asc' }, { tagId: 'asc' }] }),
      friends: await app.db.prisma.friend.findMany({ select: { id: true, tagCount: true }, orderBy: { id: 'asc' } }),
      audit: await app.db.prisma.auditEvent.count(),
    }).toEqual(before);
  });

  test('R-TAG-1: a member of two accounts cannot put one account\'s tag on the other\'s friend', async () => {
    const b = await createAccount(app, outsider.token, 'Second');
    const tagOfB = await createTag(outsider.token, b, 'Of B');
    expect(await mutate(TAG, { f: own.friendId, t: tagOfB }, outsider.token)).toMatchObject({ __typename: 'NotFoundError', field: 'tagId' });
    expect(await friendTagRows(own.friendId)).toEqual([]);
    expect(await tagCountOf(own.friendId)).toBe(0);
  });
});

describe('R-TAG-3: tagged friends do not reach each other', () => {
  const FRIEND_CHAT = `{ friendChat { accountName messages { edges { node { fromAccount content { ... on TextContent { text } } } } } } }`;

  test('R-TAG-3: friends sharing a tag see nothing of each other, nor the tag', async () => {
    const { admin, accountId } = await newAccount();
    const yui = await follow(accountId, 'Yui');
    const ken = await follow(accountId, 'Ken');
    const tagId = await createTag(admin.token, accountId, 'Ramen fans');
    for (const f of [yui, ken]) await mutate(TAG, { f: f.friendId, t: tagId }, admin.token);
    await app.gql(`mutation { friendSendMessage(content: { text: "hi from Yui" }) { __typename } }`, {}, yui.token);
    await app.gql(`mutation { friendSendMessage(content: { text: "secret from Ken" }) { __typename } }`, {}, ken.token);

    const chat = await app.gql(FRIEND_CHAT, {}, yui.token);
    expect(chat.data.friendChat.messages.edges).toEqual([{ node: { fromAccount: false, content: { text: 'hi from Yui' } } }]);
    expect(JSON.stringify(chat)).not.toMatch(/Ken|secret/);

    const nodeOfKen = await app.gql(`query($id: ID!) { node(id: $id) { id ... on Friend { displayName } } }`, { id: ken.friendId }, yui.token);
    expect(nodeOfKen.data).toEqual({ node: null });
    const nodeOfTag = await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: tagId }, yui.token);
    expect(nodeOfTag.data).toEqual({ node: null });
    // Even on herself, a friend does not see which tags the account put on her: the member-side
    // Friend is not hers to read at all, and her own FriendSelf has no tags.
    const self = await app.gql(`query($id: ID!) { node(id: $id) { ... on Friend { displayName tags { name } } } }`, { id: yui.friendId }, yui.token);
    expect(self.data).toEqual({ node: null });
    const ownView = await app.gql(`query($id: ID!) { node(id: $id) { ... on FriendSelf { displayName } } }`, { id: yui.selfId }, yui.token);
    expect(ownView.data).toEqual({ node: { displayName: 'Yui' } });
    expect(JSON.stringify(ownView)).not.toContain('Ramen fans');
    const account = await app.gql(`query($id: ID!) { account(id: $id) { friends(filter: { tagId: "${tagId}" }) { edges { node { id } } } } }`, { id: accountId }, yui.token);
    expect(account.data).toEqual({ account: null });
  });

  test('R-TAG-3: a friend token cannot create, change or apply tags (UNAUTHENTICATED), and nothing is written', async () => {
    const { admin, accountId } = await newAccount();
    const yui = await follow(accountId, 'Yui');
    const ken = await follow(accountId, 'Ken');
    const tagId = await createTag(admin.token, accountId, 'Ramen fans');
    const calls: [string, Record<string, unknown>][] = [
      [CREATE, { a: accountId, n: 'By friend' }],
      [RENAME, { t: tagId, n: 'By friend' }],
      [DELETE, { t: tagId }],
      [TAG, { f: ken.friendId, t: tagId }],
      [TAG, { f: yui.friendId, t: tagId }],
      [UNTAG, { f: yui.friendId, t: tagId }],
    ];
    for (const [query, vars] of calls) {
      const res = await app.gql(query, vars, yui.token);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await app.db.prisma.chatTag.findMany({ where: { accountId: dbId(accountId) }, select: { name: true } })).toEqual([{ name: 'Ramen fans' }]);
    expect(await app.db.prisma.friendTag.count({ where: { accountId: dbId(accountId) } })).toBe(0);
    expect(await Promise.all([yui, ken].map((f) => tagCountOf(f.friendId)))).toEqual([0, 0]);
  });
});

describe('R-TAG-1: lists filtered by tag', () => {
  test('R-TAG-1: account.friends(filter: { tagId }) lists only the friends carrying the tag', async () => {
    const { admin, accountId } = await newAccount();
    const yui = await follow(accountId, 'Yui');
    const ken = await follow(accountId, 'Ken');
    await follow(accountId, 'Aki');
    const tagId = await createTag(admin.token, accountId, 'Ramen');
    const other = await createTag(admin.token, accountId, 'Udon');
    for (const f of [yui, ken]) await mutate(TAG, { f: f.friendId, t: tagId }, admin.token);
    await mutate(TAG, { f: yui.friendId, t: other }, admin.token);

    const friendsWith = async (t: string) => {
      const res = await app.gql(`query($id: ID!, $t: ID!) { account(id: $id) { friends(filter: { tagId: $t }) { edges { node { displayName tags { name } } } } } }`,
        { id: accountId, t }, admin.token);
      // Followed in the same (fake) millisecond, so order by name here.
      return res.data.account.friends.edges.map((e: any) => e.node).sort((a: any, b: any) => a.displayName.localeCompare(b.displayName));
    };
    expect(await friendsWith(tagId)).toEqual([
      { displayName: 'Ken', tags: [{ name: 'Ramen' }] },
      { displayName: 'Yui', tags: [{ name: 'Ramen' }, { name: 'Udon' }] },
    ]);
    expect(await friendsWith(other)).toEqual([{ displayName: 'Yui', tags: [{ name: 'Ramen' }, { name: 'Udon' }] }]);
    await mutate(UNTAG, { f: ken.friendId, t: tagId }, admin.token);
    expect((await friendsWith(tagId)).map((f: any) => f.displayName)).toEqual(['Yui']);
  });

  test('R-TAG-1: account.chats(tagId:) lists only the chats whose friend carries the tag', async () => {
    const { admin, accountId } = await newAccount();
    const yui = await follow(accountId, 'Yui');
    const ken = await follow(accountId, 'Ken');
    const aki = await follow(accountId, 'Aki');
    const tagId = await createTag(admin.token, accountId, 'Ramen');
    for (const f of [yui, aki]) await mutate(TAG, { f: f.friendId, t: tagId }, admin.token);
    // Aki is tagged but has not written: no open chat (R-CHAT-1).
    for (const f of [yui, ken]) {
      const sent = await app.gql(`mutation { friendSendMessage(content: { text: "hi" }) { __typename } }`, {}, f.token);
      expect(sent.data.friendSendMessage.__typename).toBe('MutationFriendSendMessageSuccess');
    }

    const chats = async (t?: string) => {
      const res = await app.gql(`query($id: ID!, $t: ID) { account(id: $id) { chats(tagId: $t) { edges { node { friend { displayName } } } } } }`,
        { id: accountId, t }, admin.token);
      return res.data.account.chats.edges.map((e: any) => e.node.friend.displayName).sort();
    };
    expect(await chats()).toEqual(['Ken', 'Yui']);
    expect(await chats(tagId)).toEqual(['Yui']);
  });

  test('Friend.tags takes the same number of SQL statements for 2 friends as for 12', async () => {
    const { admin, accountId } = await newAccount();
    const tags = [await createTag(admin.token, accountId, 'One'), await createTag(admin.token, accountId, 'Two')];
    for (let i = 0; i < 12; i++) {
      const { friendId } = await follow(accountId, `Friend ${i}`);
      for (const t of tags) await mutate(TAG, { f: friendId, t }, admin.token);
    }
    const statementsFor = async (first: number) => {
      app.queries.length = 0;
      const res = await app.gql(`query($id: ID!, $first: Int!) { account(id: $id) { friends(first: $first) { edges { node { displayName tags { name friendCount } } } } } }`,
        { id: accountId, first }, admin.token);
      const edges = res.data.account.friends.edges;
      expect(edges.every((e: any) => e.node.tags.length === 2 && e.node.tags[0].friendCount === 12)).toBe(true);
      return { rows: edges.length, count: app.queries.filter((sql) => !/^(BEGIN|COMMIT|ROLLBACK)/i.test(sql.trim())).length };
    };
    const small = await statementsFor(2);
    const large = await statementsFor(12);
    expect([small.rows, large.rows]).toEqual([2, 12]);
    expect(large.count).toBe(small.count);
    // Authentication, the account, then the friends page with their tags and counts.
    expect(large.count).toBe(3);
  });
});
