import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Friend } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { hashToken } from '../../auth/token.ts';
import { ConflictError, LimitReachedError, NotFoundError } from '../../errors.ts';
import { MAX_TEST_RECIPIENTS, TEST_RECIPIENT_CODE_TTL_MS } from '../../limits.ts';
import type { Deps } from '../accounts/account.service.ts';
import type { FriendDeps } from '../friends/friend.service.ts';
import { parseInput } from '../validate.ts';

// Crockford-style: no 0/O, 1/I/L, U, so a code read off one screen and typed on a phone survives.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
/** 12 characters of 30: about 59 bits, far beyond guessing in 10 minutes with any number of friend tokens. */
const CODE_LENGTH = 12;

/** What a member types on their phone: `ABCD-EFGH-JKMN`. */
export type TestRecipientCode = { code: string; expiresAt: Date };

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** Case, spaces and dashes do not matter. */
function hashCode(code: string): string {
  return hashToken(`test-recipient:${code.toUpperCase().replace(/[\s-]/g, '')}`);
}

/**
 * R-SAFE-2, step 1: a member asks for a one-time code to link one of their
 * own friend accounts (their phone) as a test recipient. Only its hash is
 * stored; it can be claimed once, within TEST_RECIPIENT_CODE_TTL_MS.
 */
export async function createTestRecipientCode(deps: Deps, accountId: string): Promise<TestRecipientCode> {
  const { tx, clock, actor } = deps;
  if (!can(actor.ability, 'read', 'Account', { id: accountId })) throw new NotFoundError('accountId');
  assertCan(actor.ability, 'create', 'TestRecipient', { accountId, userId: actor.userId });
  const code = newCode();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + TEST_RECIPIENT_CODE_TTL_MS);
  await tx.testRecipientCode.create({ data: { accountId, userId: actor.userId, codeHash: hashCode(code), createdAt: now, expiresAt } });
  return { code, expiresAt };
}

const ClaimInput = z.object({ code: z.string().trim().min(1, 'must not be empty').max(40, 'must be at most 40 characters') });

/**
 * R-SAFE-2, step 2: on their own phone, as a friend of the account, the
 * member claims the code; that friend becomes one of their test recipients.
 * Unknown, expired, used and other accounts' codes look the same.
 */
export async function claimTestRecipientCode(deps: FriendDeps, input: { code: string }): Promise<{ linkedAt: Date }> {
  const { code } = parseInput(ClaimInput, input);
  const { tx, clock, friend } = deps;
  const now = clock.now();
  const invalid = () => new ConflictError('TEST_RECIPIENT_CODE_INVALID', 'This code is unknown, expired or already used: create a new one in the console (R-SAFE-2).');
  if (friend.status !== 'FOLLOWING') throw invalid();
  // Conditional on "not yet claimed", so one code links one friend even when claims race.
  const [claimed] = await tx.$queryRaw<{ userId: string }[]>`
    UPDATE "TestRecipientCode" SET "claimedAt" = ${now}, "claimedByFriendId" = ${friend.friendId}::uuid
    WHERE "codeHash" = ${hashCode(code)} AND "accountId" = ${friend.accountId}::uuid AND "claimedAt" IS NULL AND "expiresAt" > ${now}
    RETURNING "userId"::text`;
  if (!claimed) throw invalid();
  // The member may have left the account since creating the code.
  const member = await tx.member.findUnique({ where: { accountId_userId: { accountId: friend.accountId, userId: claimed.userId } }, select: { id: true } });
  if (!member) throw invalid();
  await linkTestRecipient(tx, { accountId: friend.accountId, userId: claimed.userId, friendId: friend.friendId, now });
  return { linkedAt: now };
}

async function linkTestRecipient(tx: Tx, link: { accountId: string; userId: string; friendId: string; now: Date }): Promise<void> {
  const mine = { accountId: link.accountId, userId: link.userId };
  // Serialise this member's links, so two claims at once cannot pass the limit.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`test-recipients:${link.accountId}:${link.userId}`}))`;
  const existing = await tx.testRecipient.findMany({ where: mine, select: { friendId: true } });
  if (existing.some((r) => r.friendId === link.friendId)) return;
  if (existing.length >= MAX_TEST_RECIPIENTS) {
    throw new LimitReachedError('TEST_RECIPIENT_LIMIT_REACHED', MAX_TEST_RECIPIENTS, `This member already has ${MAX_TEST_RECIPIENTS} test recipients in the account: remove one first.`);
  }
  await tx.testRecipient.create({ data: { ...mine, friendId: link.friendId, createdAt: link.now } });
}

/** The viewer's own test recipients in an account, oldest link first. */
export async function listTestRecipients(deps: Pick<Deps, 'tx' | 'actor'>, accountId: string): Promise<Friend[]> {
  const { tx, actor } = deps;
  if (!can(actor.ability, 'read', 'TestRecipient', { accountId, userId: actor.userId })) return [];
  const links = await tx.testRecipient.findMany({ where: { accountId, userId: actor.userId }, orderBy: [{ createdAt: 'asc' }, { friendId: 'asc' }], select: { friendId: true } });
  const friends = await tx.friend.findMany({ where: { id: { in: links.map((l) => l.friendId) }, accountId } });
  const byId = new Map(friends.map((f) => [f.id, f]));
  return links.flatMap((l) => byId.get(l.friendId) ?? []);
}

/** Unlinks one of the viewer's own test recipients; returns those left. */
export async function removeTestRecipient(deps: Deps, input: { accountId: string; friendId: string }): Promise<Friend[]> {
  const { tx, actor } = deps;
  const mine = { accountId: input.accountId, userId: actor.userId };
  if (!can(actor.ability, 'delete', 'TestRecipient', mine)) throw new NotFoundError('accountId');
  const { count } = await tx.testRecipient.deleteMany({ where: { ...mine, friendId: input.friendId } });
  if (count === 0) throw new NotFoundError('friendId');
  return listTestRecipients(deps, input.accountId);
}
