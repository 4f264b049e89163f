import { randomUUID } from 'node:crypto';
import type { Message } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { markEventRecorded } from '../../events/outbox.ts';
import type { EventPayloads } from '../../events/types.ts';
import type { MessageContent } from '../chats/message-content.ts';

export type ChatSend = {
  accountId: string;
  chatId: string;
  senderUserId: string;
  content: MessageContent;
  /** R-SAFE-1: the key's scope and the hash of the request it was first used for. */
  idempotency: { scope: string; key: string; requestHash: string };
  now: Date;
  notifiedAt: Date | null;
};

/**
 * Writes a member's chat message in one statement: the idempotency claim,
 * the message, the chat's last message and the `message.sent` event. A send
 * is the hottest write (every dashboard hears it), and four Prisma writes
 * cost four round trips and most of the request's CPU.
 *
 * Every part hangs off the claim: when the key is already taken (an earlier
 * or racing request with it; ON CONFLICT waits for a racing one to commit)
 * nothing is written and null is returned, for the caller to look the key up.
 */
export async function writeChatSend(tx: Tx, send: ChatSend): Promise<Message | null> {
  const messageId = randomUUID();
  const event: EventPayloads['message.sent'] = { chatId: send.chatId, messageId, senderUserId: send.senderUserId };
  const { scope, key, requestHash } = send.idempotency;
  const rows = await tx.$queryRaw<Message[]>`
    WITH claimed AS (
      INSERT INTO "IdempotencyRecord" ("accountId", scope, key, "requestHash", "resultId", "createdAt")
      VALUES (${send.accountId}::uuid, ${scope}, ${key}, ${requestHash}, ${messageId}::uuid, ${send.now})
      ON CONFLICT DO NOTHING
      RETURNING "resultId"
    ), message AS (
      INSERT INTO "Message" (id, "accountId", "chatId", direction, kind, "senderUserId", "contentType", content, "sentAt", "notifiedAt")
      SELECT "resultId", ${send.accountId}::uuid, ${send.chatId}::uuid, 'OUTGOING'::"MessageDirection", 'CHAT'::"MessageKind",
             ${send.senderUserId}::uuid, ${send.content.type}, ${JSON.stringify(send.content)}::jsonb, ${send.now}, ${send.notifiedAt}::timestamptz
      FROM claimed
      RETURNING *
    ), chat AS (
      UPDATE "Chat" SET "lastMessageAt" = message."sentAt", "lastMessageId" = message.id
      FROM message WHERE "Chat".id = message."chatId"
    ), event AS (
      INSERT INTO "OutboxEvent" ("accountId", type, payload, "createdAt")
      SELECT message."accountId", 'message.sent', ${JSON.stringify(event)}::jsonb, ${send.now} FROM message
    )
    SELECT id::text, seq, "accountId"::text, "chatId"::text, direction::text, kind::text, "senderUserId"::text, "contentType", content,
           "sentAt", "notifiedAt", "readByFriendAt", "recalledAt", "recalledByUserId"::text, "hiddenForAccountAt", "hiddenByUserId"::text
    FROM message`;
  const message = rows[0];
  if (!message) return null;
  markEventRecorded(tx);
  return message;
}
