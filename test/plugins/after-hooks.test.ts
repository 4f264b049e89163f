import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { dbId } from '../helpers/scenario.ts';
import { recordPluginRuns, RETRY_BACKOFF_MS } from '../../src/plugin-system/after-hooks.ts';
import type { DomainEvent } from '../../src/events/types.ts';
import { startPluginApp, type PluginKit } from './kit.ts';

// probe-a and probe-b (test/plugins/fixtures/probe.ts) note every after-hook
// call in their state (`after-calls`) and then pass, throw or hang by config.
let kit: PluginKit;
const HOOK_TIMEOUT_MS = 300;
const SECRET = 'sk-live-after-hook-secret-9d1f';
const responses: unknown[] = [];

beforeAll(async () => {
  kit = await startPluginApp({
    plugin: 'probe-a',
    env: { PLUGINS: './test/plugins/fixtures/probe-a.ts, ./test/plugins/fixtures/probe-b.ts', PLUGIN_HOOK_TIMEOUT: `${HOOK_TIMEOUT_MS}ms` },
  });
});
afterAll(() => kit.close());

const target = (pluginId: string) => ({ accountId: { type: 'ID!', value: kit.accountId }, pluginId: { type: 'String!', value: pluginId } });
async function configure(pluginId: 'probe-a' | 'probe-b', config: Record<string, unknown>) {
  const res = await kit.mutate(kit.members.admin.token, 'configurePlugin', { ...target(pluginId), config: { type: 'JSON!', value: { after: 'pass', ...config } } }, 'pluginId');
  responses.push(res);
  expect(res.__typename).toBe('MutationConfigurePluginSuccess');
}
async function setEnabled(pluginId: string, enabled: boolean) {
  const res = await kit.mutate(kit.members.admin.token, enabled ? 'enablePlugin' : 'disablePlugin', target(pluginId), 'enabled');
  expect(res.data.enabled).toBe(enabled);
}

/** The after-hook calls a probe noted, for one event. */
async function calls(pluginId: string, eventId?: string): Promise<string[]> {
  const installation = await kit.app.db.prisma.pluginInstallation.findFirstOrThrow({ where: { accountId: dbId(kit.accountId), pluginId } });
  const row = await kit.app.db.prisma.pluginState.findUnique({ where: { installationId_key: { installationId: installation.id, key: 'after-calls' } } });
  const all = (row?.value as string[] | undefined) ?? [];
  return eventId ? all.filter((c) => c.includes(`:${eventId}:`)) : all;
}

const RUN_FIELDS = 'pluginId hook eventId eventType status attempts lastError nextAttemptAt occurredAt createdAt updatedAt';
async function pluginRuns(token = kit.members.admin.token, status?: string) {
  const res = await kit.gql(
    `query($id: ID!, $status: PluginRunStatus) { node(id: $id) { ... on Account { pluginRuns(first: 50, status: $status) { edges { node { id ${RUN_FIELDS} } } } } } }`,
    { id: kit.accountId, status },
    token,
  );
  responses.push(res);
  return res;
}
async function runsOf(eventId: string) {
  const res = await pluginRuns();
  expect(res.errors).toBeUndefined();
  return (res.data.node.pluginRuns.edges as { node: any }[]).map((e) => e.node).filter((n) => n.eventId === eventId);
}

/** Drafts and submits; returns the delivery id and the delivery.submitted event id. */
async function submitOne(text: string): Promise<{ deliveryId: string; eventId: string }> {
  const deliveryId = await kit.draft(kit.members.drafter.token, text);
  const submitted = await kit.submit(kit.members.drafter.token, deliveryId);
  responses.push(submitted);
  expect(submitted.data.status).toBe('PENDING_APPROVAL');
  const event = await kit.app.db.prisma.outboxEvent.findFirstOrThrow({ where: { type: 'delivery.submitted' }, orderBy: { seq: 'desc' } });
  expect((event.payload as { deliveryId: string }).deliveryId).toBe(dbId(deliveryId));
  return { deliveryId, eventId: event.id };
}

beforeEach(async () => {
  await configure('probe-a', {});
  await kit.runAfterHooks();
  // Retries an earlier test left waiting would come due in this one: each test counts only its own runs.
  await kit.app.db.prisma.pluginRun.updateMany({ where: { status: 'PENDING' }, data: { status: 'SKIPPED' } });
});

describe('after-commit hooks fail open and are retried', () => {
  test('a throwing hook does not fail the mutation; each failure is recorded (secret scrubbed) and retried with backoff until it succeeds', async () => {
    await configure('probe-a', { after: 'throw', apiKey: SECRET });
    const { eventId } = await submitOne('Fail open');

    expect(await kit.runAfterHooks()).toBe(1);
    let [run] = await runsOf(eventId);
    expect(run).toMatchObject({ pluginId: 'probe-a', hook: 'onSubmitted', eventType: 'delivery.submitted', status: 'PENDING', attempts: 1 });
    expect(run.lastError).toBe(`THREW: Error: probe onSubmitted exploded (key [secret])`);
    expect(new Date(run.nextAttemptAt).getTime()).toBe(kit.clock.now().getTime() + RETRY_BACKOFF_MS[0]);

    // Not due yet: nothing runs.
    kit.clock.advance(RETRY_BACKOFF_MS[0] - 1);
    expect(await kit.runAfterHooks()).toBe(0);
    kit.clock.advance(1);
    expect(await kit.runAfterHooks()).toBe(1);
    [run] = await runsOf(eventId);
    expect(run).toMatchObject({ status: 'PENDING', attempts: 2 });
    expect(new Date(run.nextAttemptAt).getTime()).toBe(kit.clock.now().getTime() + RETRY_BACKOFF_MS[1]);

    await configure('probe-a', { after: 'pass', apiKey: SECRET });
    kit.clock.advance(RETRY_BACKOFF_MS[1]);
    expect(await kit.runAfterHooks()).toBe(1);
    [run] = await runsOf(eventId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', attempts: 3, lastError: null, nextAttemptAt: null });
    expect(await calls('probe-a', eventId)).toEqual([1, 2, 3].map((n) => `onSubmitted:delivery.submitted:${eventId}:${n}`));
    expect(await kit.app.db.prisma.pluginRun.count({ where: { eventId, status: 'SUCCEEDED' } })).toBe(1);
  });

  test('after the last retry the run is FAILED, and filtering by status finds it', async () => {
    await configure('probe-a', { after: 'throw', apiKey: SECRET });
    const { eventId } = await submitOne('Give up');
    expect(await kit.runAfterHooks()).toBe(1);
    for (const wait of RETRY_BACKOFF_MS) {
      kit.clock.advance(wait);
      expect(await kit.runAfterHooks()).toBe(1);
    }
    const [run] = await runsOf(eventId);
    expect(run).toMatchObject({ status: 'FAILED', attempts: RETRY_BACKOFF_MS.length + 1, nextAttemptAt: null });
    // Longer than the longest backoff (seeded tokens last a day: keep well below).
    kit.clock.advance(2 * 3_600_000);
    expect(await kit.runAfterHooks()).toBe(0);
    const failed = await pluginRuns(kit.members.admin.token, 'FAILED');
    expect(failed.data.node.pluginRuns.edges.map((e: any) => e.node.eventId)).toContain(eventId);
    const succeeded = await pluginRuns(kit.members.admin.token, 'SUCCEEDED');
    expect(succeeded.data.node.pluginRuns.edges.map((e: any) => e.node.eventId)).not.toContain(eventId);
  });

  test('a hook past the time limit is recorded as TIMED_OUT and retried', async () => {
    await configure('probe-a', { after: 'hang' });
    const { eventId } = await submitOne('Hang');
    const started = Date.now();
    expect(await kit.runAfterHooks()).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(HOOK_TIMEOUT_MS - 20);
    const [run] = await runsOf(eventId);
    expect(run).toMatchObject({ status: 'PENDING', attempts: 1, lastError: `TIMED_OUT: no answer within ${HOOK_TIMEOUT_MS} ms` });
  });

  test('approvals, rejections and sends run onDecided and onSent with what the event says', async () => {
    const { deliveryId } = await submitOne('Decide and send');
    const approved = await kit.approve(kit.members.admin.token, deliveryId);
    expect(approved.data.status).toBe('APPROVED');
    const sent = await kit.send(kit.members.operator.token, deliveryId);
    expect(sent.__typename).toBe('MutationSendDeliverySuccess');
    await kit.runAfterHooks();
    const approvedEvent = await kit.app.db.prisma.outboxEvent.findFirstOrThrow({ where: { type: 'delivery.approved' }, orderBy: { seq: 'desc' } });
    const sentEvent = await kit.app.db.prisma.outboxEvent.findFirstOrThrow({ where: { type: 'delivery.sent' }, orderBy: { seq: 'desc' } });
    expect(await calls('probe-a', approvedEvent.id)).toEqual([`onDecided:delivery.approved:${approvedEvent.id}:1`]);
    expect(await calls('probe-a', sentEvent.id)).toEqual([`onSent:delivery.sent:${sentEvent.id}:1`]);
  });
});

describe('exactly one run per event, installation and hook', () => {
  test('a redelivered outbox event does not run the hook again', async () => {
    const { eventId } = await submitOne('Once');
    expect(await kit.runAfterHooks()).toBe(1);
    expect(await calls('probe-a', eventId)).toHaveLength(1);

    // The publisher delivers it again (as after a crash before marking it published).
    await kit.app.db.prisma.outboxEvent.update({ where: { id: eventId }, data: { publishedAt: null, claimedUntil: null } });
    kit.app.events.publisher.nudge();
    expect(await kit.runAfterHooks()).toBe(0);
    const row = await kit.app.db.prisma.outboxEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(row.publishedAt).not.toBeNull();
    expect(await kit.app.db.prisma.pluginRun.count({ where: { eventId } })).toBe(1);
    expect(await calls('probe-a', eventId)).toHaveLength(1);
  });
});

describe('disabled plugins', () => {
  test("a run recorded while enabled is skipped if the plugin is disabled before it runs; events while disabled record none", async () => {
    const { eventId } = await submitOne('Disabled later');
    await kit.app.events.publisher.idle();
    expect(await kit.app.db.prisma.pluginRun.count({ where: { eventId, status: 'PENDING' } })).toBe(1);
    await setEnabled('probe-a', false);
    try {
      const later = await submitOne('While disabled');
      expect(await kit.runAfterHooks()).toBe(1);
      const [run] = await runsOf(eventId);
      expect(run).toMatchObject({ status: 'SKIPPED', attempts: 0 });
      expect(await calls('probe-a', eventId)).toEqual([]);
      expect(await kit.app.db.prisma.pluginRun.count({ where: { eventId: later.eventId } })).toBe(0);
    } finally {
      await setEnabled('probe-a', true);
    }
  });
});

describe('loop guard', () => {
  test("a hook's state writes record no events, so they never run a hook again", async () => {
    const { eventId } = await submitOne('No loop');
    // Counted once the publisher has recorded the submit's run.
    await kit.app.events.publisher.idle();
    const outboxBefore = await kit.app.db.prisma.outboxEvent.count();
    const runsBefore = await kit.app.db.prisma.pluginRun.count();
    expect(await kit.runAfterHooks()).toBe(1);
    expect(await calls('probe-a', eventId)).toHaveLength(1);
    expect(await kit.app.db.prisma.outboxEvent.count()).toBe(outboxBefore);
    kit.clock.advance(3_600_000);
    expect(await kit.runAfterHooks()).toBe(0);
    expect(await kit.app.db.prisma.pluginRun.count()).toBe(runsBefore);
  });

  test("an event a plugin caused (it carries the plugin's id) runs other plugins' hooks, not its own", async () => {
    const installed = await kit.mutate(kit.members.admin.token, 'installPlugin', target('probe-b'), 'pluginId');
    expect(installed.__typename).toBe('MutationInstallPluginSuccess');
    try {
      const { deliveryId } = await submitOne('Caused by a plugin');
      const event = {
        id: '00000000-0000-4000-8000-00000000c0de',
        seq: '999999',
        accountId: dbId(kit.accountId),
        type: 'delivery.submitted',
        payload: { deliveryId: dbId(deliveryId), status: 'PENDING_APPROVAL', from: 'DRAFT', actorUserId: null, revision: 1, causedByPluginId: 'probe-a' },
        createdAt: kit.clock.now().toISOString(),
      } as unknown as DomainEvent;
      expect(await recordPluginRuns(kit.app.deps, event)).toBe(1);
      const runs = await kit.app.db.prisma.pluginRun.findMany({ where: { eventId: event.id } });
      expect(runs.map((r) => r.pluginId)).toEqual(['probe-b']);
      // And recording it again adds nothing (ON CONFLICT DO NOTHING).
      expect(await recordPluginRuns(kit.app.deps, event)).toBe(0);
    } finally {
      await kit.mutate(kit.members.admin.token, 'uninstallPlugin', target('probe-b'), '');
    }
  });
});

describe('who sees pluginRuns', () => {
  test('members other than ADMINs get FORBIDDEN', async () => {
    for (const member of [kit.members.operator, kit.members.drafter]) {
      const res = await pluginRuns(member.token);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  test('no GraphQL response in this file ever carried the secret', () => {
    expect(responses.length).toBeGreaterThan(10);
    expect(JSON.stringify(responses)).not.toContain(SECRET);
    expect(JSON.stringify(responses)).toContain('[secret]');
  });
});
