// The two statements both member-list baselines run, written once so the
// baselines differ only in what sits above the SQL (GraphQL or nothing).
// Deliberately independent of Dengon's code: plain pg, plain crypto.
import { createHash } from 'node:crypto';
import pg from 'pg';

export type MemberRow = { id: string; role: string; displayName: string };

/** Same size as the pg Pool behind Dengon's Prisma adapter (pg's default, 10). */
export function openPool(): pg.Pool {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is required');
  return new pg.Pool({ connectionString, max: 10 });
}

/** Bearer token from an Authorization header value, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? null;
}

/** "Account:<uuid>" in base64url, as Dengon's global ids; null for anything else. */
export function accountIdOf(globalId: string): string | null {
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  return text.startsWith('Account:') ? text.slice('Account:'.length) : null;
}

export function memberGlobalId(id: string): string {
  return Buffer.from(`Member:${id}`).toString('base64url');
}

/**
 * Authentication and authorisation in one statement: a live token whose user
 * is a member of the account. As fair as Dengon's per-request token lookup.
 */
export async function isMember(pool: pg.Pool, token: string, accountId: string): Promise<boolean> {
  const tokenHash = createHash('sha256').update(token).digest('hex');
  const result = await pool.query(
    `SELECT m.role FROM "AccessToken" t
       JOIN "Member" m ON m."userId" = t."userId" AND m."accountId" = $2
      WHERE t."tokenHash" = $1 AND t."revokedAt" IS NULL AND t."expiresAt" > now()`,
    [tokenHash, accountId],
  );
  return result.rowCount === 1;
}

export async function listMembers(pool: pg.Pool, accountId: string, limit: number): Promise<MemberRow[]> {
  const result = await pool.query<MemberRow>(
    `SELECT m.id, m.role, u."displayName" FROM "Member" m JOIN "User" u ON u.id = m."userId"
      WHERE m."accountId" = $1 ORDER BY m."createdAt", m.id LIMIT $2`,
    [accountId, limit],
  );
  return result.rows;
}
