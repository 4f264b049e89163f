// Friends with open chats, seeded set-based (INSERT … SELECT generate_series)
// in one transaction, independent of Dengon's services like seed.ts.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export type SeededChats = {
  /** Chat ids (uuids), most recent activity first: the order chat lists return. */
  chatIds: string[];
  /** Relay global ids of the same chats, same order. */
  chatGlobalIds: string[];
};

export const chatGlobalId = (id: string) => Buffer.from(`Chat:${id}`).toString('base64url');

/**
 * `count` FOLLOWING friends of the account, each with a chat the friend opened
 * by writing one text message (INCOMING, kind CHAT): openedAt, lastMessageAt
 * and lastMessageId set, one unread, as Dengon's friendSendMessage leaves it.
 * Friend n wrote n seconds after friend n-1, so the list order is fixed by
 * lastMessageAt, not by the id tie-break.
 */
export async function seedChats(pool: pg.Pool, accountId: string, count: number): Promise<SeededChats> {
  // Ids derived from a per-call seed and n, so every statement can find the
  // rows of the previous one without carrying generated ids around.
  const seed = randomUUID();
  const start = new Date(Date.now() - (count + 60) * 1000);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "Friend" (id, "accountId", "displayName", status, "followedAt", "statusChangedAt")
       SELECT md5($1 || ':friend:' || n)::uuid, $2, 'Friend ' || n, 'FOLLOWING', $3::timestamptz + n * interval '1 second', $3::timestamptz + n * interval '1 second'
         FROM generate_series(1, $4::int) AS n`,
      [seed, accountId, start, count],
    );
    // lastMessageId after the messages: the two foreign keys point at each other.
    await client.query(
      `INSERT INTO "Chat" (id, "accountId", "friendId", "openedAt", "lastMessageAt", "unreadCount", "createdAt")
       SELECT md5($1 || ':chat:' || n)::uuid, $2, md5($1 || ':friend:' || n)::uuid,
              $3::timestamptz + n * interval '1 second' + interval '10 second', $3::timestamptz + n * interval '1 second' + interval '10 second', 1,
              $3::timestamptz + n * interval '1 second'
         FROM generate_series(1, $4::int) AS n`,
      [seed, accountId, start, count],
    );
    await client.query(
      `INSERT INTO "Message" (id, "accountId", "chatId", direction, kind, "contentType", content, "sentAt")
       SELECT md5($1 || ':message:' || n)::uuid, $2, md5($1 || ':chat:' || n)::uuid, 'INCOMING', 'CHAT', 'text',
              jsonb_build_object('type', 'text', 'text', 'Hello, this is friend ' || n || '. Is the shop open on Sunday?'),
              $3::timestamptz + n * interval '1 second' + interval '10 second'
         FROM generate_series(1, $4::int) AS n`,
      [seed, accountId, start, count],
    );
    await client.query(
      `UPDATE "Chat" c SET "lastMessageId" = md5($1 || ':message:' || n)::uuid
         FROM generate_series(1, $2::int) AS n WHERE c.id = md5($1 || ':chat:' || n)::uuid`,
      [seed, count],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  // Fresh rows have no statistics; without them the planner guesses.
  await pool.query('ANALYZE');
  const ids = await pool.query<{ id: string }>(`SELECT id FROM "Chat" WHERE "accountId" = $1 ORDER BY "lastMessageAt" DESC, id DESC`, [accountId]);
  if (ids.rowCount !== count) throw new Error(`seeded ${ids.rowCount} chats instead of ${count}`);
  const chatIds = ids.rows.map((r) => r.id);
  return { chatIds, chatGlobalIds: chatIds.map(chatGlobalId) };
}
