import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createAccount, seedMembers, signUp, type SignedIn } from '../helpers/scenario.ts';

// Lists are a constant number of SQL statements per page, not one per row.

let app: TestApp;
let admin: SignedIn;
let accountId: string;
beforeAll(async () => {
  app = await createTestApp();
  admin = await signUp(app);
  accountId = await createAccount(app, admin.token);
  await seedMembers(app, accountId, 99);
});
afterAll(() => app.close());

async function statementsFor(first: number): Promise<{ count: number; rows: number }> {
  app.queries.length = 0;
  const res = await app.gql(
    `query($id: ID!, $first: Int!) { account(id: $id) { name members(first: $first) { edges { node { id role user { displayName email } } } } } }`,
    { id: accountId, first },
    admin.token,
  );
  // Transaction bookkeeping is not a statement of the page.
  const count = app.queries.filter((sql) => !/^(BEGIN|COMMIT|ROLLBACK)/i.test(sql.trim())).length;
  return { count, rows: res.data.account.members.edges.length };
}

test('members(first: 20) and members(first: 100) take the same number of SQL statements', async () => {
  const small = await statementsFor(20);
  const large = await statementsFor(100);
  expect(small.rows).toBe(20);
  expect(large.rows).toBe(100);
  expect(large.count).toBe(small.count);
  // Authentication, then the account with its members and their users.
  expect(large.count).toBe(2);
});

test('first above 100 is refused, not silently clamped', async () => {
  const res = await app.gql(`query($id: ID!) { account(id: $id) { members(first: 101) { edges { node { id } } } } }`, { id: accountId }, admin.token);
  expect(res.errors?.[0]?.extensions).toEqual({ code: 'INVALID_INPUT', field: 'first', limit: 100 });
});
