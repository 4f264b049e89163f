import type { Delivery } from '../../generated/prisma/client.ts';
import { can } from '../../auth/ability.ts';
import { AudienceTooSmallError, NotFoundError, PluginFailedError, PluginRejectedError, QuotaExceededError } from '../../errors.ts';
import { type ApprovalProgress, approvalProgress, requirementFor } from '../approvals/approval.service.ts';
import type { Deps } from '../accounts/account.service.ts';
import { audienceSize } from '../audiences/audience.service.ts';
import { monthlyLimit, QUOTA_KINDS, quotaUsed } from './quota.service.ts';

export type Preview = {
  delivery: Delivery;
  /** Friends it would reach now; null for roles without statistics (R-MEMBER-2). */
  recipientCount: number | null;
  quotaUnits: number;
  quotaRemaining: number;
  /** R-APPROVAL-1 and plugin policies: whether approvals are still missing. */
  approvalRequired: boolean;
  /** Members whose approval would still count. */
  approverUserIds: string[];
  /** The requirement as a send now would check it; null when a plugin refuses the delivery (see blockers). */
  approval: ApprovalProgress | null;
  /** What sending now would be refused with, if anything (R-SAFE-1: caught before sending). */
  blockers: Blocker[];
};

/** A refusal described as data: a returned Error would be taken for a field error by GraphQL. */
export type Blocker = { code: string; rule: string | null; message: string } & Record<string, unknown>;

function asBlocker(error: AudienceTooSmallError | QuotaExceededError | PluginRejectedError | PluginFailedError): Blocker {
  return { ...error, code: error.code, rule: error.rule, message: error.message };
}

/** R-SAFE-1: what a send would do, computed the same way the send does, writing nothing. */
export async function previewDelivery(deps: Deps, deliveryId: string): Promise<Preview> {
  const { tx, clock, actor } = deps;
  const delivery = await tx.delivery.findUnique({ where: { id: deliveryId }, include: { account: true, audience: true } });
  if (!delivery || !can(actor.ability, 'read', 'Delivery', delivery)) throw new NotFoundError('deliveryId');
  const now = clock.now();
  const count = await audienceSize(tx, delivery.accountId, delivery.audience);
  const quotaUnits = QUOTA_KINDS.has(delivery.kind) ? count : 0;
  const limit = monthlyLimit(delivery.account);
  const quotaRemaining = Math.max(0, limit - (await quotaUsed(tx, delivery.accountId, now)));
  const blockers: Preview['blockers'] = [];
  if (delivery.audience?.kind === 'ATTRIBUTE' && count < deps.config.narrowcastMinTargets) {
    blockers.push(asBlocker(new AudienceTooSmallError(deps.config.narrowcastMinTargets, count)));
  }
  if (quotaUnits > quotaRemaining) blockers.push(asBlocker(new QuotaExceededError(limit, quotaRemaining, quotaUnits)));

  let approval: ApprovalProgress | null = null;
  try {
    approval = await approvalProgress(tx, delivery, await requirementFor(deps, delivery, 'preview'));
  } catch (error) {
    if (!(error instanceof PluginRejectedError || error instanceof PluginFailedError)) throw error;
    blockers.push(asBlocker(error));
  }
  return {
    delivery,
    recipientCount: can(actor.ability, 'readStats', 'Account', { id: delivery.accountId }) ? count : null,
    quotaUnits,
    quotaRemaining,
    approvalRequired: approval ? !approval.satisfied : true,
    approverUserIds: approval?.eligibleApprovers ?? [],
    approval,
    blockers,
  };
}
