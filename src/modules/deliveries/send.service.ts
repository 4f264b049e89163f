import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Account, Audience, Delivery } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { assertCan, roleMay } from '../../auth/ability.ts';
import { AudienceTooSmallError, ConflictError, InvalidTransitionError } from '../../errors.ts';
import { audienceSize } from '../audiences/audience.service.ts';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../limits.ts';
import type { Deps, TxDeps } from '../../deps.ts';
import { claimIdempotencyKey, recordIdempotentResult } from '../idempotency.ts';
import { parseInput } from '../validate.ts';
import { loadReadable } from '../load-readable.ts';
import { reserveQuota } from './quota.service.ts';
import { quotaUnitsFor } from '../egress/egress-policy.ts';
import { transition } from './lifecycle.ts';
import { assertApprovalSatisfied } from '../approvals/approval.service.ts';
import { authorRoleInTx, type RunnerDeps, runVetoHook } from '../../plugin-system/runner.ts';

const SendInput = z.object({
  deliveryId: z.string(),
  idempotencyKey: z.string().trim().min(1, 'must not be empty').max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`),
});
const SCOPE = 'sendDelivery';

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
export async function sendDelivery(deps: Deps, input: { deliveryId: string; idempotencyKey: string }): Promise<Delivery> {
  const data = parseInput(SendInput, input);
  const { tx, clock, actor } = deps;
  const delivery = await loadReadable<'Delivery', { account: Account; audience: Audience | null }>(deps, 'Delivery', data.deliveryId, {
    include: { account: true, audience: true },
  });
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
    if (!authorRole || !roleMay(authorRole, 'send', 'Delivery', delivery)) {
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
 * Checks the audience minimum, reserves one quota unit per target and
 * claims the delivery for sending — only from the state it was read in, so
 * of racing sends one wins and the others roll back their reservation.
 * Shared by sendDelivery and scheduled sends.
 */
export async function startSending(
  deps: TxDeps,
  delivery: Delivery & { account: Account; audience: Audience | null },
  senderUserId: string,
): Promise<Delivery> {
  const { tx } = deps;
  const now = deps.clock.now();
  const targets = await audienceSize(tx, delivery.accountId, delivery.audience);
  // R-TAG-2: attribute narrowcasts have a minimum; chat-tag audiences have none.
  if (delivery.audience?.kind === 'ATTRIBUTE' && targets < deps.config.narrowcastMinTargets) {
    throw new AudienceTooSmallError(delivery.accountId, deps.config.narrowcastMinTargets, targets);
  }
  // Reserved for every target now, before anything is written; the fan-out
  // returns what it did not use (friends who left while it ran).
  const units = quotaUnitsFor(delivery.kind, targets);
  if (units > 0) await reserveQuota(tx, delivery.account, units, now);
  return transition(deps, delivery, 'startSend', {
    data: { sendStartedAt: now, sentByUserId: senderUserId, fanOutCursor: null, recipientCount: 0, quotaReserved: units },
    actorUserId: senderUserId,
    audit: { targets, quotaUnitsReserved: units },
    event: { targets },
  });
}
