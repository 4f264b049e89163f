import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPluginApp, type PluginKit } from '../../test/plugins/kit.ts';
import { dbId } from '../../test/helpers/scenario.ts';

let kit: PluginKit;
beforeAll(async () => {
  kit = await startPluginApp({ plugin: 'two-person-rule', config: { approvals: 2 } });
});
afterAll(() => kit.close());

describe('two-person-rule: N approvals from members other than the author', () => {
  test('the author cannot be one of the N approvers; the delivery stays PENDING_APPROVAL until N others approved', async () => {
    const { admin, admin2, operator } = kit.members;
    const id = await kit.draft(admin.token, 'Winter menu');
    expect((await kit.submit(admin.token, id)).data.status).toBe('PENDING_APPROVAL');
    expect(await kit.approval(admin.token, id)).toMatchObject({
      requiredApprovals: 2,
      approvals: 0,
      excludeAuthor: true,
      requestedBy: ['two-person-rule'],
    });
    expect((await kit.approval(admin.token, id)).eligibleApprovers).not.toContain(dbId(admin.userId));

    expect(await kit.approve(admin.token, id)).toMatchObject({ __typename: 'ApproverNotEligibleError', code: 'APPROVER_NOT_ELIGIBLE', reason: 'AUTHOR' });
    expect((await kit.approve(operator.token, id)).data.status).toBe('PENDING_APPROVAL');
    expect(await kit.approve(operator.token, id)).toMatchObject({ code: 'ALREADY_APPROVED' });
    // One approval of two: still pending, so it cannot be sent.
    expect(await kit.send(admin.token, id)).toMatchObject({ code: 'INVALID_TRANSITION', status: 'PENDING_APPROVAL' });
    expect((await kit.approve(admin2.token, id)).data.status).toBe('APPROVED');
    const approval = await kit.approval(admin.token, id);
    expect(approval).toMatchObject({ approvals: 2, satisfied: true });
    expect([...approval.approvedBy].sort()).toEqual([dbId(operator.userId), dbId(admin2.userId)].sort());
    expect((await kit.send(admin.token, id)).data.status).toBe('SENT');
    // R-APPROVAL-3: the partial approval is recorded as such, not as "approved".
    const history = await kit.app.db.prisma.auditEvent.findMany({ where: { subjectId: dbId(id) }, orderBy: { seq: 'asc' } });
    expect(history.map((e) => [e.action, (e.data as { approvals?: number }).approvals ?? null])).toEqual([
      ['delivery.created', null],
      ['delivery.submitted', null],
      ['delivery.approval_added', 1],
      ['delivery.approved', 2],
      ['delivery.sending', null],
      ['delivery.sent', null],
    ]);
  });

  test('two approvals racing: both count and the delivery ends APPROVED, not stuck pending', async () => {
    const { drafter, operator, admin2 } = kit.members;
    const id = await kit.draft(drafter.token, 'Race');
    await kit.submit(drafter.token, id);
    const results = await Promise.all([kit.approve(operator.token, id), kit.approve(admin2.token, id)]);
    expect(results.map((r) => r.__typename)).toEqual(['MutationApproveDeliverySuccess', 'MutationApproveDeliverySuccess']);
    expect(await kit.approval(drafter.token, id)).toMatchObject({ approvals: 2, satisfied: true });
    expect((await kit.app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).status).toBe('APPROVED');
  });

  test('admins are not exempt: an ADMIN cannot send their own draft directly', async () => {
    const id = await kit.draft(kit.members.admin.token, 'Flash sale');
    expect(await kit.send(kit.members.admin.token, id)).toMatchObject({ code: 'APPROVAL_REQUIRED', required: 2, approvals: 0, requestedBy: ['two-person-rule'] });
    const row = await kit.app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } });
    expect(row).toMatchObject({ status: 'DRAFT', sentAt: null });
  });

  test('a draft by a member without send permission needs N approvals, not just the built-in one', async () => {
    const { drafter, operator, operator2 } = kit.members;
    const id = await kit.draft(drafter.token, 'New opening hours');
    await kit.submit(drafter.token, id);
    expect((await kit.approve(operator.token, id)).data.status).toBe('PENDING_APPROVAL');
    expect((await kit.approve(operator2.token, id)).data.status).toBe('APPROVED');
  });

  test('re-checked at send time: raising N after approval blocks the send until the extra approval', async () => {
    const { admin, admin2, operator } = kit.members;
    const id = await kit.draft(admin.token, 'Approved under N=2');
    await kit.submit(admin.token, id);
    await kit.approve(operator.token, id);
    expect((await kit.approve(admin2.token, id)).data.status).toBe('APPROVED');
    await kit.configure({ approvals: 3 });
    try {
      expect(await kit.send(admin.token, id)).toMatchObject({
        __typename: 'ApprovalRequiredError',
        code: 'APPROVAL_REQUIRED',
        required: 3,
        approvals: 2,
        requestedBy: ['two-person-rule'],
      });
      expect((await kit.app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).status).toBe('APPROVED');
    } finally {
      await kit.configure({ approvals: 2 });
    }
    expect((await kit.send(admin.token, id)).data.status).toBe('SENT');
  });

  test('roles restrict whose approvals count', async () => {
    await kit.configure({ roles: ['ADMIN'] });
    try {
      const { operator, operator2, admin, admin2 } = kit.members;
      const id = await kit.draft(operator.token, 'Only admins may approve this');
      await kit.submit(operator.token, id);
      expect(await kit.approval(admin.token, id)).toMatchObject({ requiredApprovals: 2, roles: ['ADMIN'] });
      expect(await kit.approve(operator2.token, id)).toMatchObject({ code: 'APPROVER_NOT_ELIGIBLE', reason: 'ROLE' });
      expect((await kit.approve(admin.token, id)).data.status).toBe('PENDING_APPROVAL');
      expect((await kit.approve(admin2.token, id)).data.status).toBe('APPROVED');
    } finally {
      await kit.configure({ roles: null });
    }
  });

  test("a draft's approval field follows a change of N at once (reads outside a transaction are never memoized)", async () => {
    const id = await kit.draft(kit.members.admin.token, 'Spring menu');
    expect(await kit.approval(kit.members.admin.token, id)).toMatchObject({ requiredApprovals: 2 });
    try {
      expect((await kit.configure({ approvals: 3 })).__typename).toBe('MutationConfigurePluginSuccess');
      expect(await kit.approval(kit.members.admin.token, id)).toMatchObject({ requiredApprovals: 3 });
      await kit.setEnabled(false);
      expect(await kit.approval(kit.members.admin.token, id)).toMatchObject({ requiredApprovals: 0, requestedBy: [] });
    } finally {
      await kit.setEnabled(true);
      await kit.configure({ approvals: 2 });
    }
  });

  test('config is validated by the plugin schema: the error names the field', async () => {
    expect(await kit.configure({ approvals: 6 })).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_INPUT', field: 'config.approvals', maxLength: null });
    expect(await kit.configure({ approvals: 'two' })).toMatchObject({ field: 'config.approvals' });
  });

  test('disabled, the plugin has no effect: the built-in rule alone applies again', async () => {
    await kit.setEnabled(false);
    try {
      const id = await kit.draft(kit.members.admin.token, 'Direct send');
      expect((await kit.send(kit.members.admin.token, id)).data.status).toBe('SENT');
    } finally {
      await kit.setEnabled(true);
    }
  });
});
