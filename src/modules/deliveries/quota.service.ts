import type { Account } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { QuotaExceededError } from '../../errors.ts';
import { PLAN_QUOTA } from '../../limits.ts';
import { MessageKind } from '../../generated/prisma/enums.ts';
import { quotaUnitsFor } from '../egress/egress-policy.ts';

/** R-QUOTA-1: the delivery kinds that use one unit per recipient (from the egress table). */
export const QUOTA_KINDS: ReadonlySet<string> = new Set(Object.values(MessageKind).filter((kind) => quotaUnitsFor(kind, 1) > 0));

export function monthlyLimit(account: Pick<Account, 'plan' | 'quotaOverride'>): number {
  return account.quotaOverride ?? PLAN_QUOTA[account.plan];
}

/** Usage is counted per calendar month in UTC. */
export function monthOf(now: Date): { start: Date; resetsAt: Date } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    resetsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

export async function quotaUsed(tx: Tx, accountId: string, now: Date): Promise<number> {
  const row = await tx.quotaUsage.findUnique({ where: { accountId_month: { accountId, month: monthOf(now).start } } });
  return row?.used ?? 0;
}

/**
 * Reserves `units` in one conditional UPDATE: the row lock serialises
 * concurrent sends, so together they can never pass the limit.
 */
export async function reserveQuota(tx: Tx, account: Pick<Account, 'id' | 'plan' | 'quotaOverride'>, units: number, now: Date): Promise<void> {
  const limit = monthlyLimit(account);
  const month = monthOf(now).start;
  await tx.quotaUsage.upsert({ where: { accountId_month: { accountId: account.id, month } }, create: { accountId: account.id, month }, update: {} });
  const { count } = await tx.quotaUsage.updateMany({
    where: { accountId: account.id, month, used: { lte: limit - units } },
    data: { used: { increment: units } },
  });
  if (count === 1) return;
  const used = await quotaUsed(tx, account.id, now);
  throw new QuotaExceededError(account.id, limit, Math.max(0, limit - used), units);
}

/** Returns units reserved for recipients that were not written (friends who left while a send ran). */
export async function releaseQuota(tx: Tx, accountId: string, units: number, reservedAt: Date): Promise<void> {
  await tx.quotaUsage.updateMany({
    where: { accountId, month: monthOf(reservedAt).start },
    data: { used: { decrement: units } },
  });
}
