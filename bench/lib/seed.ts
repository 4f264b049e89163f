// Seeding with plain SQL in one transaction: fast, and independent of the
// services being measured (a service bug must not change the data set).
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { newToken } from '../../src/auth/token.ts';

export type SeededAccount = {
  accountId: string;
  /** Relay global id, as clients send it. */
  accountGlobalId: string;
  memberCount: number;
  /** A live bearer token of the account's only ADMIN. */
  adminToken: string;
};

const ROLES = ['OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * One account with `memberCount` members (one ADMIN, the rest operators of
 * mixed roles), each its own user, created a second apart so the list order
 * is fixed by createdAt, not by the id tie-break.
 */
export async function seedAccount(pool: pg.Pool, memberCount: number, label = 'bench'): Promise<SeededAccount> {
  const accountId = randomUUID();
  const userIds = Array.from({ length: memberCount }, () => randomUUID());
  const start = Date.now() - memberCount * 1000;
  const createdAts = userIds.map((_, i) => new Date(start + i * 1000).toISOString());
  const roles = userIds.map((_, i) => (i === 0 ? 'ADMIN' : ROLES[i % ROLES.length]!));
  const { token, hash } = newToken();

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Counters in the same INSERT as the account: the CHECKs (adminCount >= 1,
    // <= memberCount <= 100) hold from the first statement on.
    await client.query(
      `INSERT INTO "Account" (id, name, plan, "memberCount", "adminCount", "createdAt") VALUES ($1, $2, 'STANDARD', $3, 1, now())`,
      [accountId, `${label} account`, memberCount],
    );
    await client.query(
      `INSERT INTO "User" (id, email, "displayName", "passwordHash", "createdAt")
       SELECT id, $2 || '-' || n || '@example.test', 'Member ' || n, 'not-a-password-hash', now()
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
      [userIds, label],
    );
    await client.query(
      `INSERT INTO "Member" ("accountId", "userId", role, "createdAt")
       SELECT $1, u, r::"Role", c FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS t(u, r, c)`,
      [accountId, userIds, roles, createdAts],
    );
    await client.query(
      `INSERT INTO "AccessToken" ("userId", "tokenHash", "createdAt", "expiresAt") VALUES ($1, $2, now(), $3)`,
      [userIds[0], hash, new Date(Date.now() + TEN_YEARS_MS)],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  // Fresh tables have no statistics; without them the planner guesses.
  await pool.query('ANALYZE');
  return {
    accountId,
    accountGlobalId: Buffer.from(`Account:${accountId}`).toString('base64url'),
    memberCount,
    adminToken: token,
  };
}

/** A live bearer token for every member of the account (role order as seeded), for per-member dashboards (S5). */
export async function seedMemberTokens(pool: pg.Pool, accountId: string): Promise<Array<{ role: string; token: string }>> {
  const members = await pool.query<{ userId: string; role: string }>(
    `SELECT "userId", role::text AS role FROM "Member" WHERE "accountId" = $1 ORDER BY "createdAt", "userId"`,
    [accountId],
  );
  const tokens = members.rows.map((m) => ({ ...m, ...newToken() }));
  await pool.query(
    `INSERT INTO "AccessToken" ("userId", "tokenHash", "createdAt", "expiresAt")
     SELECT u, h, now(), $3 FROM unnest($1::uuid[], $2::text[]) AS t(u, h)`,
    [tokens.map((t) => t.userId), tokens.map((t) => t.hash), new Date(Date.now() + TEN_YEARS_MS)],
  );
  return tokens.map(({ role, token }) => ({ role, token }));
}
