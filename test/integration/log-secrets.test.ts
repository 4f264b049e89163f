// Issue 14 row 4: an unexpected failure logs its cause, never the request's secrets.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { PASSWORD, createAccount, invite, signUp, uniqueEmail, type SignedIn } from '../helpers/scenario.ts';
import { follow } from '../helpers/chat-scenario.ts';

let app: TestApp;
const lines: string[] = [];
let admin: SignedIn;
let accountId: string;
let invitee: SignedIn;
let invitationId: string;
let friendToken: string;
beforeAll(async () => {
  app = await createTestApp({ LOG_LEVEL: 'debug' }, { logTo: { write: (line: string) => void lines.push(line) } });
  admin = await signUp(app);
  accountId = await createAccount(app, admin.token);
  invitee = await signUp(app);
  invitationId = (await invite(app, admin.token, accountId, invitee.email)).data.id;
  friendToken = (await follow(app, accountId)).token;
});
afterAll(() => app.close());

const SECRET = `VerySecretPassw0rd-${process.pid}-${Date.now()}`;
type Call = (secret: string) => Promise<any>;

/** Each auth mutation, the table its first query needs, and a call carrying the secret in variables or inline. */
const CASES: [mutation: string, table: string, variables: Call, inline: Call][] = [
  ['signUp', 'User',
    (s) => app.gql(`mutation($e: String!, $p: String!) { signUp(email: $e, password: $p, displayName: "A") { __typename } }`, { e: uniqueEmail(), p: s }),
    (s) => app.gql(`mutation { signUp(email: "${uniqueEmail()}", password: "${s}", displayName: "A") { __typename } }`)],
  ['signIn', 'User',
    (s) => app.gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename } }`, { e: admin.email, p: s }),
    (s) => app.gql(`mutation { signIn(email: "${admin.email}", password: "${s}") { __typename } }`)],
  // The invitation's secret code is the secret here.
  ['acceptInvitation', 'Invitation',
    (s) => app.gql(`mutation($id: ID!, $c: String!) { acceptInvitation(invitationId: $id, code: $c) { __typename } }`, { id: invitationId, c: s }, invitee.token),
    (s) => app.gql(`mutation { acceptInvitation(invitationId: "${invitationId}", code: "${s}") { __typename } }`, {}, invitee.token)],
  ['friendFollow', 'Friend',
    (s) => app.gql(`mutation($a: ID!, $n: String!) { friendFollow(accountId: $a, displayName: $n) { __typename } }`, { a: accountId, n: s }),
    (s) => app.gql(`mutation { friendFollow(accountId: "${accountId}", displayName: "${s}") { __typename } }`)],
  ['friendClaimTestRecipientCode', 'TestRecipientCode',
    (s) => app.gql(`mutation($c: String!) { friendClaimTestRecipientCode(code: $c) { __typename } }`, { c: s }, friendToken),
    (s) => app.gql(`mutation { friendClaimTestRecipientCode(code: "${s}") { __typename } }`, {}, friendToken)],
];

/** Runs `fn` while `table` is gone: every query on it fails inside the driver, an unexpected error. */
async function withTableGone<T>(table: string, fn: () => Promise<T>): Promise<T> {
  await app.db.driver.query(`ALTER TABLE "${table}" RENAME TO "${table}_gone"`);
  try {
    return await fn();
  } finally {
    await app.db.driver.query(`ALTER TABLE "${table}_gone" RENAME TO "${table}"`);
  }
}

describe('secrets never reach the log, even when a request fails unexpectedly', () => {
  for (const [mutation, table, viaVariables, inline] of CASES) {
    for (const [how, call] of [['in variables', viaVariables], ['inline in the document', inline]] as const) {
      test(`${mutation} with the secret ${how}`, async () => {
        lines.length = 0;
        const res = await withTableGone(table, () => call(SECRET));
        expect(res.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
        const logged = lines.join('');
        // The failure is logged (with its cause) …
        expect(lines.some((line) => JSON.parse(line).level >= 50)).toBe(true);
        expect(logged).toContain(`${table}`);
        // … and the secret is not.
        expect(logged).not.toContain(SECRET);
      });
    }
  }
});

describe('pino redaction', () => {
  test('authorization headers and secret fields are redacted at any depth', async () => {
    lines.length = 0;
    app.deps.logger.info({ req: { headers: { authorization: `Bearer ${SECRET}`, cookie: SECRET } }, password: SECRET, input: { token: SECRET, code: SECRET }, a: { b: { secret: SECRET } } }, 'probe');
    expect(lines.join('')).toContain('probe');
    expect(lines.join('')).not.toContain(SECRET);
  });
});

// Keep PASSWORD referenced: a signIn with the right password still works after the table is back.
test('the app recovers once the table is back', async () => {
  const res = await app.gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename } }`, { e: admin.email, p: PASSWORD });
  expect(res.data.signIn.__typename).toBe('MutationSignInSuccess');
});
