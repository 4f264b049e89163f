import type { Delivery } from '../../generated/prisma/client.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { ConflictError, InvalidTransitionError, LimitReachedError, NotFoundError } from '../../errors.ts';
import { MAX_TEST_RECIPIENTS } from '../../limits.ts';
import type { Deps } from '../accounts/account.service.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';

/** A member names a friend of the account (their own phone) to receive their test sends. */
export async function addTestRecipient(deps: Deps, friendId: string): Promise<string[]> {
  const { tx, clock, actor } = deps;
  const friend = await tx.friend.findUnique({ where: { id: friendId } });
  if (!friend || !can(actor.ability, 'read', 'Friend', friend)) throw new NotFoundError('friendId');
  const mine = { accountId: friend.accountId, userId: actor.userId };
  // Serialise this member's additions so two at once cannot pass the limit.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`test-recipients:${friend.accountId}:${actor.userId}`}))`;
  const existing = await tx.testRecipient.findMany({ where: mine, select: { friendId: true } });
  if (!existing.some((r) => r.friendId === friend.id)) {
    if (existing.length >= MAX_TEST_RECIPIENTS) {
      throw new LimitReachedError('TEST_RECIPIENT_LIMIT_REACHED', MAX_TEST_RECIPIENTS, `You already have ${MAX_TEST_RECIPIENTS} test recipients in this account.`);
    }
    await tx.testRecipient.create({ data: { ...mine, friendId: friend.id, createdAt: clock.now() } });
  }
  return [...new Set([...existing.map((r) => r.friendId), friend.id])];
}

/**
 * R-SAFE-1: sends the delivery's current text to the sender's own test
 * recipients only — never anyone else — in any state before SENT. It needs
 * no approval and uses no quota; the delivery itself does not change state.
 */
export async function sendTestDelivery(deps: Deps, deliveryId: string): Promise<{ delivery: Delivery; recipientCount: number }> {
  const { tx, clock, actor } = deps;
  const delivery = await tx.delivery.findUnique({ where: { id: deliveryId } });
  if (!delivery || !can(actor.ability, 'read', 'Delivery', delivery)) throw new NotFoundError('deliveryId');
  assertCan(actor.ability, 'create', 'Delivery', delivery);
  if (['SENDING', 'SENT', 'CANCELLED'].includes(delivery.status)) throw new InvalidTransitionError(delivery.status, 'test-sent');
  const now = clock.now();
  const sent = await tx.$executeRaw`
    WITH targets AS (
      SELECT c.id AS "chatId", f."notificationsEnabled" AS notify
      FROM "TestRecipient" t
      JOIN "Friend" f ON f.id = t."friendId" AND f.status = 'FOLLOWING'
      JOIN "Chat" c ON c."friendId" = f.id
      WHERE t."accountId" = ${delivery.accountId}::uuid AND t."userId" = ${actor.userId}::uuid
    )
    INSERT INTO "Message" ("accountId", "chatId", direction, kind, "senderUserId", "contentType", content, "sentAt", "notifiedAt")
    SELECT ${delivery.accountId}::uuid, t."chatId", 'OUTGOING', ${delivery.kind}::"MessageKind", ${actor.userId}::uuid, ${delivery.contentType},
           ${JSON.stringify(delivery.content)}::jsonb, ${now}, CASE WHEN t.notify THEN ${now}::timestamptz END
    FROM targets t`;
  if (sent === 0) {
    throw new ConflictError('NO_TEST_RECIPIENTS', 'You have no test recipient who follows the account: add your own friend account with addTestRecipient.');
  }
  const updated = await tx.delivery.update({ where: { id: delivery.id }, data: { testSendCount: { increment: 1 } } });
  await recordAudit(deps, {
    accountId: delivery.accountId,
    actorUserId: actor.userId,
    action: AUDIT.deliveryTestSent,
    subject: { type: 'Delivery', id: delivery.id },
    data: { revision: delivery.revision, status: delivery.status, recipients: sent },
  });
  return { delivery: updated, recipientCount: sent };
}
