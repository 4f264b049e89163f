// S2: a broadcast to BENCH_FRIENDS following friends (default 100,000). Dengon:
// the time of one sendDelivery request (it answers once every recipient row
// is written), with the server's RSS sampled during the send. Baseline
// (raw-sql): one hand-written INSERT … SELECT writing the same rows (message,
// recipient, chat pointer) from the bench process. Rounds alternate the two,
// each on a fresh delivery, so table growth costs both the same.
// Also: the SQL statements previewDelivery needs to size a chat-tag audience
// of every friend (the target is one statement for the size).
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startServer, type ServerProcess } from '../lib/children.ts';
import type { Comparison, Measurement, Scenario } from '../lib/scenario.ts';
import { seedAccount } from '../lib/seed.ts';

const RSS_SAMPLE_MS = 20;
const TARGET = 0.8;
const RSS_TARGET_MB = 200;

function friendsToSend(): number {
  const text = process.env.BENCH_FRIENDS;
  const value = text ? Number(text) : 100_000;
  if (!Number.isInteger(value) || value < 1) throw new Error(`BENCH_FRIENDS must be a positive integer, got "${text}"`);
  return value;
}

const rssOf = (pid: number): number => {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0; // exited: the send's request fails and says so
  }
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
};

async function gql(server: ServerProcess, token: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${server.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown };
  if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

export const s2FanOut: Scenario = {
  id: 'S2',
  title: 'broadcast fan-out',
  estimateSec: (options) => 60 + Math.ceil(friendsToSend() / 100_000) * options.rounds * 6,
  async run(ctx) {
    const { pool } = ctx.db;
    const { log, options } = ctx;
    const friends = friendsToSend();
    const seeded = await seedAccount(pool, 1, 's2');
    const accountId = seeded.accountId;
    log(`S2 ${this.title}: seeding ${friends} following friends with chats`);
    await pool.query(`UPDATE "Account" SET "quotaOverride" = 2000000000 WHERE id = $1`, [accountId]);
    await pool.query(
      `INSERT INTO "Friend" ("accountId", "displayName", status, "followedAt", "statusChangedAt")
       SELECT $1, 'Friend ' || n, 'FOLLOWING', now() - interval '1 day', now() - interval '1 day' FROM generate_series(1, $2::int) AS n`,
      [accountId, friends],
    );
    await pool.query(`INSERT INTO "Chat" ("accountId", "friendId", "createdAt") SELECT "accountId", id, now() FROM "Friend" WHERE "accountId" = $1`, [
      accountId,
    ]);
    await pool.query('ANALYZE');

    const server = await startServer('dengon', 'bench/servers/dengon.ts', { NODE_ENV: 'production', DATABASE_URL: ctx.db.url });
    try {
      const dengon: Measurement = { contender: 'dengon', unit: 'rows/s', rounds: [], median: 0 };
      const raw: Measurement = { contender: 'raw-sql', unit: 'rows/s', rounds: [], median: 0 };
      let peakGrowthMb = 0;
      for (let round = 0; round < options.rounds; round++) {
        // Dengon: a draft by the ADMIN, sent directly (R-APPROVAL-1 allows it).
        const created = await gql(server, seeded.adminToken,
          `mutation($a: ID!) { createDraft(accountId: $a, kind: BROADCAST, title: "S2", content: { text: "Winter menu is here" }) {
            ... on MutationCreateDraftSuccess { data { id } } ... on Error { code message } } }`,
          { a: seeded.accountGlobalId });
        const deliveryId = created.createDraft?.data?.id;
        if (!deliveryId) throw new Error(`createDraft failed: ${JSON.stringify(created)}`);
        global.gc?.();
        const before = rssOf(server.pid);
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, rssOf(server.pid))), RSS_SAMPLE_MS);
        const t0 = performance.now();
        const sent = await gql(server, seeded.adminToken,
          `mutation($d: ID!, $k: String!) { sendDelivery(deliveryId: $d, idempotencyKey: $k) {
            ... on MutationSendDeliverySuccess { data { status recipientCount } } ... on Error { code message } } }`,
          { d: deliveryId, k: randomUUID() });
        const seconds = (performance.now() - t0) / 1000;
        clearInterval(sampler);
        peak = Math.max(peak, rssOf(server.pid));
        const result = sent.sendDelivery?.data;
        if (result?.status !== 'SENT' || result.recipientCount !== friends) throw new Error(`sendDelivery: ${JSON.stringify(sent)}`);
        dengon.rounds.push({ value: friends / seconds });
        peakGrowthMb = Math.max(peakGrowthMb, (peak - before) / 1e6);
        log(`  round ${round + 1}: dengon ${Math.round(friends / seconds)} rows/s (${seconds.toFixed(2)} s), RSS +${Math.round((peak - before) / 1e6)} MB`);

        // raw-sql: the same rows in one statement.
        const { rows } = await pool.query<{ id: string }>(
          `INSERT INTO "Delivery" ("accountId", kind, title, "contentType", content, status, "authorUserId", "createdAt", "updatedAt")
           SELECT $1, 'BROADCAST', 'S2 raw', 'text', '{"type":"text","text":"Winter menu is here"}', 'SENDING', "userId", now(), now()
           FROM "Member" WHERE "accountId" = $1 LIMIT 1 RETURNING id`,
          [accountId],
        );
        const rawId = rows[0]!.id;
        const r0 = performance.now();
        const written = await pool.query(
          `WITH targets AS (
             SELECT f.id AS "friendId", c.id AS "chatId", f."notificationsEnabled" AS notify
             FROM "Friend" f JOIN "Chat" c ON c."friendId" = f.id
             WHERE f."accountId" = $1 AND f.status = 'FOLLOWING'
           ), sent AS (
             INSERT INTO "Message" ("accountId", "chatId", direction, kind, "contentType", content, "sentAt", "notifiedAt")
             SELECT $1, t."chatId", 'OUTGOING', 'BROADCAST', 'text', '{"type":"text","text":"Winter menu is here"}', now(), CASE WHEN t.notify THEN now() END
             FROM targets t RETURNING id, "chatId"
           ), recipients AS (
             INSERT INTO "DeliveryRecipient" ("deliveryId", "friendId", "messageId", "createdAt")
             SELECT $2, t."friendId", s.id, now() FROM sent s JOIN targets t ON t."chatId" = s."chatId" RETURNING 1
           ), chats AS (
             UPDATE "Chat" c SET "lastMessageAt" = now(), "lastMessageId" = s.id FROM sent s WHERE c.id = s."chatId"
           )
           SELECT count(*)::int AS n FROM recipients`,
          [accountId, rawId],
        );
        const rawSeconds = (performance.now() - r0) / 1000;
        if (written.rows[0]?.n !== friends) throw new Error(`raw-sql wrote ${written.rows[0]?.n} rows`);
        raw.rounds.push({ value: friends / rawSeconds });
        log(`  round ${round + 1}: raw-sql ${Math.round(friends / rawSeconds)} rows/s (${rawSeconds.toFixed(2)} s)`);
      }
      for (const m of [dengon, raw]) m.median = median(m.rounds.map((r) => r.value));
      dengon.rssMb = Math.round(rssOf(server.pid) / 1e6);

      // Audience size: a chat-tag audience holding every friend, sized by previewDelivery.
      const audienceSql = await measureAudienceSize(ctx.db.pool, server, seeded, accountId);

      const ratio = dengon.median / raw.median;
      const comparisons: Comparison[] = [
        {
          name: `S2 fan-out of ${friends} vs raw-sql`,
          subject: 'dengon',
          baseline: 'raw-sql',
          unit: 'rows/s',
          subjectValue: dengon.median,
          baselineValue: raw.median,
          ratio,
          target: TARGET,
          met: ratio >= TARGET,
        },
      ];
      log(`  peak RSS growth during a send: ${Math.round(peakGrowthMb)} MB (target < ${RSS_TARGET_MB} MB at 1,000,000 friends)`);
      log(`  previewDelivery of a ${friends}-friend chat-tag audience: ${audienceSql.total} statements, ${audienceSql.sizing} sizing the audience`);
      return {
        id: 'S2',
        title: this.title,
        measurements: [dengon, raw],
        comparisons,
        notes: { friends, peakRssGrowthMb: Math.round(peakGrowthMb), rssTargetMb: RSS_TARGET_MB, audiencePreview: audienceSql },
      };
    } finally {
      await server.stop();
    }
  },
};

async function measureAudienceSize(
  pool: import('pg').Pool,
  server: ServerProcess,
  seeded: { adminToken: string; accountGlobalId: string },
  accountId: string,
): Promise<{ total: number; sizing: number; recipients: number; statements: string[] }> {
  const tag = await gql(server, seeded.adminToken, `mutation($a: ID!) { createChatTag(accountId: $a, name: "everyone") { ... on MutationCreateChatTagSuccess { data { id } } } }`, {
    a: seeded.accountGlobalId,
  });
  const tagId = tag.createChatTag.data.id as string;
  const tagDbId = Buffer.from(tagId, 'base64url').toString('utf8').split(':')[1];
  await pool.query(`INSERT INTO "FriendTag" ("friendId", "tagId", "accountId", "createdAt") SELECT id, $2, $1, now() FROM "Friend" WHERE "accountId" = $1`, [accountId, tagDbId]);
  await pool.query(`UPDATE "Friend" SET "tagCount" = "tagCount" + 1 WHERE "accountId" = $1`, [accountId]);
  await pool.query('ANALYZE "FriendTag"');
  const audience = await gql(server, seeded.adminToken,
    `mutation($a: ID!, $t: ID!) { createAudience(accountId: $a, name: "everyone", spec: { chatTags: { tagIds: [$t] } }) { ... on MutationCreateAudienceSuccess { data { id } } ... on Error { code message } } }`,
    { a: seeded.accountGlobalId, t: tagId });
  const audienceId = audience.createAudience?.data?.id;
  if (!audienceId) throw new Error(`createAudience: ${JSON.stringify(audience)}`);
  const draft = await gql(server, seeded.adminToken,
    `mutation($a: ID!, $au: ID!) { createDraft(accountId: $a, kind: NARROWCAST, title: "S2 tag", content: { text: "Tagged" }, audienceId: $au) { ... on MutationCreateDraftSuccess { data { id } } } }`,
    { a: seeded.accountGlobalId, au: audienceId });
  await server.call({ type: 'trace', on: true });
  const preview = await gql(server, seeded.adminToken,
    `mutation($d: ID!) { previewDelivery(deliveryId: $d) { ... on MutationPreviewDeliverySuccess { data { recipientCount } } ... on Error { code message } } }`,
    { d: draft.createDraft.data.id });
  const { statements = [] } = await server.call({ type: 'trace', on: false });
  const recipients = preview.previewDelivery?.data?.recipientCount;
  if (typeof recipients !== 'number') throw new Error(`previewDelivery: ${JSON.stringify(preview)}`);
  const sizing = statements.filter((s) => s.includes('"FriendTag"'));
  return { total: statements.length, sizing: sizing.length, recipients, statements: sizing };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
