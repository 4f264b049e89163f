import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { dbId } from '../helpers/scenario.ts';
import { startPluginApp, type PluginKit } from './kit.ts';

// Two probe plugins loaded from paths (PLUGINS), both installed on the kit's
// account; each test sets what their policies answer and their hooks do.
let kit: PluginKit;
const HOOK_TIMEOUT_MS = 300;
beforeAll(async () => {
  kit = await startPluginApp({
    plugin: 'probe-a',
    env: { PLUGINS: './test/plugins/fixtures/probe-a.ts, ./test/plugins/fixtures/probe-b.ts', PLUGIN_HOOK_TIMEOUT: `${HOOK_TIMEOUT_MS}ms` },
  });
  const installed = await kit.mutate(kit.members.admin.token, 'installPlugin', {
    accountId: { type: 'ID!', value: kit.accountId },
    pluginId: { type: 'String!', value: 'probe-b' },
  }, 'pluginId');
  expect(installed.__typename).toBe('MutationInstallPluginSuccess');
});
afterAll(() => kit.close());

const RESET = { policy: 'abstain', approvals: 1, roles: null, excludeAuthor: false, beforeSubmit: 'pass', beforeApprove: 'pass', beforeSend: 'pass' };
const configure = async (pluginId: 'probe-a' | 'probe-b', config: Record<string, unknown>) => {
  const res = await kit.mutate(kit.members.admin.token, 'configurePlugin', {
    accountId: { type: 'ID!', value: kit.accountId },
    pluginId: { type: 'String!', value: pluginId },
    config: { type: 'JSON!', value: { ...RESET, ...config } },
  }, 'pluginId');
  expect(res.__typename).toBe('MutationConfigurePluginSuccess');
};
const setEnabled = (pluginId: string, enabled: boolean) =>
  kit.mutate(kit.members.admin.token, enabled ? 'enablePlugin' : 'disablePlugin', {
    accountId: { type: 'ID!', value: kit.accountId },
    pluginId: { type: 'String!', value: pluginId },
  }, 'enabled');

beforeEach(async () => {
  await configure('probe-a', {});
  await configure('probe-b', {});
});

/** Everything a refused step must not have written. */
async function snapshot() {
  const prisma = kit.app.db.prisma;
  return {
    audit: await prisma.auditEvent.count(),
    approvals: await prisma.deliveryApproval.count(),
    requests: await prisma.approvalRequest.count(),
    messages: await prisma.message.count(),
    quota: await prisma.quotaUsage.count(),
    state: await prisma.pluginState.count(),
    idempotency: await prisma.idempotencyRecord.count(),
  };
}
const statusOf = async (id: string) => (await kit.app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).status;

describe('policies combine: any reject wins, otherwise the strictest requirement', () => {
  test('the strictest approvals count wins, and the approval field says which plugin asked', async () => {
    await configure('probe-a', { policy: 'require', approvals: 2 });
    await configure('probe-b', { policy: 'require', approvals: 3 });
    const id = await kit.draft(kit.members.drafter.token, 'Combine me');
    expect((await kit.submit(kit.members.drafter.token, id)).data.status).toBe('PENDING_APPROVAL');
    const approval = await kit.approval(kit.members.admin.token, id);
    expect(approval).toMatchObject({ requiredApprovals: 3, approvals: 0, satisfied: false, requestedBy: ['probe-a', 'probe-b'] });
    expect(approval.sources).toEqual([
      expect.objectContaining({ pluginId: null, policyKey: 'R-APPROVAL-1', approvals: 1 }),
      expect.objectContaining({ pluginId: 'probe-a', policyKey: 'probe', approvals: 2, reason: 'probe-a wants 2' }),
      expect.objectContaining({ pluginId: 'probe-b', policyKey: 'probe', approvals: 3, reason: 'probe-b wants 3' }),
    ]);
    const { admin, admin2, operator } = kit.members;
    expect((await kit.approve(admin.token, id)).data.status).toBe('PENDING_APPROVAL');
    expect((await kit.approve(operator.token, id)).data.status).toBe('PENDING_APPROVAL');
    expect((await kit.approve(admin2.token, id)).data.status).toBe('APPROVED');
  });

  test('a reject beats any requirement: the submit is refused naming the plugin and reason; nothing is written', async () => {
    await configure('probe-a', { policy: 'require', approvals: 5 });
    await configure('probe-b', { policy: 'reject' });
    const id = await kit.draft(kit.members.drafter.token, 'Reject me');
    const before = await snapshot();
    expect(await kit.submit(kit.members.drafter.token, id)).toMatchObject({
      __typename: 'PluginRejectedError',
      code: 'PLUGIN_REJECTED',
      pluginId: 'probe-b',
      step: 'submit',
      reason: 'probe-b rejects this',
      details: { matched: ['probe'] },
    });
    expect(await statusOf(id)).toBe('DRAFT');
    expect(await snapshot()).toEqual(before);
  });

  test('roles narrow to what every plugin accepts, and excludeAuthor holds if any plugin asks', async () => {
    await configure('probe-a', { policy: 'require', approvals: 1, roles: ['ADMIN'] });
    await configure('probe-b', { policy: 'require', approvals: 1, excludeAuthor: true });
    const { admin, admin2, operator } = kit.members;
    const id = await kit.draft(admin.token, 'Roles and author');
    await kit.submit(admin.token, id);
    expect(await kit.approval(admin.token, id)).toMatchObject({ requiredApprovals: 1, roles: ['ADMIN'], excludeAuthor: true });
    expect(await kit.approve(operator.token, id)).toMatchObject({ code: 'APPROVER_NOT_ELIGIBLE', reason: 'ROLE' });
    expect(await kit.approve(admin.token, id)).toMatchObject({ code: 'APPROVER_NOT_ELIGIBLE', reason: 'AUTHOR' });
    expect((await kit.approve(admin2.token, id)).data.status).toBe('APPROVED');
  });

  test('disjoint approver roles leave no one who may approve: refused at submit', async () => {
    await configure('probe-a', { policy: 'require', approvals: 1, roles: ['ADMIN'] });
    await configure('probe-b', { policy: 'require', approvals: 1, roles: ['OPERATOR'] });
    const id = await kit.draft(kit.members.drafter.token, 'Nobody can approve');
    expect(await kit.submit(kit.members.drafter.token, id)).toMatchObject({ code: 'PLUGIN_REJECTED', pluginId: 'probe-a' });
  });

  test('with every plugin abstaining the built-in rule holds: a sender sends their own draft directly', async () => {
    const id = await kit.draft(kit.members.operator.token, 'Nothing to say');
    expect((await kit.send(kit.members.operator.token, id)).data.status).toBe('SENT');
    const drafted = await kit.draft(kit.members.drafter.token, 'Needs one');
    await kit.submit(kit.members.drafter.token, drafted);
    expect(await kit.approval(kit.members.admin.token, drafted)).toMatchObject({ requiredApprovals: 1, requestedBy: [] });
  });

  test('a reject is re-checked at send time, and previewDelivery shows it as a blocker', async () => {
    const id = await kit.draft(kit.members.admin.token, 'Fine at first');
    await configure('probe-a', { policy: 'reject' });
    const preview = await kit.gql(
      `mutation($d: ID!) { previewDelivery(deliveryId: $d) { ... on MutationPreviewDeliverySuccess { data { approvalRequired approval { requiredApprovals } blockers { code details } } } } }`,
      { d: id },
      kit.members.admin.token,
    );
    expect(preview.data.previewDelivery.data).toMatchObject({ approval: null, blockers: [{ code: 'PLUGIN_REJECTED', details: { pluginId: 'probe-a', reason: 'probe-a rejects this' } }] });
    const before = await snapshot();
    expect(await kit.send(kit.members.admin.token, id)).toMatchObject({ code: 'PLUGIN_REJECTED', pluginId: 'probe-a', step: 'send' });
    expect(await snapshot()).toEqual(before);
  });

  test('previewDelivery shows the combined requirement', async () => {
    await configure('probe-b', { policy: 'require', approvals: 2, excludeAuthor: true });
    const id = await kit.draft(kit.members.admin.token, 'Preview me');
    const preview = await kit.gql(
      `mutation($d: ID!) { previewDelivery(deliveryId: $d) { ... on MutationPreviewDeliverySuccess { data { approvalRequired approverUserIds approval { requiredApprovals excludeAuthor requestedBy } } } } }`,
      { d: id },
      kit.members.admin.token,
    );
    const data = preview.data.previewDelivery.data;
    expect(data).toMatchObject({ approvalRequired: true, approval: { requiredApprovals: 2, excludeAuthor: true, requestedBy: ['probe-b'] } });
    expect(data.approverUserIds).not.toContain(dbId(kit.members.admin.userId));
  });
});

describe('veto hooks fail closed', () => {
  test.each([
    ['throws', 'throw', { code: 'PLUGIN_FAILED', pluginId: 'probe-b', step: 'send', failure: 'THREW' }],
    ['hangs', 'hang', { code: 'PLUGIN_FAILED', pluginId: 'probe-b', step: 'send', failure: 'TIMED_OUT' }],
    ['vetoes', 'veto', { code: 'PLUGIN_REJECTED', pluginId: 'probe-b', step: 'send', reason: 'probe says no to beforeSend' }],
  ])('a beforeSend hook that %s blocks the send, names the plugin, and nothing is written', async (_label, behaviour, expected) => {
    // probe-a writes its state first: the refusal must roll that back too.
    await configure('probe-a', { beforeSend: 'write' });
    await configure('probe-b', { beforeSend: behaviour });
    const id = await kit.draft(kit.members.admin.token, `Hook ${behaviour}`);
    const before = await snapshot();
    const started = Date.now();
    expect(await kit.send(kit.members.admin.token, id)).toMatchObject(expected);
    if (behaviour === 'hang') expect(Date.now() - started).toBeGreaterThanOrEqual(HOOK_TIMEOUT_MS - 20);
    expect(await statusOf(id)).toBe('DRAFT');
    expect(await snapshot()).toEqual(before);
    // The same key works once the plugin behaves: the refused attempt claimed nothing.
    await configure('probe-b', {});
    expect((await kit.send(kit.members.admin.token, id)).data.status).toBe('SENT');
    expect(await kit.app.db.prisma.pluginState.count({ where: { key: 'beforeSend-ran' } })).toBe(1);
  });

  test('beforeSubmit and beforeApprove hooks refuse their steps the same way', async () => {
    await configure('probe-a', { beforeSubmit: 'throw' });
    const id = await kit.draft(kit.members.drafter.token, 'Submit hook');
    expect(await kit.submit(kit.members.drafter.token, id)).toMatchObject({ code: 'PLUGIN_FAILED', pluginId: 'probe-a', step: 'submit', failure: 'THREW' });
    expect(await statusOf(id)).toBe('DRAFT');
    await configure('probe-a', { beforeApprove: 'hang' });
    expect((await kit.submit(kit.members.drafter.token, id)).data.status).toBe('PENDING_APPROVAL');
    const before = await snapshot();
    expect(await kit.approve(kit.members.admin.token, id)).toMatchObject({ code: 'PLUGIN_FAILED', pluginId: 'probe-a', step: 'approve', failure: 'TIMED_OUT' });
    expect(await snapshot()).toEqual(before);
    expect(await statusOf(id)).toBe('PENDING_APPROVAL');
  });

  test('a disabled plugin has no effect: its throwing hook and rejecting policy are not run', async () => {
    await configure('probe-b', { policy: 'reject', beforeSubmit: 'throw', beforeSend: 'throw' });
    expect((await setEnabled('probe-b', false)).data.enabled).toBe(false);
    try {
      const id = await kit.draft(kit.members.drafter.token, 'Disabled plugin');
      expect((await kit.submit(kit.members.drafter.token, id)).data.status).toBe('PENDING_APPROVAL');
      expect((await kit.approve(kit.members.admin.token, id)).data.status).toBe('APPROVED');
      expect((await kit.send(kit.members.admin.token, id)).data.status).toBe('SENT');
    } finally {
      await setEnabled('probe-b', true);
    }
  });

  test('a plugin enabled on the account but no longer loaded blocks the steps it guarded, until an ADMIN disables it', async () => {
    const prisma = kit.app.db.prisma;
    const now = kit.clock.now();
    await prisma.pluginInstallation.create({ data: { accountId: dbId(kit.accountId), pluginId: 'gone-plugin', config: {}, version: '1.0.0', createdAt: now, updatedAt: now } });
    const id = await kit.draft(kit.members.admin.token, 'Orphan');
    expect(await kit.send(kit.members.admin.token, id)).toMatchObject({ code: 'PLUGIN_FAILED', pluginId: 'gone-plugin', failure: 'NOT_LOADED' });
    expect((await setEnabled('gone-plugin', false)).data.enabled).toBe(false);
    expect((await kit.send(kit.members.admin.token, id)).data.status).toBe('SENT');
  });
});
