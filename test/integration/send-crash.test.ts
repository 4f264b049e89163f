import path from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { migrateAll } from '../../src/migrator.ts';
import { newToken } from '../../src/auth/token.ts';
import { emptyServerDatabase, startServer } from '../helpers/spawn-server.ts';

// Issue 5, "Fan-out": the server process is killed (SIGKILL, no shutdown
// code runs) while a broadcast is being written; the next start finishes it,
// and every friend has the message exactly once.

const FRIENDS = 5_000;
const BATCH = 50;
const template = inject('dbTemplate');
let dataDir: string;
let env: Record<string, string>;
let cleanup = async () => {};

const open = (): Promise<Database> =>
  env.DATABASE_URL ? openDatabase({ kind: 'postgres', url: env.DATABASE_URL }) : openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });

beforeAll(async () => {
  const data = await emptyServerDatabase(template, 'crash');
  env = { ...data.env, PORT: '0', LOG_LEVEL: 'warn', FAN_OUT_BATCH_SIZE: String(BATCH) };
  dataDir = data.env.DATA_DIR!;
  cleanup = data.cleanup;
});
afterAll(() => cleanup());

/** An ADMIN with a token, FRIENDS following friends with chats, and a broadcast draft: set-based SQL, before the server starts. */
async function seed(): Promise<{ token: string; deliveryId: string }> {
  const db = await open();
  try {
    await migrateAll(db.driver);
    const { token, hash } = newToken();
    const q = db.driver.query.bind(db.driver);
    const [user] = await q<{ id: string }>(
      `INSERT INTO "User" (email, "displayName", "passwordHash", "createdAt") VALUES ('crash@example.test', 'Crash', 'x', now()) RETURNING id`,
    );
    const [account] = await q<{ id: string }>(
      `INSERT INTO "Account" (name, plan, "quotaOverride", "memberCount", "adminCount", "createdAt") VALUES ('Crash cafe', 'STANDARD', 100000, 1, 1, now()) RETURNING id`,
    );
    await q(`INSERT INTO "Member" ("accountId", "userId", role, "createdAt") VALUES ($1, $2, 'ADMIN', now())`, [account!.id, user!.id]);
    await q(`INSERT INTO "AccessToken" ("userId", "tokenHash", "createdAt", "expiresAt") VALUES ($1, $2, now(), now() + interval '1 day')`, [user!.id, hash]);
    await q(
      `INSERT INTO "Friend" ("accountId", "displayName", status, "followedAt", "statusChangedAt")
       SELECT $1, 'Friend ' || n, 'FOLLOWING', now() - interval '1 hour', now() - interval '1 hour' FROM generate_series(1, ${FRIENDS}) AS n`,
      [account!.id],
    );
    await q(`INSERT INTO "Chat" ("accountId", "friendId", "createdAt") SELECT "accountId", id, now() FROM "Friend" WHERE "accountId" = $1`, [account!.id]);
    const [delivery] = await q<{ id: string }>(
      `INSERT INTO "Delivery" ("accountId", kind, title, "contentType", content, "authorUserId", "createdAt", "updatedAt")
       VALUES ($1, 'BROADCAST', 'Crash test', 'text', '{"type":"text","text":"Survives a crash"}', $2, now(), now()) RETURNING id`,
      [account!.id, user!.id],
    );
    return { token, deliveryId: Buffer.from(`Delivery:${delivery!.id}`).toString('base64url') };
  } finally {
    await db.close();
  }
}

async function gql(url: string, token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as any;
}
const STATE = `query($d: ID!) { node(id: $d) { ... on Delivery { status recipientCount } } }`;

test('SIGKILL in the middle of a broadcast: the next start resumes it and every friend gets the message exactly once', async () => {
  const { token, deliveryId } = await seed();
  const first = await startServer(env);
  const sending = gql(first.url, token, `mutation($d: ID!) { sendDelivery(deliveryId: $d, idempotencyKey: "crash") { __typename } }`, { d: deliveryId }).catch(
    () => 'connection lost',
  );
  // Poll until a few batches are in, then kill without any chance to clean up.
  for (let i = 0; ; i++) {
    const state = (await gql(first.url, token, STATE, { d: deliveryId }).catch((e) => { throw new Error(`${e} ${(e as Error).cause} exit=${first.child.exitCode} signal=${first.child.signalCode}\n${first.output()}`); })).data?.node;
    if (state?.status === 'SENDING' && state.recipientCount >= 3 * BATCH) break;
    if (state?.status === 'SENT' || i > 2_000) throw new Error(`could not catch the send part-way: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  first.child.kill('SIGKILL');
  await first.exited;
  expect(await sending).toBe('connection lost');

  const db = await open();
  const id = Buffer.from(deliveryId, 'base64url').toString('utf8').split(':')[1]!;
  let written: number;
  try {
    const [state] = await db.driver.query<{ status: string; recipientCount: number; n: number }>(
      `SELECT d.status, d."recipientCount", (SELECT count(*)::int FROM "DeliveryRecipient" r WHERE r."deliveryId" = d.id) AS n FROM "Delivery" d WHERE d.id = $1`,
      [id],
    );
    // Only whole batches survived, and the counter agrees with the rows.
    expect(state!.status).toBe('SENDING');
    written = state!.n;
    expect(written).toBeGreaterThanOrEqual(3 * BATCH);
    expect(written).toBeLessThan(FRIENDS);
    expect(written % BATCH).toBe(0);
    expect(state!.recipientCount).toBe(written);
  } finally {
    await db.close();
  }

  const second = await startServer(env);
  for (let i = 0; ; i++) {
    const state = (await gql(second.url, token, STATE, { d: deliveryId })).data?.node;
    if (state?.status === 'SENT') {
      expect(state.recipientCount).toBe(FRIENDS);
      break;
    }
    if (i > 6_000) throw new Error(`resume did not finish: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);

  const after = await open();
  try {
    const [counts] = await after.driver.query<{ recipients: number; friends: number; messages: number; chats: number; used: number }>(
      `SELECT (SELECT count(*)::int FROM "DeliveryRecipient" WHERE "deliveryId" = $1) AS recipients,
              (SELECT count(DISTINCT "friendId")::int FROM "DeliveryRecipient" WHERE "deliveryId" = $1) AS friends,
              (SELECT count(*)::int FROM "Message" WHERE content->>'text' = 'Survives a crash') AS messages,
              (SELECT count(DISTINCT "chatId")::int FROM "Message" WHERE content->>'text' = 'Survives a crash') AS chats,
              (SELECT used FROM "QuotaUsage") AS used`,
      [id],
    );
    expect(counts).toEqual({ recipients: FRIENDS, friends: FRIENDS, messages: FRIENDS, chats: FRIENDS, used: FRIENDS });
  } finally {
    await after.close();
  }
}, 400_000);
