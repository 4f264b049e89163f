import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Tx } from '../../db/client.ts';
import { ConflictError, InvalidCredentialsError } from '../../errors.ts';
import type { User } from '../../generated/prisma/client.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../auth/password.ts';
import { isCommonPassword, isRepetitive } from '../../auth/password-policy.ts';
import { hashToken, newToken } from '../../auth/token.ts';
import type { TxDeps } from '../../deps.ts';
import { MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../limits.ts';
import { boundedText, email, parseInput } from '../validate.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { recordEvent } from '../../events/outbox.ts';
import { NO_ACCOUNT } from '../../events/types.ts';

// Moved to src/auth/ (auth owns token lookups); re-exported so existing imports keep working.
export type { Viewer } from '../../auth/authenticate.ts';
export { authenticate } from '../../auth/authenticate.ts';


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

export async function signUp(deps: TxDeps, input: z.input<typeof SignUpInput>): Promise<Session> {
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
export async function signIn(deps: TxDeps, input: { email: string; password: string }): Promise<Session> {
  const address = input.email.trim().toLowerCase();
  const user = await deps.tx.user.findUnique({ where: { email: address } });
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !ok) throw new InvalidCredentialsError();
  return issueToken(deps, user);
}

async function issueToken(deps: TxDeps, user: User): Promise<Session> {
  const { token, hash } = newToken();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.config.tokenTtlMs);
  const row = await deps.tx.accessToken.create({ data: { userId: user.id, tokenHash: hash, createdAt: now, expiresAt } });
  return { token, tokenId: row.id, expiresAt, user };
}

/** Revokes the token; later requests with it are UNAUTHENTICATED. */
export async function signOut(deps: { tx: Tx; clock: Clock }, tokenId: string): Promise<void> {
  const { count } = await deps.tx.accessToken.updateMany({ where: { id: tokenId, revokedAt: null }, data: { revokedAt: deps.clock.now() } });
  // Open WebSockets and SSE streams of this token close at once, on every instance.
  if (count > 0) await recordEvent(deps, { accountId: NO_ACCOUNT, type: 'token.revoked', payload: { tokenId } });
}
