import type { Message } from '../../generated/prisma/client.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { ConflictError, NotFoundError, NotRecallableError, RecallWindowExpiredError } from '../../errors.ts';
import type { Deps } from '../accounts/account.service.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../../events/outbox.ts';
import { isRecallable } from '../egress/egress-policy.ts';

/** What the recall could not take back (R-RECALL-6), so the member knows if an apology is still due. */
export type RecallResult = {
  message: Message;
  /** A notification preview had already been pushed to the friend's device. */
  friendNotified: boolean;
  /** The friend had already read it. */
  friendRead: boolean;
  /** The friend had reported it; the report keeps its copy (R-RECALL-4). */
  reported: boolean;
};

async function loadMessage(deps: Deps, messageId: string): Promise<Message> {
  const message = await deps.tx.message.findUnique({ where: { id: messageId } });
  if (!message || !can(deps.actor.ability, 'read', 'Message', message)) throw new NotFoundError('messageId');
  return message;
}

/**
 * R-RECALL-1..6: a member with send permission takes back a chat message
 * they (or a colleague) typed, inside the window. The content goes for both
 * sides and a tombstone stays; reports keep their copies; the audit log
 * records who recalled what and when.
 */
export async function recallMessage(deps: Deps, messageId: string): Promise<RecallResult> {
  const { tx, clock, actor } = deps;
  const message = await loadMessage(deps, messageId);
  assertCan(actor.ability, 'recall', 'Message', message);
  if (message.direction !== 'OUTGOING' || !isRecallable(message.kind)) {
    throw new NotRecallableError(message.kind, message.direction);
  }
  if (message.recalledAt) throw new ConflictError('ALREADY_RECALLED', `This message was already recalled at ${message.recalledAt.toISOString()}.`);
  const now = clock.now();
  const windowEndsAt = new Date(message.sentAt.getTime() + deps.config.recallWindowMs);
  if (now > windowEndsAt) throw new RecallWindowExpiredError(message.sentAt, windowEndsAt);

  // Conditional on "not yet recalled", so two racing recalls cannot both succeed.
  const { count } = await tx.message.updateMany({
    where: { id: message.id, recalledAt: null },
    data: { content: Prisma.DbNull, recalledAt: now, recalledByUserId: actor.userId },
  });
  if (count === 0) throw new ConflictError('ALREADY_RECALLED', 'This message was recalled meanwhile.');
  const reports = await tx.report.count({ where: { messageId: message.id } });
  await recordAudit(deps, {
    accountId: message.accountId,
    actorUserId: actor.userId,
    action: AUDIT.messageRecalled,
    subject: { type: 'Message', id: message.id },
    data: {
      chatId: message.chatId,
      sentAt: message.sentAt.toISOString(),
      contentType: message.contentType,
      friendNotified: message.notifiedAt !== null,
      reported: reports > 0,
    },
  });
  // R-RECALL-3: never silent; both sides' subscribers see the tombstone.
  await recordEvent(deps, {
    accountId: message.accountId,
    type: 'message.recalled',
    payload: { chatId: message.chatId, messageId: message.id, recalledByUserId: actor.userId },
  });
  return {
    message: { ...message, content: null, recalledAt: now, recalledByUserId: actor.userId },
    friendNotified: message.notifiedAt !== null,
    friendRead: message.readByFriendAt !== null,
    reported: reports > 0,
  };
}

/** R-DELETE-1: hides a message from the account's view only; any age, any kind; the friend still sees it. */
export async function hideMessage(deps: Deps, messageId: string): Promise<Message> {
  const { tx, clock, actor } = deps;
  const message = await loadMessage(deps, messageId);
  assertCan(actor.ability, 'hide', 'Message', message);
  if (message.hiddenForAccountAt) return message;
  const hidden = await tx.message.update({
    where: { id: message.id },
    data: { hiddenForAccountAt: clock.now(), hiddenByUserId: actor.userId },
  });
  await recordAudit(deps, {
    accountId: message.accountId,
    actorUserId: actor.userId,
    action: AUDIT.messageHidden,
    subject: { type: 'Message', id: message.id },
    data: { chatId: message.chatId },
  });
  // R-DELETE-1: account-side only; friend streams never carry it.
  await recordEvent(deps, {
    accountId: message.accountId,
    type: 'message.hidden',
    payload: { chatId: message.chatId, messageId: message.id, hiddenByUserId: actor.userId },
  });
  return hidden;
}
