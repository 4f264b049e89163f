import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Tx } from '../../db/client.ts';
import { ConflictError, InvalidCredentialsError } from '../../errors.ts';
import type { Role, User } from '../../generated/prisma/client.ts';
import type { Membership } from '../../auth/ability.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../auth/password.ts';
import { isCommonPassword, isRepetitive } from '../../auth/password-policy.ts';
import { hashToken, newToken } from '../../auth/token.ts';
import { MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../limits.ts';
import { boundedText, email, parseInput } from '../validate.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { recordEvent } from '../../events/outbox.ts';
import { NO_ACCOUNT } from '../../events/types.ts';

type Deps = { tx: Tx; clock: Clock; tokenTtlMs: number };

const SignUpInput = z.object({
  email,
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)
    .refine((p) => !isRepetitive(p), 'must not be one short pattern repeated (rule: not repetitive)')
    .refine((p) => !isCommonPassword(p), 'is in a list of common passwords attackers try first (rule: not common): choose another'),
  displayName: boundedText(MAX_NAME_LENGTH),
});

export type Session = { token: string; tokenId: string; expiresAt: Date; user: User };

export async function signUp(deps: Deps, input: z.input<typeof SignUpInput>): Promise<Session> {
  const data = parseInput(SignUpInput, input);
  const passwordHash = await hashPassword(data.password);
  try {
    const user = await deps.tx.user.create({
      data: { email: data.email, displayName: data.displayName, passwordHash, createdAt: deps.clock.now() },
    });
    return issueToken(deps, user);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('EMAIL_TAKEN', `email: ${data.email} is already registered.`);
    throw error;
  }
}

/** Unknown email and wrong password are the same error, in about the same time. */
export async function signIn(deps: Deps, input: { email: string; password: string }): Promise<Session> {
  const address = input.email.trim().toLowerCase();
  const user = await deps.tx.user.findUnique({ where: { email: address } });
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !ok) throw new InvalidCredentialsError();
  return issueToken(deps, user);
}

async function issueToken(deps: Deps, user: User): Promise<Session> {
  const { token, hash } = newToken();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.tokenTtlMs);
  const row = await deps.tx.accessToken.create({ data: { userId: user.id, tokenHash: hash, createdAt: now, expiresAt } });
  return { token, tokenId: row.id, expiresAt, user };
}

/** Revokes the token; later requests with it are UNAUTHENTICATED. */
export async function signOut(deps: { tx: Tx; clock: Clock }, tokenId: string): Promise<void> {
  const { count } = await deps.tx.accessToken.updateMany({ where: { id: tokenId, revokedAt: null }, data: { revokedAt: deps.clock.now() } });
  // Open WebSockets and SSE streams of this token close at once, on every instance.
  if (count > 0) await recordEvent(deps, { accountId: NO_ACCOUNT, type: 'token.revoked', payload: { tokenId } });
}

export type Viewer = { userId: string; email: string; tokenId: string; memberships: Membership[] };

type TokenRow = { tokenId: string; expiresAt: Date; revokedAt: Date | null; userId: string; email: string; accountId: string | null; role: Role | null };

/**
 * Resolves a bearer token to its viewer, with the memberships the ability is
 * built from; null for unknown, expired or revoked tokens. One statement:
 * this runs on every authenticated request.
 */
export async function authenticate(deps: { tx: Tx; clock: Clock }, token: string): Promise<Viewer | null> {
  const rows = await deps.tx.$queryRaw<TokenRow[]>`
    SELECT t.id AS "tokenId", t."expiresAt", t."revokedAt", u.id AS "userId", u.email, m."accountId", m.role::text AS role
    FROM "AccessToken" t
    JOIN "User" u ON u.id = t."userId"
    LEFT JOIN "Member" m ON m."userId" = u.id
    WHERE t."tokenHash" = ${hashToken(token)}`;
  const first = rows[0];
  if (!first || first.revokedAt || first.expiresAt <= deps.clock.now()) return null;
  const memberships = rows.flatMap((r) => (r.accountId && r.role ? [{ accountId: r.accountId, role: r.role }] : []));
  return { userId: first.userId, email: first.email, tokenId: first.tokenId, memberships };
}
