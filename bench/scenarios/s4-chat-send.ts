// S4: a member sends a text message (sendChatMessage) over HTTP GraphQL,
// against raw-http running the same statements in one pg transaction. Every
// request carries a new idempotency key and goes to the next of 1,000 open
// chats (round-robin, the same sequence for every server): one hot chat row
// would measure its row lock, not the server (BENCHMARKS.md).
import { createHash, randomUUID } from 'node:crypto';
import { compareOverHttp, httpEstimateSec } from '../lib/http-compare.ts';
import type { Scenario } from '../lib/scenario.ts';
import { seedAccount } from '../lib/seed.ts';
import { seedChats } from '../lib/seed-chats.ts';

const CHATS = 1_000;
const TEXT = 'Thanks for your message! We will get back to you shortly.';
const SUCCESS = 'MutationSendChatMessageSuccess';

const QUERY =
  'mutation($chat: ID!, $c: MessageContentInput!, $k: String!) { sendChatMessage(chatId: $chat, content: $c, idempotencyKey: $k) ' +
  `{ __typename ... on ${SUCCESS} { data { id sentAt } } ... on Error { code message } } }`;

type Payload = { __typename?: unknown; data?: { id?: unknown; sentAt?: unknown }; code?: unknown; message?: unknown };
type Answer = { data?: { sendChatMessage?: Payload | null }; errors?: unknown };

const fromGlobalId = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8');

/** The success payload, or throws (top-level errors, a typed error, a malformed id or date). */
function success(body: unknown): { id: string; sentAt: string } {
  const answer = body as Answer;
  if (answer.errors) throw new Error(`errors: ${JSON.stringify(answer.errors)}`);
  const payload = answer.data?.sendChatMessage;
  if (payload?.__typename !== SUCCESS) throw new Error(`not ${SUCCESS}: ${JSON.stringify(payload)}`);
  const { id, sentAt } = payload.data ?? {};
  if (typeof id !== 'string' || !/^Message:[0-9a-f-]{36}$/.test(fromGlobalId(id))) throw new Error(`bad message id ${String(id)}`);
  if (typeof sentAt !== 'string' || new Date(sentAt).toISOString() !== sentAt) throw new Error(`bad sentAt ${String(sentAt)}`);
  return { id: fromGlobalId(id).slice('Message:'.length), sentAt };
}

/** What must be identical across servers: the shape (ids and times differ by nature). */
function check(body: unknown): unknown {
  success(body);
  return { __typename: SUCCESS, data: { id: 'Message:<uuid>', sentAt: '<ISO-8601>' } };
}

const servers = 2;

export const s4ChatSend: Scenario = {
  id: 'S4',
  title: 'sendChatMessage',
  estimateSec: (options) => httpEstimateSec(servers, options),
  async run(ctx) {
    const { pool } = ctx.db;
    const seeded = await seedAccount(pool, 1, 's4');
    const { chatIds, chatGlobalIds } = await seedChats(pool, seeded.accountId, CHATS);
    const admin = await pool.query<{ userId: string }>(`SELECT "userId" FROM "Member" WHERE "accountId" = $1 AND role = 'ADMIN'`, [
      seeded.accountId,
    ]);
    const adminUserId = admin.rows[0]!.userId;

    // Shared by every connection and server: request n goes to chat n mod CHATS.
    const run = randomUUID();
    let sent = 0;
    let last = { chatId: '', key: '' };
    const nextBody = () => {
      const n = sent++;
      last = { chatId: chatIds[n % CHATS]!, key: `${run}-${n}` };
      return JSON.stringify({ query: QUERY, variables: { chat: chatGlobalIds[n % CHATS], c: { text: TEXT }, k: last.key } });
    };

    const counts = async () => {
      const result = await pool.query<{ messages: number; records: number; pending: number }>(
        `SELECT (SELECT count(*)::int FROM "Message" WHERE "accountId" = $1 AND direction = 'OUTGOING') AS messages,
                (SELECT count(*)::int FROM "IdempotencyRecord" WHERE "accountId" = $1) AS records,
                (SELECT count(*)::int FROM "IdempotencyRecord" WHERE "accountId" = $1 AND "resultId" IS NULL) AS pending`,
        [seeded.accountId],
      );
      return result.rows[0]!;
    };

    /** One request: exactly one new Message, written as Dengon writes it, the chat and the key pointing at it. */
    const expectEffect = async () => {
      const before = await counts();
      return async (body: unknown) => {
        const { id, sentAt } = success(body);
        const after = await counts();
        if (after.messages - before.messages !== 1) throw new Error(`${after.messages - before.messages} Message rows instead of 1`);
        if (after.records - before.records !== 1 || after.pending !== 0) {
          throw new Error(`${after.records - before.records} idempotency records (${after.pending} without result) instead of 1`);
        }
        const content = { type: 'text', text: TEXT };
        const row = await pool.query(
          `SELECT m."accountId", m."chatId", m.direction, m.kind, m."senderUserId", m."contentType",
                  m.content = $2::jsonb AS "contentIsText", m."sentAt", m."notifiedAt",
                  c."lastMessageId", c."lastMessageAt", r.scope, r.key, r."requestHash"
             FROM "Message" m JOIN "Chat" c ON c.id = m."chatId"
             LEFT JOIN "IdempotencyRecord" r ON r."resultId" = m.id
            WHERE m.id = $1`,
          [id, JSON.stringify(content)],
        );
        const m = row.rows[0] as Record<string, unknown> | undefined;
        if (!m) throw new Error(`message ${id} not in the database`);
        const expected = {
          accountId: seeded.accountId,
          chatId: last.chatId,
          direction: 'OUTGOING',
          kind: 'CHAT',
          senderUserId: adminUserId,
          contentType: 'text',
          contentIsText: true,
          sentAt,
          notifiedAt: sentAt,
          lastMessageId: id,
          lastMessageAt: sentAt,
          scope: 'sendChatMessage',
          key: last.key,
          // Both servers hash the same request the same way (equal work).
          requestHash: createHash('sha256').update(JSON.stringify([last.chatId, content])).digest('hex'),
        };
        const got: Record<string, unknown> = {
          ...m,
          sentAt: (m.sentAt as Date).toISOString(),
          notifiedAt: (m.notifiedAt as Date | null)?.toISOString() ?? null,
          lastMessageAt: (m.lastMessageAt as Date | null)?.toISOString() ?? null,
        };
        for (const [key, value] of Object.entries(expected)) {
          if (got[key] !== value) throw new Error(`row ${key}: ${JSON.stringify(got[key])}, expected ${JSON.stringify(value)}`);
        }
      };
    };

    const result = await compareOverHttp(ctx, {
      id: 'S4',
      title: 'sendChatMessage',
      subject: { name: 'dengon', entry: 'bench/servers/dengon.ts' },
      baselines: [{ name: 'raw-http', entry: 'bench/baselines/raw-http-send.ts', target: 0.5 }],
      env: { LOG_LEVEL: 'silent' },
      request: {
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${seeded.adminToken}` },
        body: nextBody,
      },
      check,
      // Cheap enough for the load generator: a typed error in a 200 is a failure too.
      acceptBody: (body) => body.includes(`"__typename":"${SUCCESS}"`),
      expectEffect,
    });

    // After all the load: every key has its message and every message its key.
    const end = await counts();
    if (end.messages !== end.records || end.pending !== 0) {
      throw new Error(`S4: ${end.messages} messages but ${end.records} idempotency records (${end.pending} without result)`);
    }
    ctx.log(`  S4: ${end.messages} messages sent over ${CHATS} chats, one idempotency record each`);
    return { ...result, notes: { ...result.notes, messagesSent: end.messages, chats: CHATS } };
  },
};
