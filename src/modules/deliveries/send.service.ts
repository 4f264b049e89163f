import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Account, Audience, Delivery } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import type { Clock } from '../../clock.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { AudienceTooSmallError, ConflictError, InvalidTransitionError, NotFoundError } from '../../errors.ts';
import { audienceSize } from '../audiences/audience.service.ts';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../limits.ts';
import type { Deps } from '../accounts/account.service.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { claimIdempotencyKey, recordIdempotentResult } from '../idempotency.ts';
import { recordEvent } from '../../events/outbox.ts';
import { parseInput } from '../validate.ts';
import { QUOTA_KINDS, reserveQuota } from './quota.service.ts';
import { assertApprovalSatisfied } from '../approvals/approval.service.ts';
import { authorRoleInTx, type RunnerDeps, runVetoHook } from '../../plugin-system/runner.ts';

const SendInput = z.object({
  deliveryId: z.string(),
  idempotencyKey: z.string().trim().min(1, 'must not be empty').max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`),
});
const SCOPE = 'sendDelivery';
const SENDER_ROLES = new Set(['ADMIN', 'OPERATOR']);

/**
 * Starts sending a delivery to its audience — every following friend for a
 * broadcast (R-GROUP-5: never groups). In the caller's transaction: checks
 * who may send (R-APPROVAL-1: a draft by a member without send permission
 * must be approved first; members with it may send their own drafts
 * directly), moves it to SENDING, and reserves the quota for every target
 * (R-QUOTA-1), so a refusal writes nothing. The recipients are then written
 * by runFanOut after commit, in batches that survive a crash. The same
 * idempotency key returns the first result.
 */
export async function sendDelivery(deps: Deps & { narrowcastMinTargets: number }, input: { deliveryId: string; idempotencyKey: string }): Promise<Delivery> {
  const data = parseInput(SendInput, input);
  const { tx, clock, actor } = deps;
  const delivery = await tx.delivery.findUnique({ where: { id: data.deliveryId }, include: { account: true, audience: true } });
  if (!delivery || !can(actor.ability, 'read', 'Delivery', delivery)) throw new NotFoundError('deliveryId');
  assertCan(actor.ability, 'send', 'Delivery', delivery);
  const claim = { accountId: delivery.accountId, scope: SCOPE, key: data.idempotencyKey };
  const requestHash = createHash('sha256').update(delivery.id).digest('hex');
  if (await claimIdempotencyKey(tx, { ...claim, requestHash, now: clock.now() })) {
    return tx.delivery.findUniqueOrThrow({ where: { id: delivery.id } });
  }
  await assertSendable(tx, delivery, 'sent');
  await assertPluginsAllowSend(deps, delivery);
  const started = await startSending(deps, delivery, actor.userId);
  await recordIdempotentResult(tx, claim, delivery.id);
  return started;
}

/** R-APPROVAL-1 and R-APPROVAL-2: APPROVED, or a DRAFT its author could have sent directly. */
export async function assertSendable(tx: Tx, delivery: Delivery, step: 'sent' | 'scheduled'): Promise<void> {
  if (delivery.status === 'DRAFT') {
    const authorRole = await authorRoleInTx(tx, delivery);
    if (!authorRole || !SENDER_ROLES.has(authorRole)) {
      throw new ConflictError('APPROVAL_REQUIRED', 'This draft was written by a member without send permission: submit it and have it approved first (R-APPROVAL-1).');
    }
  } else if (delivery.status !== 'APPROVED') {
    throw new InvalidTransitionError(delivery.status, step);
  }
}

/**
 * The approval the enabled plugins' policies require now (not only at submit:
 * a plugin enabled or reconfigured since then counts), and their beforeSend
 * veto hooks, which fail closed. Run for sends and scheduled sends alike.
 */
export async function assertPluginsAllowSend(deps: RunnerDeps, delivery: Delivery): Promise<void> {
  await assertApprovalSatisfied(deps, delivery);
  await runVetoHook(deps, 'beforeSend', delivery);
}

/**
 * Claims the delivery for sending (only from the state it was read in, so
 * racing sends produce one), checks the audience minimum and reserves one
 * quota unit per target. Shared by sendDelivery and scheduled sends.
 */
export async function startSending(
  deps: { tx: Tx; clock: Clock; narrowcastMinTargets: number },
  delivery: Delivery & { account: Account; audience: Audience | null },
  senderUserId: string,
): Promise<Delivery> {
  const { tx } = deps;
  const now = deps.clock.now();
  const claimed = await tx.delivery.updateMany({
    where: { id: delivery.id, status: delivery.status, revision: delivery.revision },
    data: { status: 'SENDING', sendStartedAt: now, sentByUserId: senderUserId, fanOutCursor: null, recipientCount: 0, updatedAt: now },
  });
  if (claimed.count === 0) throw new InvalidTransitionError('SENDING', 'sent');

  const targets = await audienceSize(tx, delivery.accountId, delivery.audience);
  // R-TAG-2: attribute narrowcasts have a minimum; chat-tag audiences have none.
  if (delivery.audience?.kind === 'ATTRIBUTE' && targets < deps.narrowcastMinTargets) {
    throw new AudienceTooSmallError(delivery.accountId, deps.narrowcastMinTargets, targets);
  }
  // Reserved for every target now, before anything is written; the fan-out
  // returns what it did not use (friends who left while it ran).
  const units = QUOTA_KINDS.has(delivery.kind) ? targets : 0;
  if (units > 0) await reserveQuota(tx, delivery.account, units, now);

  const sending = await tx.delivery.update({ where: { id: delivery.id }, data: { quotaReserved: units } });
  await recordAudit(deps, {
    accountId: delivery.accountId,
    actorUserId: senderUserId,
    action: AUDIT.deliverySending,
    subject: { type: 'Delivery', id: delivery.id },
    data: { from: delivery.status, status: 'SENDING', revision: delivery.revision, targets, quotaUnitsReserved: units },
  });
  await recordEvent(deps, {
    accountId: delivery.accountId,
    type: 'delivery.sending',
    payload: { deliveryId: delivery.id, status: 'SENDING', from: delivery.status, actorUserId: senderUserId, revision: delivery.revision, targets },
  });
  return sending;
}
