import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { schema } from '../../src/graphql/schema.ts';
import { tokenKindOf } from '../../src/graphql/token-kinds.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createAccount, signUp, uniqueEmail, PASSWORD, type SignedIn } from '../helpers/scenario.ts';
import { follow } from '../helpers/chat-scenario.ts';
import { connect, listenApp, subscribe, type Live } from '../helpers/live.ts';
import type { Listening } from '../../src/server.ts';

// Issue 14 row 11: a member token reached friendFollow, and a friend token
// reached signUp / signIn. Every root field is listed from the schema itself,
// so an operation added later is covered without touching this file.

let app: TestApp;
let server: Listening;
let admin: SignedIn;
let accountId: string;
let friendToken: string;
const lives: Live[] = [];
beforeAll(async () => {
  app = await createTestApp();
  server = await listenApp(app);
  admin = await signUp(app);
  accountId = await createAccount(app, admin.token);
  friendToken = (await follow(app, accountId)).token;
});
afterAll(async () => {
  await Promise.all(lives.map((l) => l.dispose()));
  await server.close();
  await app.close();
});

/** A literal of the right type for a required argument; ids are the real account's, so a missing check would act on it. */
function literalFor(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literalFor(type.ofType);
  if (isListType(type)) return `[${literalFor(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type));
    // A @oneOf input (message content) needs exactly one field.
    const chosen = fields.length > 0 ? fields : Object.values(type.getFields()).slice(0, 1);
    return `{ ${chosen.map((f) => `${f.name}: ${literalFor(f.type)}`).join(', ')} }`;
  }
  switch (getNamedType(type).name) {
    case 'ID':
      return JSON.stringify(accountId);
    case 'Int':
    case 'Float':
      return '1';
    case 'Boolean':
      return 'true';
    case 'String':
      return JSON.stringify(`x-${uniqueEmail('kind')}`);
    default:
      return JSON.stringify('2030-01-01T00:00:00.000Z');
  }
}

function operationFor(keyword: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>): string {
  const required = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type));
  const args = required.length ? `(${required.map((a) => `${a.name}: ${literalFor(a.type)}`).join(', ')})` : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${keyword} { ${field.name}${args}${selection} }`;
}

const roots = [
  ['query', schema.getQueryType()!],
  ['mutation', schema.getMutationType()!],
  ['subscription', schema.getSubscriptionType()!],
] as const;
const operations = roots.flatMap(([keyword, type]) =>
  Object.values(type.getFields()).map((field) => ({ keyword, name: field.name, kind: tokenKindOf(type.name, field.name), document: () => operationFor(keyword, field) })),
);
const friendOps = operations.filter((o) => o.kind === 'friend');
const memberOps = operations.filter((o) => o.kind === 'member');

async function refusalOf(op: (typeof operations)[number], token: string) {
  if (op.keyword !== 'subscription') return (await app.gql(op.document(), {}, token)).errors;
  const l = connect(server, token);
  lives.push(l);
  return subscribe(l, op.document()).refusal();
}

describe('issue 14 row 11: member and friend tokens never cross, on every operation', () => {
  test('the schema lists both kinds, public ones included', () => {
    expect(friendOps.map((o) => o.name)).toEqual(expect.arrayContaining(['friendFollow', 'friendSendMessage', 'friendChat', 'friendChatEvents']));
    expect(memberOps.map((o) => o.name)).toEqual(expect.arrayContaining(['signUp', 'signIn', 'createAccount', 'viewer', 'friend', 'chatEvents']));
  });

  test.each(friendOps.map((o) => [o.name, o] as const))('a member token on %s is UNAUTHENTICATED', async (_name, op) => {
    const errors = await refusalOf(op, admin.token);
    expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test.each(memberOps.map((o) => [o.name, o] as const))('a friend token on %s is UNAUTHENTICATED', async (_name, op) => {
    const errors = await refusalOf(op, friendToken);
    expect(errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('friendFollow with a member token adds no friend; without a token it still works', async () => {
    const follows = `mutation($a: ID!) { friendFollow(accountId: $a, displayName: "Mallory") { __typename } }`;
    const before = await app.db.prisma.friend.count();
    const refused = await app.gql(follows, { a: accountId }, admin.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await app.db.prisma.friend.count()).toBe(before);
    expect((await app.gql(follows, { a: accountId })).data.friendFollow.__typename).toBe('MutationFriendFollowSuccess');
  });

  test('signUp and signIn with a friend token create no user and no member token', async () => {
    const email = uniqueEmail('via-friend');
    const up = await app.gql(`mutation($e: String!, $p: String!) { signUp(email: $e, password: $p, displayName: "M") { __typename } }`, { e: email, p: PASSWORD }, friendToken);
    expect(up.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await app.db.prisma.user.count({ where: { email } })).toBe(0);
    const tokensBefore = await app.db.prisma.accessToken.count();
    const inn = await app.gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename } }`, { e: admin.email, p: PASSWORD }, friendToken);
    expect(inn.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await app.db.prisma.accessToken.count()).toBe(tokensBefore);
  });
});
