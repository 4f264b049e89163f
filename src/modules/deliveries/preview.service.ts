import type { Delivery } from '../../generated/prisma/client.ts';
import { can } from '../../auth/ability.ts';
import { AudienceTooSmallError, NotFoundError, PluginFailedError, PluginRejectedError, QuotaExceededError } from '../../errors.ts';
import { type ApprovalProgress, approvalProgress, requirementFor } from '../approvals/approval.service.ts';
import type { Deps } from '../accounts/account.service.ts';
import { audienceSize } from '../audiences/audience.service.ts';
import { monthlyLimit, QUOTA_KINDS, quotaUsed } from './quota.service.ts';

/** Numbers here are statistics (R-STATS-1): the API hides them by the read policy, src/auth/statistics.ts. */
export type Preview = {
  delivery: Delivery;
  accountId: string;
  /** Friends it would reach now. */
  recipientCount: number;
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

/**
 * A refusal described as data: a returned Error would be taken for a field
 * error by GraphQL. `details` are the error's own fields, which keep the
 * error's statistics under the same names (`errorType` says whose).
 */
export type Blocker = { code: string; rule: string | null; message: string; errorType: string; accountId: string; details: Record<string, unknown> };

function asBlocker(accountId: string, error: AudienceTooSmallError | QuotaExceededError | PluginRejectedError | PluginFailedError): Blocker {
  const { code, rule, name: _name, accountId: _accountId, ...details } = error as typeof error & { accountId?: string };
  return { code, rule, message: error.message, errorType: error.name, accountId, details };
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
    blockers.push(asBlocker(delivery.accountId, new AudienceTooSmallError(delivery.accountId, deps.config.narrowcastMinTargets, count)));
  }
  if (quotaUnits > quotaRemaining) blockers.push(asBlocker(delivery.accountId, new QuotaExceededError(delivery.accountId, limit, quotaRemaining, quotaUnits)));

  let approval: ApprovalProgress | null = null;
  try {
    approval = await approvalProgress(tx, delivery, await requirementFor(deps, delivery, 'preview'));
  } catch (error) {
    if (!(error instanceof PluginRejectedError || error instanceof PluginFailedError)) throw error;
    blockers.push(asBlocker(delivery.accountId, error));
  }
  return {
    delivery,
    accountId: delivery.accountId,
    recipientCount: count,
    quotaUnits,
    quotaRemaining,
    approvalRequired: approval ? !approval.satisfied : true,
    approverUserIds: approval?.eligibleApprovers ?? [],
    approval,
    blockers,
  };
}
