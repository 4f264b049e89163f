import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, dbId, signUp, type SignedIn } from '../helpers/scenario.ts';
import { seedFollowers } from '../helpers/bulk-friends.ts';
import { deliveryJobHandlers, handleScheduledSend, resumeInterruptedSends } from '../../src/modules/deliveries/delivery.jobs.ts';
import { QUEUES } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/logger.ts';

// R-SAFE-1 / R-APPROVAL-2: scheduled sends run from the job queue at the
// scheduled time, once, with the scheduler's permission at that time.

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const HOUR = 60 * 60 * 1000;
const jobDeps = () => ({ ...app.deps, logger: createLogger('silent'), config: { ...app.config, narrowcastMinTargets: 50, fanOutBatchSize: 100 } });

const SCHEDULE = `mutation($d: ID!, $at: DateTime!) { scheduleDelivery(deliveryId: $d, at: $at) { __typename
  ... on MutationScheduleDeliverySuccess { data { id status scheduledAt } }
  ... on Error { code rule message } ... on ValidationError { field limit } ... on InvalidTransitionError { status } } }`;

async function draft(token: string, accountId: string, text: string): Promise<string> {
  const res = await app.gql(
    `mutation($a: ID!, $t: String!) { createDraft(accountId: $a, kind: BROADCAST, title: "Later", content: { text: $t }) {
      ... on MutationCreateDraftSuccess { data { id } } } }`,
    { a: accountId, t: text },
    token,
  );
  return res.data.createDraft.data.id;
}
const schedule = async (token: string, id: string, at: Date) => {
  const res = await app.gql(SCHEDULE, { d: id, at: at.toISOString() }, token);
  return res.data?.scheduleDelivery ?? res;
};
const statusOf = async (id: string) => (await app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).status;
const recipientsOf = (id: string) => app.db.prisma.deliveryRecipient.count({ where: { deliveryId: dbId(id) } });
const jobsFor = async (id: string) =>
  app.db.prisma.$queryRaw<{ data: { deliveryId: string; scheduledAt: string }; start_after: Date; singleton_key: string }[]>`
    SELECT data, start_after, singleton_key FROM pgboss.job WHERE name = ${QUEUES.scheduledSend.name} AND data->>'deliveryId' = ${dbId(id)}`;

let admin: SignedIn;
let account: string;
beforeAll(async () => {
  admin = await signUp(app);
  account = await createAccount(app, admin.token, 'Scheduled');
  await seedFollowers(app, dbId(account), 3);
});

describe('scheduleDelivery', () => {
  test('APPROVED or a sender’s own DRAFT → SCHEDULED, with a queued job for that time, recorded in history', async () => {
    const id = await draft(admin.token, account, 'tomorrow morning');
    const at = new Date(app.clock.now().getTime() + 24 * HOUR);
    const res = await schedule(admin.token, id, at);
    expect(res).toMatchObject({ __typename: 'MutationScheduleDeliverySuccess', data: { status: 'SCHEDULED', scheduledAt: at.toISOString() } });
    const [job, ...more] = await jobsFor(id);
    expect(more).toHaveLength(0);
    expect(job!.data).toEqual({ deliveryId: dbId(id), scheduledAt: at.toISOString() });
    expect(job!.start_after.toISOString()).toBe(at.toISOString());
    const history = await app.gql(`query($d: ID!) { node(id: $d) { ... on Delivery { history { edges { node { action data } } } } } }`, { d: id }, admin.token);
    expect(history.data.node.history.edges.map((e: any) => e.node.action)).toEqual(['delivery.created', 'delivery.scheduled']);
    expect(await recipientsOf(id)).toBe(0);
  });

  test('a time in the past or more than 366 days ahead is refused, naming the field and the limit', async () => {
    const id = await draft(admin.token, account, 'bad times');
    expect(await schedule(admin.token, id, new Date(app.clock.now().getTime() - 1000))).toMatchObject({ code: 'INVALID_INPUT', field: 'at' });
    expect(await schedule(admin.token, id, new Date(app.clock.now().getTime() + 367 * 24 * HOUR))).toMatchObject({ code: 'INVALID_INPUT', field: 'at', limit: 366 });
    expect(await statusOf(id)).toBe('DRAFT');
    expect(await jobsFor(id)).toHaveLength(0);
  });

  test('OPERATOR_NO_SEND cannot schedule (FORBIDDEN), and their draft needs approval before an ADMIN can schedule it', async () => {
    const staff = await addMember(app, admin.token, account, 'OPERATOR_NO_SEND');
    const id = await draft(staff.token, account, 'from staff');
    const at = new Date(app.clock.now().getTime() + HOUR);
    const forbidden = await app.gql(SCHEDULE, { d: id, at: at.toISOString() }, staff.token);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await schedule(admin.token, id, at)).toMatchObject({ code: 'APPROVAL_REQUIRED', rule: 'R-APPROVAL-1' });
    await app.gql(`mutation($d: ID!) { submitDraft(deliveryId: $d) { __typename } }`, { d: id }, staff.token);
    expect(await schedule(admin.token, id, at)).toMatchObject({ code: 'INVALID_TRANSITION', status: 'PENDING_APPROVAL' });
    await app.gql(`mutation($d: ID!) { approveDelivery(deliveryId: $d) { __typename } }`, { d: id }, admin.token);
    expect(await schedule(admin.token, id, at)).toMatchObject({ data: { status: 'SCHEDULED' } });
    expect(await jobsFor(id)).toHaveLength(1);
  });

  test('a schedule whose transaction rolls back leaves no job behind', async () => {
    const id = await draft(admin.token, account, 'rolled back');
    const before = await jobsFor(id);
    await expect(
      app.db.prisma.$transaction(async (tx) => {
        await app.deps.jobs.enqueue(tx, QUEUES.scheduledSend.name, { deliveryId: dbId(id), scheduledAt: 'x' }, { singletonKey: 'rolled-back' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await jobsFor(id)).toEqual(before);
  });
});

describe('the scheduled-send job', () => {
  test('does nothing before the time, sends at it, and a re-run of the job never sends twice', async () => {
    const id = await draft(admin.token, account, 'on time');
    const at = new Date(app.clock.now().getTime() + 2 * HOUR);
    await schedule(admin.token, id, at);
    const job = { deliveryId: dbId(id), scheduledAt: at.toISOString() };

    // The queue's clock ran ahead of ours: the job is retried, nothing is sent.
    await expect(handleScheduledSend(jobDeps(), job)).rejects.toThrow(/is due at/);
    expect(await statusOf(id)).toBe('SCHEDULED');

    app.clock.advance(2 * HOUR);
    await handleScheduledSend(jobDeps(), job);
    expect(await statusOf(id)).toBe('SENT');
    expect(await recipientsOf(id)).toBe(3);

    await handleScheduledSend(jobDeps(), job);
    expect(await recipientsOf(id)).toBe(3);
    expect(await app.db.prisma.auditEvent.count({ where: { action: 'delivery.sent', subjectId: dbId(id) } })).toBe(1);
  });

  test('moving a scheduled delivery makes the old job a no-op; cancelling makes every job a no-op', async () => {
    const id = await draft(admin.token, account, 'moved');
    const first = new Date(app.clock.now().getTime() + HOUR);
    const second = new Date(app.clock.now().getTime() + 3 * HOUR);
    await schedule(admin.token, id, first);
    expect(await schedule(admin.token, id, second)).toMatchObject({ data: { status: 'SCHEDULED', scheduledAt: second.toISOString() } });
    expect(await jobsFor(id)).toHaveLength(2);

    app.clock.advance(HOUR);
    await handleScheduledSend(jobDeps(), { deliveryId: dbId(id), scheduledAt: first.toISOString() });
    expect(await statusOf(id)).toBe('SCHEDULED');
    expect(await recipientsOf(id)).toBe(0);

    await app.gql(`mutation($d: ID!) { cancelDelivery(deliveryId: $d) { __typename } }`, { d: id }, admin.token);
    app.clock.advance(2 * HOUR);
    await handleScheduledSend(jobDeps(), { deliveryId: dbId(id), scheduledAt: second.toISOString() });
    expect(await statusOf(id)).toBe('CANCELLED');
    expect(await recipientsOf(id)).toBe(0);
  });

  test('a scheduler who lost send permission before the time: nothing is sent, the delivery returns to APPROVED, recorded', async () => {
    const operator = await addMember(app, admin.token, account, 'OPERATOR');
    const staff = await addMember(app, admin.token, account, 'OPERATOR_NO_SEND');
    const id = await draft(staff.token, account, 'demoted');
    await app.gql(`mutation($d: ID!) { submitDraft(deliveryId: $d) { __typename } }`, { d: id }, staff.token);
    await app.gql(`mutation($d: ID!) { approveDelivery(deliveryId: $d) { __typename } }`, { d: id }, admin.token);
    const at = new Date(app.clock.now().getTime() + HOUR);
    expect(await schedule(operator.token, id, at)).toMatchObject({ data: { status: 'SCHEDULED' } });

    const demoted = await app.db.prisma.member.updateMany({ where: { accountId: dbId(account), userId: dbId(operator.userId) }, data: { role: 'OPERATOR_NO_SEND' } });
    expect(demoted.count).toBe(1);
    app.clock.advance(HOUR);
    await handleScheduledSend(jobDeps(), { deliveryId: dbId(id), scheduledAt: at.toISOString() });
    expect(await statusOf(id)).toBe('APPROVED');
    expect(await recipientsOf(id)).toBe(0);
    const failed = await app.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'delivery.schedule_failed', subjectId: dbId(id) } });
    expect(failed.data).toMatchObject({ code: 'SEND_PERMISSION_LOST', status: 'APPROVED' });
  });

  test('a scheduled send over the quota is refused at its time: nothing written, back to DRAFT for a sender’s own draft', async () => {
    const id = await draft(admin.token, account, 'too many');
    const at = new Date(app.clock.now().getTime() + HOUR);
    await schedule(admin.token, id, at);
    await app.db.prisma.account.update({ where: { id: dbId(account) }, data: { quotaOverride: 1 } });
    app.clock.advance(HOUR);
    try {
      await handleScheduledSend(jobDeps(), { deliveryId: dbId(id), scheduledAt: at.toISOString() });
    } finally {
      await app.db.prisma.account.update({ where: { id: dbId(account) }, data: { quotaOverride: null } });
    }
    expect(await statusOf(id)).toBe('DRAFT');
    expect(await recipientsOf(id)).toBe(0);
    const failed = await app.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'delivery.schedule_failed', subjectId: dbId(id) } });
    expect(failed.data).toMatchObject({ code: 'QUOTA_EXCEEDED' });
  });

  test('a scheduled delivery whose job never ran (server down for weeks) is sent by the sweep, once', async () => {
    const id = await draft(admin.token, account, 'missed job');
    const at = new Date(app.clock.now().getTime() + HOUR);
    await schedule(admin.token, id, at);
    // The queue dropped the job, as it does with jobs left unstarted for weeks.
    await app.db.prisma.$executeRaw`DELETE FROM pgboss.job WHERE data->>'deliveryId' = ${dbId(id)}`;
    app.clock.advance(15 * 24 * HOUR);
    expect(await resumeInterruptedSends(jobDeps())).toBeGreaterThanOrEqual(1);
    expect(await statusOf(id)).toBe('SENT');
    expect(await recipientsOf(id)).toBe(3);
    await resumeInterruptedSends(jobDeps());
    expect(await recipientsOf(id)).toBe(3);
  });

  test('end to end through the queue: a started worker picks the job up and sends it', async () => {
    const id = await draft(admin.token, account, 'via the queue');
    const at = new Date(app.clock.now().getTime() + HOUR);
    await schedule(admin.token, id, at);
    app.clock.advance(HOUR);
    // The queue keeps time by the database's clock, not the test's fake one: bring the job's time to now there too.
    const due = await app.db.prisma.$executeRaw`UPDATE pgboss.job SET start_after = now() WHERE data->>'deliveryId' = ${dbId(id)}`;
    expect(due).toBe(1);
    await app.deps.jobs.start(deliveryJobHandlers(jobDeps()), { pollingIntervalSeconds: 0.5, resumeCron: null });
    const deadline = Date.now() + 15_000;
    while ((await statusOf(id)) !== 'SENT' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await statusOf(id)).toBe('SENT');
    expect(await recipientsOf(id)).toBe(3);
  });
});
