// The statements the chat baselines run (S3 chat list, S4 chat send), written
// once so the baselines differ only in what sits above the SQL. Like
// members-sql.ts, deliberately independent of Dengon's code: plain pg, plain crypto.
import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';

export type ChatRow = {
  id: string;
  unreadCount: number;
  displayName: string;
  sentAt: Date | null;
  content: { type: string; text?: string } | null;
};

export function chatGlobalId(id: string): string {
  return Buffer.from(`Chat:${id}`).toString('base64url');
}

export function messageGlobalId(id: string): string {
  return Buffer.from(`Message:${id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** "Chat:<uuid>" in base64url; null for anything else. */
export function chatIdOf(globalId: string): string | null {
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const id = text.startsWith('Chat:') ? text.slice('Chat:'.length) : '';
  return UUID.test(id) ? id : null;
}

/** Opened chats, most recent activity first, with the friend and the last message: one statement. */
export async function listChats(pool: pg.Pool, accountId: string, limit: number): Promise<ChatRow[]> {
  const result = await pool.query<ChatRow>(
    `SELECT c.id, c."unreadCount", f."displayName", m."sentAt", m.content
       FROM "Chat" c
       JOIN "Friend" f ON f.id = c."friendId"
       LEFT JOIN "Message" m ON m.id = c."lastMessageId"
      WHERE c."accountId" = $1 AND c."openedAt" IS NOT NULL
      ORDER BY c."lastMessageAt" DESC, c.id DESC
      LIMIT $2`,
    [accountId, limit],
  );
  return result.rows;
}

/** The GraphQL shape of `content { ... on TextContent { text } }`. */
export function textOnly(content: ChatRow['content']): { text?: string } | null {
  if (!content) return null;
  return content.type === 'text' ? { text: content.text } : {};
}

// --- S4: one member sends a text into a chat --------------------------------

export type SendResult =
  | { ok: true; id: string; sentAt: Date }
  | { ok: false; typename: string; code: string; message: string };

const fail = (typename: string, code: string, message: string): SendResult => ({ ok: false, typename, code, message });

export type Sender = { userId: string; memberships: Array<{ accountId: string; role: string }> };

/** The token's user and memberships, one statement (as every authenticated request needs). */
export async function authenticate(pool: pg.Pool, token: string): Promise<Sender | null> {
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const result = await pool.query<{ userId: string; accountId: string | null; role: string | null }>(
    `SELECT t."userId", m."accountId", m.role FROM "AccessToken" t
       LEFT JOIN "Member" m ON m."userId" = t."userId"
      WHERE t."tokenHash" = $1 AND t."revokedAt" IS NULL AND t."expiresAt" > now()`,
    [tokenHash],
  );
  const first = result.rows[0];
  if (!first) return null;
  return {
    userId: first.userId,
    memberships: result.rows.flatMap((r) => (r.accountId && r.role ? [{ accountId: r.accountId, role: r.role }] : [])),
  };
}

const SCOPE = 'sendChatMessage';
const MAX_TEXT = 5_000;
const MAX_KEY = 100;

/**
 * Dengon's sendChatMessage, by hand: in one transaction load the chat and its
 * friend, claim the idempotency key, insert the message, point the chat at
 * it, record the result on the key. A retried key returns the first message.
 */
export async function sendText(pool: pg.Pool, sender: Sender, chatId: string, rawText: string, rawKey: string): Promise<SendResult> {
  const text = rawText.trim();
  const key = rawKey.trim();
  if (!text || text.length > MAX_TEXT) return fail('ValidationError', 'INVALID_INPUT', 'content.text: must be 1 to 5000 characters');
  if (!key || key.length > MAX_KEY) return fail('ValidationError', 'INVALID_INPUT', 'idempotencyKey: must be 1 to 100 characters');
  const content = { type: 'text', text };

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await send(client, sender, chatId, content, key);
    await client.query(result.ok ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function send(client: pg.PoolClient, sender: Sender, chatId: string, content: { type: string; text: string }, key: string): Promise<SendResult> {
  const chats = await client.query<{ accountId: string; openedAt: Date | null; status: string; notificationsEnabled: boolean }>(
    `SELECT c."accountId", c."openedAt", f.status, f."notificationsEnabled"
       FROM "Chat" c JOIN "Friend" f ON f.id = c."friendId" WHERE c.id = $1`,
    [chatId],
  );
  const chat = chats.rows[0];
  const role = chat && sender.memberships.find((m) => m.accountId === chat.accountId)?.role;
  if (!chat || !role) return fail('NotFoundError', 'NOT_FOUND', 'chatId: not found');
  if (role !== 'ADMIN' && role !== 'OPERATOR') return fail('ForbiddenError', 'FORBIDDEN', 'no send permission');

  const now = new Date();
  const requestHash = createHash('sha256').update(JSON.stringify([chatId, content])).digest('hex');
  // As Dengon since its send became one statement: a retry returns the first
  // message even once the chat changed; only a new send is refused.
  if (!chat.openedAt || chat.status !== 'FOLLOWING') {
    const first = await previousSend(client, chat.accountId, key, requestHash);
    if (first) return first;
    if (!chat.openedAt) return fail('ConflictError', 'CHAT_NOT_OPEN', 'the friend has not written yet');
    return fail('FriendNotReachableError', 'FRIEND_NOT_REACHABLE', `friend is ${chat.status}`);
  }
  const messageId = randomUUID();
  const event = JSON.stringify({ chatId, messageId, senderUserId: sender.userId });
  const written = await client.query<{ id: string; sentAt: Date }>(
    `WITH claimed AS (
       INSERT INTO "IdempotencyRecord" ("accountId", scope, key, "requestHash", "resultId", "createdAt")
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING "resultId"
     ), message AS (
       INSERT INTO "Message" (id, "accountId", "chatId", direction, kind, "senderUserId", "contentType", content, "sentAt", "notifiedAt")
       SELECT "resultId", $1, $7, 'OUTGOING', 'CHAT', $8, $9, $10, $6, $11 FROM claimed
       RETURNING id, "sentAt", "chatId", "accountId"
     ), chat AS (
       UPDATE "Chat" SET "lastMessageAt" = message."sentAt", "lastMessageId" = message.id FROM message WHERE "Chat".id = message."chatId"
     ), event AS (
       INSERT INTO "OutboxEvent" ("accountId", type, payload, "createdAt") SELECT message."accountId", 'message.sent', $12, $6 FROM message
     )
     SELECT id, "sentAt" FROM message`,
    [chat.accountId, SCOPE, key, requestHash, messageId, now, chatId, sender.userId, content.type, content, chat.notificationsEnabled ? now : null, event],
  );
  const message = written.rows[0];
  if (message) return { ok: true, id: message.id, sentAt: message.sentAt };
  return (await previousSend(client, chat.accountId, key, requestHash)) ?? fail('ConflictError', 'IDEMPOTENCY_KEY_REUSED', 'idempotencyKey: already used');
}

async function previousSend(client: pg.PoolClient, accountId: string, key: string, requestHash: string): Promise<SendResult | null> {
  const previous = await client.query<{ id: string; sentAt: Date; requestHash: string }>(
    `SELECT m.id, m."sentAt", r."requestHash" FROM "IdempotencyRecord" r JOIN "Message" m ON m.id = r."resultId"
      WHERE r."accountId" = $1 AND r.scope = $2 AND r.key = $3`,
    [accountId, SCOPE, key],
  );
  const first = previous.rows[0];
  if (!first) return null;
  if (first.requestHash !== requestHash) return fail('ConflictError', 'IDEMPOTENCY_KEY_REUSED', 'idempotencyKey: already used');
  return { ok: true, id: first.id, sentAt: first.sentAt };
}

/** The GraphQL answer for the S4 mutation (`__typename`, `data { id sentAt }` or `code message`). */
export function sendPayload(result: SendResult): Record<string, unknown> {
  return result.ok
    ? { __typename: 'MutationSendChatMessageSuccess', data: { id: messageGlobalId(result.id), sentAt: result.sentAt.toISOString() } }
    : { __typename: result.typename, code: result.code, message: result.message };
}
