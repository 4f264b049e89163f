import type { Tx } from '../../db/client.ts';
import { markEventRecorded } from '../../events/outbox.ts';
import type { MessageContent } from '../chats/message-content.ts';

export type TestSend = { accountId: string; senderUserId: string; content: MessageContent; now: Date };

/**
 * Writes one TEST message into the chat of each of the sender's own linked
 * test recipients who still follow (R-SAFE-2), points those chats at it and
 * records a `message.sent` event per message, in one statement. The targets
 * come only from the sender's TestRecipient rows: no argument can name a
 * friend. Returns how many messages were written.
 */
export async function writeTestSend(tx: Tx, send: TestSend): Promise<number> {
  const [row] = await tx.$queryRaw<{ written: number }[]>`
    WITH targets AS (
      SELECT c.id AS "chatId", f."notificationsEnabled" AS notify
      FROM "TestRecipient" t
      JOIN "Friend" f ON f.id = t."friendId" AND f.status = 'FOLLOWING' AND f."accountId" = t."accountId"
      JOIN "Chat" c ON c."friendId" = f.id
      WHERE t."accountId" = ${send.accountId}::uuid AND t."userId" = ${send.senderUserId}::uuid
    ), sent AS (
      INSERT INTO "Message" ("accountId", "chatId", direction, kind, "senderUserId", "contentType", content, "sentAt", "notifiedAt")
      SELECT ${send.accountId}::uuid, t."chatId", 'OUTGOING', 'TEST', ${send.senderUserId}::uuid, ${send.content.type},
             ${JSON.stringify(send.content)}::jsonb, ${send.now}, CASE WHEN t.notify THEN ${send.now}::timestamptz END
      FROM targets t
      RETURNING id, "chatId"
    ), chats AS (
      UPDATE "Chat" c SET "lastMessageAt" = ${send.now}, "lastMessageId" = s.id FROM sent s WHERE c.id = s."chatId"
    ), events AS (
      INSERT INTO "OutboxEvent" ("accountId", type, payload, "createdAt")
      SELECT ${send.accountId}::uuid, 'message.sent',
             jsonb_build_object('chatId', s."chatId"::text, 'messageId', s.id::text, 'senderUserId', ${send.senderUserId}::text), ${send.now}
      FROM sent s
    )
    SELECT count(*)::int AS written FROM sent`;
  const written = row?.written ?? 0;
  if (written > 0) markEventRecorded(tx);
  return written;
}
