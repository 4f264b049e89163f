import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Chat, FriendStatus, Message } from '../../generated/prisma/client.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { ConflictError, FriendNotReachableError, NotFoundError } from '../../errors.ts';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../limits.ts';
import type { Deps } from '../accounts/account.service.ts';
import type { FriendDeps } from '../friends/friend.service.ts';
import { findIdempotentResult } from '../idempotency.ts';
import { egress } from '../egress/gate.ts';
import { recordEvent } from '../../events/outbox.ts';
import { parseInput } from '../validate.ts';
import { loadReadable } from '../load-readable.ts';
import { MessageContent } from './message-content.ts';

const ContentInput = z.object({ content: MessageContent });

/** Loads a chat the member may read; any other id is NOT_FOUND (tenancy). */
export async function loadChat(deps: Deps, chatId: string): Promise<Chat & { friend: { status: FriendStatus; notificationsEnabled: boolean } }> {
  return loadReadable(deps, 'Chat', chatId, { include: { friend: { select: { status: true, notificationsEnabled: true } } } });
}

/**
 * The friend writes to the account. The first message opens the chat for
 * members (R-CHAT-1); every one counts as unread for the account.
 */
export async function friendSendMessage(deps: FriendDeps, input: { content: unknown }): Promise<Message> {
  const { content } = parseInput(ContentInput, input);
  const { tx, clock, friend } = deps;
  const now = clock.now();
  const chat = await tx.chat.findUniqueOrThrow({ where: { friendId: friend.friendId } });
  const message = await tx.message.create({
    data: {
      accountId: friend.accountId,
      chatId: chat.id,
      direction: 'INCOMING',
      kind: 'CHAT',
      contentType: content.type,
      content,
      sentAt: now,
    },
  });
  await tx.chat.update({
    where: { id: chat.id },
    data: { openedAt: chat.openedAt ?? now, lastMessageAt: now, lastMessageId: message.id, unreadCount: { increment: 1 } },
  });
  await recordEvent(deps, { accountId: friend.accountId, type: 'message.received', payload: { chatId: chat.id, messageId: message.id } });
  return message;
}

const SendInput = z.object({
  chatId: z.string(),
  content: MessageContent,
  idempotencyKey: z.string().trim().min(1, 'must not be empty').max(MAX_IDEMPOTENCY_KEY_LENGTH, `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`),
});

const SEND_SCOPE = 'sendChatMessage';

/**
 * A member with send permission (R-MEMBER-2) types into an open chat
 * (R-CHAT-1). Idempotent (R-SAFE-1): the same key returns the first message,
 * also when two requests race, and a key reused for another request is refused.
 */
export async function sendChatMessage(deps: Deps, input: { chatId: string; content: unknown; idempotencyKey: string }): Promise<Message> {
  const data = parseInput(SendInput, input);
  const { tx, actor } = deps;
  const chat = await loadChat(deps, data.chatId);

  const requestHash = createHash('sha256').update(JSON.stringify([chat.id, data.content])).digest('hex');
  const idempotency = { scope: SEND_SCOPE, key: data.idempotencyKey, requestHash };
  const firstResult = async () => {
    const previous = await findIdempotentResult(tx, { accountId: chat.accountId, ...idempotency });
    return previous && tx.message.findUniqueOrThrow({ where: { id: previous.resultId } });
  };

  let message: Message | null;
  try {
    message = await egress(deps, { kind: 'CHAT', actor, chat, content: data.content, idempotency });
  } catch (error) {
    // A retry of a send that went through returns its message, even if the
    // friend has blocked since (R-SAFE-1); only a new send is refused.
    if (error instanceof FriendNotReachableError || (error instanceof ConflictError && error.code === 'CHAT_NOT_OPEN')) {
      const first = await firstResult();
      if (first) return first;
    }
    throw error;
  }
  if (message) return message;
  // The key was taken by an earlier request, or a racing one that has committed.
  const first = await firstResult();
  if (!first) throw new Error(`idempotency key ${data.idempotencyKey} conflicted but has no record`);
  return first;
}

/** The account has read the chat: its unread count returns to zero. */
export async function markChatRead(deps: Deps, chatId: string): Promise<Chat> {
  const chat = await loadChat(deps, chatId);
  assertCan(deps.actor.ability, 'update', 'Chat', chat);
  const read = await deps.tx.chat.update({ where: { id: chat.id }, data: { unreadCount: 0 } });
  await recordEvent(deps, { accountId: chat.accountId, type: 'chat.read', payload: { chatId: chat.id, readByUserId: deps.actor.userId } });
  return read;
}

/** The friend has read the account's messages so far (R-RECALL-6 reports it). */
export async function friendMarkRead(deps: FriendDeps): Promise<number> {
  const chat = await deps.tx.chat.findUniqueOrThrow({ where: { friendId: deps.friend.friendId }, select: { id: true } });
  const { count } = await deps.tx.message.updateMany({
    where: { chatId: chat.id, direction: 'OUTGOING', readByFriendAt: null },
    data: { readByFriendAt: deps.clock.now() },
  });
  // Nothing newly read is no news for the dashboards.
  if (count > 0) await recordEvent(deps, { accountId: deps.friend.accountId, type: 'chat.read_by_friend', payload: { chatId: chat.id, count } });
  return count;
}

