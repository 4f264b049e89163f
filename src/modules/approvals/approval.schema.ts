import { builder } from '../../graphql/builder.ts';
import { ApprovalRequiredError, ApproverNotEligibleError, PluginFailedError, PluginRejectedError } from '../../errors.ts';
import { ErrorInterface } from '../../graphql/error-types.ts';
import { RoleEnum } from '../accounts/account.schema.ts';
import { type ApprovalProgress, approvalProgress, requestedBy, requirementFor, type RequirementSource, storedRequirement } from './approval.service.ts';

const SourceType = builder.objectRef<RequirementSource>('ApprovalRequirementSource').implement({
  description: 'One policy that asked for approvals: the built-in rule (pluginId null) or a plugin.',
  fields: (t) => ({
    pluginId: t.exposeString('pluginId', { nullable: true }),
    policyKey: t.exposeString('policyKey'),
    approvals: t.exposeInt('approvals'),
    roles: t.field({ type: [RoleEnum], resolve: (s) => s.roles }),
    excludeAuthor: t.exposeBoolean('excludeAuthor'),
    reason: t.exposeString('reason', { nullable: true }),
  }),
});

/** The approval state of a delivery revision, as the API shows it. */
export const ApprovalStatusType = builder.objectRef<ApprovalProgress>('DeliveryApprovalStatus').implement({
  description: 'What the current revision needs before it may be sent, and how far it is: the strictest of R-APPROVAL-1 and every enabled plugin.',
  fields: (t) => ({
    requiredApprovals: t.exposeInt('requiredApprovals'),
    approvals: t.int({ description: 'Approvals of this revision that count.', resolve: (p) => p.approvedBy.length }),
    approvedBy: t.exposeIDList('approvedBy', { description: 'User ids whose approvals count.' }),
    eligibleApprovers: t.exposeIDList('eligibleApprovers', { description: 'User ids who may still approve and would count.' }),
    roles: t.field({ type: [RoleEnum], description: 'Roles whose approvals count.', resolve: (p) => p.roles }),
    excludeAuthor: t.exposeBoolean('excludeAuthor', { description: "The author's own approval does not count." }),
    satisfied: t.exposeBoolean('satisfied'),
    requestedBy: t.stringList({ description: 'Plugins that asked for approvals.', resolve: (p) => requestedBy(p) }),
    sources: t.field({ type: [SourceType], resolve: (p) => p.sources }),
  }),
});

builder.prismaObjectField('Delivery', 'approval', (t) =>
  t.field({
    type: ApprovalStatusType,
    nullable: true,
    description:
      'The requirement stored when this revision was submitted (evaluated now for a draft), with the approvals so far. Null when an enabled plugin refuses the delivery: previewDelivery says why. A few statements per delivery: select it on one delivery, not on long lists.',
    select: { id: true },
    resolve: async (row, _args, ctx) => {
      const tx = ctx.deps.db.prisma;
      const delivery = await tx.delivery.findUniqueOrThrow({ where: { id: row.id } });
      const deps = { tx, clock: ctx.deps.clock, actor: ctx.viewer, plugins: ctx.deps.plugins };
      try {
        const requirement = (await storedRequirement(tx, delivery)) ?? (await requirementFor(deps, delivery, 'preview'));
        return await approvalProgress(tx, delivery, requirement);
      } catch (error) {
        if (error instanceof PluginRejectedError || error instanceof PluginFailedError) return null;
        throw error;
      }
    },
  }),
);

builder.objectType(ApprovalRequiredError, {
  name: 'ApprovalRequiredError',
  description: 'APPROVAL_REQUIRED (R-APPROVAL-1): not enough approvals for this revision; names the plugins that asked.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    required: t.exposeInt('required'),
    approvals: t.exposeInt('approvals'),
    requestedBy: t.exposeStringList('requestedBy'),
  }),
});

builder.objectType(ApproverNotEligibleError, {
  name: 'ApproverNotEligibleError',
  description: 'APPROVER_NOT_ELIGIBLE: your approval would not count (you wrote it, or your role is not accepted).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ reason: t.exposeString('reason', { description: 'AUTHOR or ROLE.' }) }),
});

builder.objectType(PluginRejectedError, {
  name: 'PluginRejectedError',
  description: "PLUGIN_REJECTED: an enabled plugin's policy or veto hook refused the step.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    pluginId: t.exposeString('pluginId'),
    step: t.exposeString('step'),
    reason: t.exposeString('reason'),
    details: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.details }),
  }),
});

builder.objectType(PluginFailedError, {
  name: 'PluginFailedError',
  description: 'PLUGIN_FAILED: an enabled plugin threw or timed out; the step was refused and nothing was written.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    pluginId: t.exposeString('pluginId'),
    step: t.exposeString('step'),
    failure: t.exposeString('failure', { description: 'THREW, TIMED_OUT, NOT_LOADED or BAD_CONFIG.' }),
  }),
});

/** Errors every step that runs plugins can return. */
export const PLUGIN_STEP_ERRORS = [PluginRejectedError, PluginFailedError] as const;
