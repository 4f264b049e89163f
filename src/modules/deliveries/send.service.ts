import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Delivery } from '../../generated/prisma/client.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { AudienceTooSmallError, ConflictError, InvalidTransitionError, NotFoundError, QuotaExceededError } from '../../errors.ts';
import { audienceCondition, audienceSize } from '../audiences/audience.service.ts';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../limits.ts';
import type { Deps } from '../accounts/account.service.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { claimIdempotencyKey, recordIdempotentResult } from '../idempotency.ts';
import { recordEvent } from '../../events/outbox.ts';
import { parseInput } from '../validate.ts';
import { monthlyLimit, QUOTA_KINDS, quotaUsed, reserveQuota } from './quota.service.ts';

const SendInput = z.object({
  deliveryId: z.string(),
  idempotencyKey: z.string().trim().min(1, 'must not be empty').max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`),
});
const SCOPE = 'sendDelivery';
const SENDER_ROLES = new Set(['ADMIN', 'OPERATOR']);

/**
 * Sends a delivery to its audience — every following friend for a broadcast
 * (R-GROUP-5: never groups) — in one transaction: the recipients and their messages are
 * written set-based, the quota is reserved (R-QUOTA-1), and a failure
 * anywhere writes nothing. R-APPROVAL-1: a draft by a member without send
 * permission must be approved first; members with it may send their own
 * drafts directly. The same idempotency key returns the first result.
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
  if (delivery.status === 'DRAFT') {
    const author = await tx.member.findUnique({ where: { accountId_userId: { accountId: delivery.accountId, userId: delivery.authorUserId } } });
    if (!author || !SENDER_ROLES.has(author.role)) {
      throw new ConflictError('APPROVAL_REQUIRED', 'This draft was written by a member without send permission: submit it and have it approved first (R-APPROVAL-1).');
    }
  } else if (delivery.status !== 'APPROVED') {
    throw new InvalidTransitionError(delivery.status, 'sent');
  }

  const now = clock.now();
  const claimed = await tx.delivery.updateMany({
    where: { id: delivery.id, status: delivery.status, revision: delivery.revision },
    data: { status: 'SENDING', updatedAt: now },
  });
  if (claimed.count === 0) throw new InvalidTransitionError('SENDING', 'sent');

  // Cheap refusals before the fan-out; the exact count is reserved after it.
  const usesQuota = QUOTA_KINDS.has(delivery.kind);
  const targets = await audienceSize(tx, delivery.accountId, delivery.audience);
  // R-TAG-2: attribute narrowcasts have a minimum; chat-tag audiences have none.
  if (delivery.audience?.kind === 'ATTRIBUTE' && targets < deps.narrowcastMinTargets) {
    throw new AudienceTooSmallError(deps.narrowcastMinTargets, targets);
  }
  if (usesQuota) {
    const limit = monthlyLimit(delivery.account);
    const remaining = limit - (await quotaUsed(tx, delivery.accountId, now));
    if (targets > remaining) throw new QuotaExceededError(limit, Math.max(0, remaining), targets);
  }

  const recipients = await tx.$executeRaw`
    WITH targets AS (
      SELECT f.id AS "friendId", c.id AS "chatId", f."notificationsEnabled" AS notify
      FROM "Friend" f JOIN "Chat" c ON c."friendId" = f.id
      WHERE f."accountId" = ${delivery.accountId}::uuid AND f.status = 'FOLLOWING' AND ${audienceCondition(delivery.audience)}
    ), sent AS (
      INSERT INTO "Message" ("accountId", "chatId", direction, kind, "contentType", content, "sentAt", "notifiedAt")
      SELECT ${delivery.accountId}::uuid, t."chatId", 'OUTGOING', ${delivery.kind}::"MessageKind", ${delivery.contentType},
             ${JSON.stringify(delivery.content)}::jsonb, ${now}, CASE WHEN t.notify THEN ${now}::timestamptz END
      FROM targets t
      RETURNING id, "chatId"
    )
    INSERT INTO "DeliveryRecipient" ("deliveryId", "friendId", "messageId", "createdAt")
    SELECT ${delivery.id}::uuid, c."friendId", s.id, ${now} FROM sent s JOIN "Chat" c ON c.id = s."chatId"`;
  await tx.$executeRaw`
    UPDATE "Chat" c SET "lastMessageAt" = ${now}, "lastMessageId" = r."messageId"
    FROM "DeliveryRecipient" r
    WHERE r."deliveryId" = ${delivery.id}::uuid AND c."friendId" = r."friendId"`;
  const units = usesQuota ? recipients : 0;
  if (units > 0) await reserveQuota(tx, delivery.account, units, now);

  const sent = await tx.delivery.update({
    where: { id: delivery.id },
    data: { status: 'SENT', recipientCount: recipients, quotaUnits: units, sentAt: now, sentByUserId: actor.userId, updatedAt: now },
  });
  await recordIdempotentResult(tx, claim, delivery.id);
  await recordAudit(deps, {
    accountId: delivery.accountId,
    actorUserId: actor.userId,
    action: AUDIT.deliverySent,
    subject: { type: 'Delivery', id: delivery.id },
    data: { from: delivery.status, status: 'SENT', revision: delivery.revision, recipients, quotaUnits: units },
  });
  await recordEvent(deps, {
    accountId: delivery.accountId,
    type: 'delivery.sent',
    payload: { deliveryId: delivery.id, status: 'SENT', from: delivery.status, actorUserId: actor.userId, revision: delivery.revision, recipientCount: recipients },
  });
  return sent;
}

