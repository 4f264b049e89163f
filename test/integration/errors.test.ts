import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createAccount, globalId, signUp, type SignedIn } from '../helpers/scenario.ts';

let app: TestApp;
let admin: SignedIn;
let accountId: string;
beforeAll(async () => {
  app = await createTestApp();
  admin = await signUp(app);
  accountId = await createAccount(app, admin.token);
});
afterAll(() => app.close());

async function snapshot() {
  return {
    accounts: await app.db.prisma.account.findMany({ orderBy: { id: 'asc' } }),
    members: await app.db.prisma.member.count(),
    invitations: await app.db.prisma.invitation.count(),
    audit: await app.db.prisma.auditEvent.count(),
  };
}

describe('bad input gets a clear error and changes nothing', () => {
  test.each([
    ['not base64 at all', '!!!'],
    ['a Member id where an Account id belongs', globalId('Member', '0b7e8f5e-1c1f-4a55-9c1e-1a2b3c4d5e6f')],
    ['a non-uuid database id', globalId('Account', '42')],
    ['an empty id', ''],
  ])('malformed account id (%s) in a mutation is a ValidationError naming the field', async (_label, id) => {
    const before = await snapshot();
    const res = await app.gql(
      `mutation($id: ID!) { inviteMember(accountId: $id, email: "a@example.test", role: OPERATOR) {
        __typename ... on ValidationError { code field message } } }`,
      { id },
      admin.token,
    );
    expect(res.data.inviteMember).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_INPUT', field: 'accountId' });
    expect(await snapshot()).toEqual(before);
  });

  test('a malformed id in a query is a GraphQL error with code INVALID_INPUT and the field', async () => {
    const res = await app.gql(`query($id: ID!) { account(id: $id) { id } }`, { id: 'garbage' }, admin.token);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'id' });
    expect(res.errors?.[0]?.message).toMatch(/id: not a valid Account id/);
  });

  test.each([['garbage'], [globalId('Nothing', '0b7e8f5e-1c1f-4a55-9c1e-1a2b3c4d5e6f')]])(
    'a malformed id given to node() (%s) is INVALID_INPUT',
    async (id) => {
      const res = await app.gql(`query($id: ID!) { node(id: $id) { id } }`, { id }, admin.token);
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'INVALID_INPUT', field: 'id' });
    },
  );

  test('an unknown role is rejected by validation, naming the value', async () => {
    const before = await snapshot();
    const res = await app.gql(
      `mutation($id: ID!, $role: Role!) { inviteMember(accountId: $id, email: "a@example.test", role: $role) { __typename } }`,
      { id: accountId, role: 'SUPERUSER' },
      admin.token,
    );
    expect(res.errors?.[0]?.message).toMatch(/SUPERUSER.*Role|Role.*SUPERUSER/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('GraphQL abuse limits (graphql-armor)', () => {
  test('a query deeper than the limit is refused', async () => {
    const deep = `{ viewer { memberships { account { members { edges { node { account { members { edges { node { account { members { edges { node { id } } } } } } } } } } } } } } }`;
    const res = await app.gql(deep, {}, admin.token);
    expect(res.errors?.[0]?.message).toMatch(/depth/i);
    expect(res.data).toBeUndefined();
  });

  test('too many aliases are refused', async () => {
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: viewer { id }`).join(' ');
    const res = await app.gql(`{ ${aliases} }`, {}, admin.token);
    expect(res.errors?.[0]?.message).toMatch(/alias/i);
  });

  test('too many tokens are refused', async () => {
    const fields = Array.from({ length: 2500 }, () => 'id').join(' ');
    const res = await app.gql(`{ viewer { ${fields} } }`, {}, admin.token);
    expect(res.errors?.[0]?.message).toMatch(/token/i);
  });

  test('a too costly query is refused', async () => {
    const wide = Array.from({ length: 14 }, (_, i) => `m${i}: members(first: 100) { edges { node { user { email displayName createdAt } account { name members { edges { node { id } } } } } } }`).join(' ');
    const res = await app.gql(`query($id: ID!) { account(id: $id) { ${wide} } }`, { id: accountId }, admin.token);
    expect(res.errors?.map((e) => e.message).join(' ')).toMatch(/cost/i);
  });
});

describe('unexpected errors are masked', () => {
  test('a database failure reaches the client as a generic error without a stack trace', async () => {
    const broken = await createTestApp();
    const user = await signUp(broken);
    await broken.db.prisma.$executeRawUnsafe('ALTER TABLE "Account" RENAME TO "AccountGone"');
    const res = await broken.gql(`mutation { createAccount(name: "x") { __typename } }`, {}, user.token);
    await broken.close();
    expect(res.errors?.[0]).toEqual({ message: 'Unexpected error.', locations: expect.anything(), path: ['createAccount'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(res)).not.toMatch(/AccountGone|stack|at /);
  });
});
