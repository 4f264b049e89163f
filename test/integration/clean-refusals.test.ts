// Issue 14 row 6: bad input is a typed refusal naming the argument, never INTERNAL_SERVER_ERROR.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { PASSWORD, createAccount, signUp, uniqueEmail, type SignedIn } from '../helpers/scenario.ts';
import { follow, friendSays, openChat } from '../helpers/chat-scenario.ts';

let app: TestApp;
let admin: SignedIn;
let accountId: string;
let friendToken: string;
beforeAll(async () => {
  app = await createTestApp();
  ({ admin, accountId, friend: { token: friendToken } } = await openChat(app));
});
afterAll(() => app.close());

const NUL = 'Ai\u0000ko';
const LONE_SURROGATE = 'Ai\ud800ko';
const REFUSAL = `__typename ... on Error { code message } ... on ValidationError { field }`;

/** Each mutation of issue 14 row 6, called with `bad` in one of its text arguments. */
const MUTATIONS: [name: string, field: string, call: (bad: string) => Promise<any>][] = [
  ['signUp', 'displayName', (bad) => app.gql(`mutation($e: String!, $p: String!, $n: String!) { signUp(email: $e, password: $p, displayName: $n) { ${REFUSAL} } }`, { e: uniqueEmail(), p: PASSWORD, n: bad })],
  ['createAccount', 'name', (bad) => app.gql(`mutation($n: String!) { createAccount(name: $n) { ${REFUSAL} } }`, { n: bad }, admin.token)],
  ['friendFollow', 'displayName', (bad) => app.gql(`mutation($a: ID!, $n: String!) { friendFollow(accountId: $a, displayName: $n) { ${REFUSAL} } }`, { a: accountId, n: bad })],
  ['friendSendMessage', 'content.text', (bad) => app.gql(`mutation($c: MessageContentInput!) { friendSendMessage(content: $c) { ${REFUSAL} } }`, { c: { text: bad } }, friendToken)],
  ['createChatTag', 'name', (bad) => app.gql(`mutation($a: ID!, $n: String!) { createChatTag(accountId: $a, name: $n) { ${REFUSAL} } }`, { a: accountId, n: bad }, admin.token)],
  ['createDraft', 'content.text', (bad) => app.gql(`mutation($a: ID!, $t: String!) { createDraft(accountId: $a, kind: BROADCAST, title: "T", content: { text: $t }) { ${REFUSAL} } }`, { a: accountId, t: bad }, admin.token)],
  ['createAudience', 'spec.attributes.plan', (bad) => app.gql(`mutation($a: ID!, $s: AudienceSpecInput!) { createAudience(accountId: $a, name: "Gold", spec: $s) { ${REFUSAL} } }`, { a: accountId, s: { attributes: { plan: bad } } }, admin.token)],
];

async function rowCounts() {
  const p = app.db.prisma;
  return [await p.user.count(), await p.account.count(), await p.friend.count(), await p.message.count(), await p.chatTag.count(), await p.delivery.count(), await p.audience.count()];
}

describe('NUL bytes and lone surrogates in text are a ValidationError naming the field', () => {
  for (const [label, bad] of [['a NUL byte', NUL], ['a lone surrogate', LONE_SURROGATE]] as const) {
    test.each(MUTATIONS)(`%s with ${label} in %s is refused, and writes nothing`, async (_name, field, call) => {
      const before = await rowCounts();
      const res = await call(bad);
      expect(res.errors).toBeUndefined();
      expect(Object.values(res.data)[0]).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_INPUT', field });
      expect(await rowCounts()).toEqual(before);
    });
  }

  test('an inline literal is refused like a variable', async () => {
    const res = await app.gql(`mutation { createAccount(name: "Cafe\\u0000Dengon") { ${REFUSAL} } }`, {}, admin.token);
    expect(res.data.createAccount).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_INPUT', field: 'name' });
  });

  test('a field without a typed payload refuses with INVALID_INPUT naming the argument', async () => {
    const res = await app.gql(`mutation($e: String!) { signIn(email: $e, password: "x") { __typename } }`, { e: `a${NUL}@example.test` });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'email' });
  });

  test('paired surrogates (emoji) are ordinary text and pass', async () => {
    const res = await friendSays(app, friendToken, { text: 'Matcha 🍵 please' });
    expect(res.__typename).toBe('MutationFriendSendMessageSuccess');
  });
});

describe('bad connection arguments are INVALID_INPUT naming the argument', () => {
  const MEMBERS = (args: string) => `query($a: ID!) { account(id: $a) { members(${args}) { edges { node { id } } } } }`;
  const FRIENDS = (args: string) => `query($a: ID!) { account(id: $a) { friends(${args}) { edges { node { id } } } } }`;
  const BAD = [
    ['first', 'first: -1'],
    ['last', 'last: -1'],
    ['after', 'after: "not-a-cursor"'],
    ['before', 'before: "not-a-cursor"'],
    ['after', `after: "${Buffer.from('GPC:S:42').toString('base64')}"`],
  ] as const;

  test.each(BAD)('%s (%s) on a connection with its own query (account.friends)', async (field, args) => {
    const res = await app.gql(FRIENDS(args), { a: accountId }, admin.token);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(res.errors?.[0]?.message).toContain(field);
  });

  test.each(BAD)('%s (%s) on a relation connection loaded with its parent (account.members)', async (field, args) => {
    const res = await app.gql(MEMBERS(args), { a: accountId }, admin.token);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field });
  });

  test('a bad value in a variable is refused like a literal', async () => {
    const res = await app.gql(`query($a: ID!, $n: Int) { account(id: $a) { friends(first: $n) { edges { node { id } } } } }`, { a: accountId, n: -1 }, admin.token);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'first' });
  });

  test('a cursor the connection returned still pages', async () => {
    await follow(app, accountId, 'Second');
    const page = await app.gql(FRIENDS('first: 1'), { a: accountId }, admin.token);
    expect(page.errors).toBeUndefined();
    const cursorQuery = `query($a: ID!, $c: String) { account(id: $a) { friends(first: 1, after: $c) { pageInfo { endCursor } edges { node { id } } } } }`;
    const first = await app.gql(cursorQuery, { a: accountId, c: null }, admin.token);
    const next = await app.gql(cursorQuery, { a: accountId, c: first.data.account.friends.pageInfo.endCursor }, admin.token);
    expect(next.errors).toBeUndefined();
    expect(next.data.account.friends.edges).toHaveLength(1);
    expect(next.data.account.friends.edges[0].node.id).not.toBe(first.data.account.friends.edges[0].node.id);
  });
});
