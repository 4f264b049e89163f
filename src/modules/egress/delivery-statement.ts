import type { Audience, Delivery } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { audienceCondition } from '../audiences/audience.service.ts';

export type DeliveryBatch = {
  delivery: Pick<Delivery, 'id' | 'accountId' | 'kind' | 'contentType' | 'content'> & { sendStartedAt: Date };
  audience: Pick<Audience, 'kind' | 'spec'> | null;
  /** The last friend id written so far (the delivery's cursor); null at the start. */
  after: string | null;
  batchSize: number;
  now: Date;
};

/**
 * One batch of a delivery's fan-out in one set-based statement: the next
 * following friends of the audience who had followed when the send started,
 * in id order after the cursor — 1:1 chats only, never groups (R-GROUP-5) —
 * get the message, a recipient row, and their chat points at it.
 */
export async function writeDeliveryBatch(tx: Tx, batch: DeliveryBatch): Promise<{ written: number; last: string | null }> {
  const { delivery, after, now } = batch;
  const [row] = await tx.$queryRaw<{ written: number; last: string | null }[]>`
    WITH targets AS (
      SELECT f.id AS "friendId", c.id AS "chatId", f."notificationsEnabled" AS notify
      FROM "Friend" f JOIN "Chat" c ON c."friendId" = f.id
      WHERE f."accountId" = ${delivery.accountId}::uuid AND f.status = 'FOLLOWING'
        AND f."followedAt" <= ${delivery.sendStartedAt}
        AND (${after}::uuid IS NULL OR f.id > ${after}::uuid)
        AND ${audienceCondition(batch.audience)}
      ORDER BY f.id
      LIMIT ${batch.batchSize}
    ), sent AS (
      INSERT INTO "Message" ("accountId", "chatId", direction, kind, "contentType", content, "sentAt", "notifiedAt")
      SELECT ${delivery.accountId}::uuid, t."chatId", 'OUTGOING', ${delivery.kind}::"MessageKind", ${delivery.contentType},
             ${JSON.stringify(delivery.content)}::jsonb, ${now}, CASE WHEN t.notify THEN ${now}::timestamptz END
      FROM targets t
      RETURNING id, "chatId"
    ), recipients AS (
      INSERT INTO "DeliveryRecipient" ("deliveryId", "friendId", "messageId", "createdAt")
      SELECT ${delivery.id}::uuid, t."friendId", s.id, ${now} FROM sent s JOIN targets t ON t."chatId" = s."chatId"
      RETURNING "friendId"
    ), chats AS (
      UPDATE "Chat" c SET "lastMessageAt" = ${now}, "lastMessageId" = s.id FROM sent s WHERE c.id = s."chatId"
    )
    SELECT (SELECT count(*)::int FROM recipients) AS written,
           (SELECT "friendId"::text FROM recipients ORDER BY "friendId" DESC LIMIT 1) AS last`;
  return { written: row?.written ?? 0, last: row?.last ?? null };
}
