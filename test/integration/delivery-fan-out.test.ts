import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createAccount, dbId, signUp, type SignedIn } from '../helpers/scenario.ts';
import { seedFollowers } from '../helpers/bulk-friends.ts';
import { runFanOut } from '../../src/modules/deliveries/fan-out.service.ts';
import { resumeInterruptedSends } from '../../src/modules/deliveries/delivery.jobs.ts';

// Issue 5 "Fan-out": recipients are written in batches, each its own
// transaction, and a send cut short part-way is resumed so that every
// recipient gets the message exactly once.

const BATCH = 100;
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ FAN_OUT_BATCH_SIZE: String(BATCH) });
});
afterAll(() => app.close());

const SEND = `mutation($d: ID!, $k: String!) { sendDelivery(deliveryId: $d, idempotencyKey: $k) { __typename
  ... on MutationSendDeliverySuccess { data { id status recipientCount quotaUnits } } ... on Error { code message } } }`;

async function broadcastDraft(token: string, accountId: string, text: string): Promise<string> {
  const res = await app.gql(
    `mutation($a: ID!, $t: String!) { createDraft(accountId: $a, kind: BROADCAST, title: "Fan-out", content: { text: $t }) {
      ... on MutationCreateDraftSuccess { data { id } } } }`,
    { a: accountId, t: text },
    token,
  );
  return res.data.createDraft.data.id;
}

/** Per recipient of the delivery: how many messages with its text the friend's chat holds. */
async function copiesPerFriend(accountId: string, text: string): Promise<Map<string, number>> {
  const rows = await app.db.prisma.$queryRaw<{ friendId: string; n: number }[]>`
    SELECT c."friendId", count(*)::int AS n FROM "Message" m JOIN "Chat" c ON c.id = m."chatId"
    WHERE m."accountId" = ${accountId}::uuid AND m.kind = 'BROADCAST' AND m.content->>'text' = ${text}
    GROUP BY c."friendId"`;
  return new Map(rows.map((r) => [r.friendId, r.n]));
}

const quotaUsed = async (accountId: string) => (await app.db.prisma.quotaUsage.findFirst({ where: { accountId } }))?.used ?? 0;
const jobDeps = () => ({ ...app.deps, config: { ...app.config, narrowcastMinTargets: 50, fanOutBatchSize: BATCH } });

/**
 * A crash in the middle of a batch: a trigger makes the insert of one
 * recipient fail, so that batch's transaction rolls back as it would if the
 * process died mid-statement. The batches before it stay committed.
 */
async function failWhenWriting(friendId: string) {
  await app.db.prisma.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION crash_fan_out() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'simulated crash'; END $$ LANGUAGE plpgsql`);
  await app.db.prisma.$executeRawUnsafe(`CREATE TRIGGER crash_fan_out BEFORE INSERT ON "DeliveryRecipient"
    FOR EACH ROW WHEN (NEW."friendId" = '${friendId}'::uuid) EXECUTE FUNCTION crash_fan_out()`);
  return () => app.db.prisma.$executeRawUnsafe(`DROP TRIGGER crash_fan_out ON "DeliveryRecipient"`);
}

async function friendIdsInOrder(accountId: string): Promise<string[]> {
  const rows = await app.db.prisma.friend.findMany({ where: { accountId, status: 'FOLLOWING' }, orderBy: { id: 'asc' }, select: { id: true } });
  return rows.map((r) => r.id);
}

describe('fan-out in batches', () => {
  let admin: SignedIn;
  let account: string;
  let accountId: string;
  beforeAll(async () => {
    admin = await signUp(app);
    account = await createAccount(app, admin.token, 'Batches');
    accountId = dbId(account);
    await app.db.prisma.account.update({ where: { id: accountId }, data: { quotaOverride: 10_000 } });
    await seedFollowers(app, accountId, 250);
  });

  test('250 friends in batches of 100: SENT, one message per friend, the quota is one unit per recipient', async () => {
    const id = await broadcastDraft(admin.token, account, 'batched hello');
    const res = await app.gql(SEND, { d: id, k: 'batched' }, admin.token);
    expect(res.data.sendDelivery).toMatchObject({ __typename: 'MutationSendDeliverySuccess', data: { status: 'SENT', recipientCount: 250, quotaUnits: 250 } });
    const copies = await copiesPerFriend(accountId, 'batched hello');
    expect(copies.size).toBe(250);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    expect(await app.db.prisma.deliveryRecipient.count({ where: { deliveryId: dbId(id) } })).toBe(250);
    expect(await quotaUsed(accountId)).toBe(250);
    // Each chat points at the new message: the chat list shows it.
    const pointing = await app.db.prisma.chat.count({ where: { accountId, lastMessage: { content: { path: ['text'], equals: 'batched hello' } } } });
    expect(pointing).toBe(250);
    // Live dashboards hear about it through the outbox: start, throttled progress (the fake clock stands still), end.
    const events = await app.db.prisma.outboxEvent.findMany({ where: { payload: { path: ['deliveryId'], equals: dbId(id) } }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.type, (e.payload as { sent?: number }).sent ?? null])).toEqual([
      ['delivery.sending', null],
      ['delivery.progress', 100],
      ['delivery.sent', null],
    ]);
  });
});

describe('a send cut short part-way', () => {
  let admin: SignedIn;
  let account: string;
  let accountId: string;
  beforeAll(async () => {
    admin = await signUp(app);
    account = await createAccount(app, admin.token, 'Crashes');
    accountId = dbId(account);
    await app.db.prisma.account.update({ where: { id: accountId }, data: { quotaOverride: 10_000 } });
    await seedFollowers(app, accountId, 250);
  });

  test('killed in its third batch and resumed: every recipient exactly once, quota for what was written', async () => {
    const usedBefore = await quotaUsed(accountId);
    const ordered = await friendIdsInOrder(accountId);
    const undo = await failWhenWriting(ordered[230]!);
    const id = await broadcastDraft(admin.token, account, 'resumed hello');
    const cut = await app.gql(SEND, { d: id, k: 'cut-short' }, admin.token);
    // The request could not finish: the delivery says so instead of failing.
    expect(cut.data.sendDelivery).toMatchObject({ __typename: 'MutationSendDeliverySuccess', data: { status: 'SENDING', recipientCount: 200 } });
    expect(await app.db.prisma.deliveryRecipient.count({ where: { deliveryId: dbId(id) } })).toBe(200);
    expect((await copiesPerFriend(accountId, 'resumed hello')).size).toBe(200);
    // The whole audience was reserved when sending started.
    expect((await quotaUsed(accountId)) - usedBefore).toBe(250);

    // While it is down, one friend not yet reached blocks the account and a new friend follows.
    await app.db.prisma.friend.update({ where: { id: ordered[240]! }, data: { status: 'BLOCKED' } });
    app.clock.advance(120_000);
    await seedFollowers(app, accountId, 1, 'late follower');
    await undo();

    expect(await resumeInterruptedSends(jobDeps(), 60_000)).toBe(1);
    const delivery = await app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } });
    expect(delivery).toMatchObject({ status: 'SENT', recipientCount: 249, quotaUnits: 249 });
    const copies = await copiesPerFriend(accountId, 'resumed hello');
    expect(copies.size).toBe(249);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    expect(copies.has(ordered[240]!)).toBe(false);
    const late = await app.db.prisma.friend.findFirstOrThrow({ where: { accountId, displayName: 'late follower 1' } });
    expect(copies.has(late.id)).toBe(false);
    // The unit reserved for the friend who blocked came back.
    expect((await quotaUsed(accountId)) - usedBefore).toBe(249);
    expect(await app.db.prisma.auditEvent.count({ where: { action: 'delivery.sent', subjectId: dbId(id) } })).toBe(1);

    // Resuming again, or retrying the request with its key, writes nothing more.
    expect(await resumeInterruptedSends(jobDeps(), 0)).toBe(0);
    const retry = await app.gql(SEND, { d: id, k: 'cut-short' }, admin.token);
    expect(retry.data.sendDelivery.data).toMatchObject({ status: 'SENT', recipientCount: 249 });
    expect(await app.db.prisma.deliveryRecipient.count({ where: { deliveryId: dbId(id) } })).toBe(249);
  });

  test('retrying the request with the same key finishes a send that was cut short', async () => {
    const ordered = await friendIdsInOrder(accountId);
    const undo = await failWhenWriting(ordered[150]!);
    const id = await broadcastDraft(admin.token, account, 'retried hello');
    const cut = await app.gql(SEND, { d: id, k: 'retry-me' }, admin.token);
    expect(cut.data.sendDelivery.data).toMatchObject({ status: 'SENDING', recipientCount: 100 });
    await undo();
    const retry = await app.gql(SEND, { d: id, k: 'retry-me' }, admin.token);
    const following = ordered.length;
    expect(retry.data.sendDelivery.data).toMatchObject({ status: 'SENT', recipientCount: following });
    const copies = await copiesPerFriend(accountId, 'retried hello');
    expect(copies.size).toBe(following);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
  });

  test('three runners resuming one send at once still write each recipient once', async () => {
    const ordered = await friendIdsInOrder(accountId);
    const undo = await failWhenWriting(ordered[120]!);
    const id = await broadcastDraft(admin.token, account, 'raced hello');
    await app.gql(SEND, { d: id, k: 'raced' }, admin.token);
    await undo();
    const deps = { ...app.deps, config: { ...app.config, fanOutBatchSize: 7 } };
    await Promise.all([runFanOut(deps, dbId(id)), runFanOut(deps, dbId(id)), resumeInterruptedSends(jobDeps(), 0)]);
    const copies = await copiesPerFriend(accountId, 'raced hello');
    expect(copies.size).toBe(ordered.length);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    expect(await app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).toMatchObject({ status: 'SENT', recipientCount: ordered.length });
  });
});
