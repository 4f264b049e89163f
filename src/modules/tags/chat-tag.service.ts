import { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { ConflictError, LimitReachedError, NotFoundError } from '../../errors.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { ChatTag, Friend } from '../../generated/prisma/client.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { MAX_TAG_NAME_LENGTH, MAX_TAGS_PER_ACCOUNT, MAX_TAGS_PER_FRIEND } from '../../limits.ts';
import { type Deps, loadAccount } from '../accounts/account.service.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { boundedText, parseInput } from '../validate.ts';

const TagName = boundedText(MAX_TAG_NAME_LENGTH);
const CreateInput = z.object({ accountId: z.string(), name: TagName });
const RenameInput = z.object({ tagId: z.string(), name: TagName });
const TagFriendInput = z.object({ friendId: z.string(), tagId: z.string() });

/** What the unique index (accountId, nameKey) compares: names are unique per account ignoring case (R-TAG-1). */
const nameKeyOf = (name: string) => name.toLowerCase();

/** Any member creates a chat tag (R-TAG-1); at most 200 per account, backed by CHECK chatTagCount <= 200. */
export async function createChatTag(deps: Deps, input: z.input<typeof CreateInput>): Promise<ChatTag> {
  const data = parseInput(CreateInput, input);
  const { tx, clock, actor } = deps;
  const account = await loadAccount(deps, data.accountId);
  assertCan(actor.ability, 'create', 'ChatTag', { accountId: account.id });
  const nameKey = nameKeyOf(data.name);
  await assertNameFree(tx, account.id, nameKey);
  await adjustAccountTagCount(tx, account.id, +1);
  const tag = await refuseTakenName(data.name, () =>
    tx.chatTag.create({ data: { accountId: account.id, name: data.name, nameKey, createdAt: clock.now() } }),
  );
  await recordAudit(deps, {
    accountId: account.id,
    actorUserId: actor.userId,
    action: AUDIT.chatTagCreated,
    subject: { type: 'ChatTag', id: tag.id },
    data: { name: tag.name },
  });
  return tag;
}

/** ADMIN/OPERATOR rename a tag; changing only the case of its own name is allowed. */
export async function renameChatTag(deps: Deps, input: z.input<typeof RenameInput>): Promise<ChatTag> {
  const data = parseInput(RenameInput, input);
  const { tx, actor } = deps;
  const tag = await loadTag(deps, data.tagId);
  assertCan(actor.ability, 'update', 'ChatTag', tag);
  if (tag.name === data.name) return tag;
  const nameKey = nameKeyOf(data.name);
  if (nameKey !== tag.nameKey) await assertNameFree(tx, tag.accountId, nameKey);
  const renamed = await refuseTakenName(data.name, () => tx.chatTag.update({ where: { id: tag.id }, data: { name: data.name, nameKey } }));
  await recordAudit(deps, {
    accountId: tag.accountId,
    actorUserId: actor.userId,
    action: AUDIT.chatTagRenamed,
    subject: { type: 'ChatTag', id: tag.id },
    data: { from: tag.name, to: renamed.name },
  });
  return renamed;
}

/** `untaggedFriends` is a tag size, a statistic (R-STATS-1): read by the policy for `accountId`. */
export type ChatTagDeletion = { accountId: string; tag: Pick<ChatTag, 'id' | 'accountId' | 'name'>; untaggedFriends: number };

/**
 * ADMIN/OPERATOR delete a tag: every friend carrying it loses it, and their
 * counters and the account's drop in the same transaction, set-based.
 */
export async function deleteChatTag(deps: Deps, tagId: string): Promise<ChatTagDeletion> {
  const { tx, actor } = deps;
  // FOR UPDATE waits for any tagFriend still holding the tag (FOR KEY SHARE),
  // so the statement below counts its row; later ones find the tag gone.
  const tag = await loadTag(deps, tagId, 'FOR UPDATE');
  assertCan(actor.ability, 'delete', 'ChatTag', tag);
  // The account row lock also serialises deletions in one account, so two of
  // them never lock shared friends in opposite orders (deadlock).
  await adjustAccountTagCount(tx, tag.accountId, -1);
  // Only rows this statement really deleted are counted down: an untagFriend
  // that won the race has already counted its own.
  const untaggedFriends = await tx.$executeRaw`
    WITH removed AS (DELETE FROM "FriendTag" WHERE "tagId" = ${tag.id}::uuid RETURNING "friendId")
    UPDATE "Friend" SET "tagCount" = "Friend"."tagCount" - 1 FROM removed WHERE "Friend".id = removed."friendId"`;
  await tx.chatTag.delete({ where: { id: tag.id } });
  await recordAudit(deps, {
    accountId: tag.accountId,
    actorUserId: actor.userId,
    action: AUDIT.chatTagDeleted,
    subject: { type: 'ChatTag', id: tag.id },
    data: { name: tag.name, untaggedFriends },
  });
  return { accountId: tag.accountId, tag, untaggedFriends };
}

/**
 * Any member puts a tag on a friend of the same account (R-TAG-1); at most
 * 10 per friend. Tagging twice is a no-op: the row and the count stay one.
 */
export async function tagFriend(deps: Deps, input: z.input<typeof TagFriendInput>): Promise<Friend> {
  const data = parseInput(TagFriendInput, input);
  const { tx, clock, actor } = deps;
  const friend = await loadFriend(deps, data.friendId);
  assertCan(actor.ability, 'tag', 'Friend', friend);
  const tag = await loadTag(deps, data.tagId, 'FOR KEY SHARE');
  if (tag.accountId !== friend.accountId) throw new NotFoundError('tagId');
  // ON CONFLICT DO NOTHING: a racing duplicate waits for the first and then inserts nothing.
  const { count } = await tx.friendTag.createMany({
    data: [{ friendId: friend.id, tagId: tag.id, accountId: friend.accountId, createdAt: clock.now() }],
    skipDuplicates: true,
  });
  if (count === 1) await adjustFriendTagCount(tx, friend.id, +1);
  return friend;
}

/** Any member takes a tag off a friend; taking off a tag the friend does not carry changes nothing. */
export async function untagFriend(deps: Deps, input: z.input<typeof TagFriendInput>): Promise<Friend> {
  const data = parseInput(TagFriendInput, input);
  const { tx, actor } = deps;
  const friend = await loadFriend(deps, data.friendId);
  assertCan(actor.ability, 'tag', 'Friend', friend);
  const tag = await loadTag(deps, data.tagId);
  if (tag.accountId !== friend.accountId) throw new NotFoundError('tagId');
  const { count } = await tx.friendTag.deleteMany({ where: { friendId: friend.id, tagId: tag.id } });
  if (count === 1) await adjustFriendTagCount(tx, friend.id, -1);
  return friend;
}

async function loadFriend(deps: Deps, friendId: string): Promise<Friend> {
  const friend = await deps.tx.friend.findUnique({ where: { id: friendId } });
  if (!friend || !can(deps.actor.ability, 'read', 'Friend', friend)) throw new NotFoundError('friendId');
  return friend;
}

type TagLock = 'FOR UPDATE' | 'FOR KEY SHARE';

/** A tag the actor may read, optionally row-locked; any other id is NOT_FOUND (tenancy). */
async function loadTag(deps: Deps, tagId: string): Promise<ChatTag>;
async function loadTag(deps: Deps, tagId: string, lock: TagLock): Promise<Pick<ChatTag, 'id' | 'accountId' | 'name'>>;
async function loadTag(deps: Deps, tagId: string, lock?: TagLock): Promise<Pick<ChatTag, 'id' | 'accountId' | 'name'>> {
  const tag = lock
    ? (await deps.tx.$queryRaw<Pick<ChatTag, 'id' | 'accountId' | 'name'>[]>`
        SELECT id, "accountId", name FROM "ChatTag" WHERE id = ${tagId}::uuid ${Prisma.raw(lock)}`)[0]
    : await deps.tx.chatTag.findUnique({ where: { id: tagId } });
  if (!tag || !can(deps.actor.ability, 'read', 'ChatTag', tag)) throw new NotFoundError('tagId');
  return tag;
}

function nameTaken(name: string): ConflictError {
  return new ConflictError('TAG_NAME_TAKEN', `name: a chat tag named "${name}" already exists in this account (names ignore case).`);
}

async function assertNameFree(tx: Tx, accountId: string, nameKey: string): Promise<void> {
  const existing = await tx.chatTag.findUnique({ where: { accountId_nameKey: { accountId, nameKey } }, select: { name: true } });
  if (existing) throw nameTaken(existing.name);
}

/** The check above cannot see a tag another transaction is creating; the unique index can. */
async function refuseTakenName<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(name);
    throw error;
  }
}

/**
 * Conditional counter UPDATEs, as adjustCounters in member.service.ts: the
 * row lock serialises concurrent changes and the WHERE refuses one that would
 * pass the limit, so no race exceeds it. The CHECK constraints are the backstop.
 */
async function adjustAccountTagCount(tx: Tx, accountId: string, delta: number): Promise<void> {
  const changed = await tx.account.updateMany({
    where: { id: accountId, ...(delta > 0 ? { chatTagCount: { lte: MAX_TAGS_PER_ACCOUNT - delta } } : {}) },
    data: { chatTagCount: { increment: delta } },
  });
  if (changed.count === 0) {
    throw new LimitReachedError(
      'TAG_LIMIT_REACHED',
      MAX_TAGS_PER_ACCOUNT,
      `This account already has ${MAX_TAGS_PER_ACCOUNT} chat tags, the most an account can have (R-TAG-1); delete one first.`,
    );
  }
}

async function adjustFriendTagCount(tx: Tx, friendId: string, delta: number): Promise<void> {
  const changed = await tx.friend.updateMany({
    where: { id: friendId, ...(delta > 0 ? { tagCount: { lte: MAX_TAGS_PER_FRIEND - delta } } : {}) },
    data: { tagCount: { increment: delta } },
  });
  if (changed.count === 0) {
    throw new LimitReachedError(
      'TAG_LIMIT_REACHED',
      MAX_TAGS_PER_FRIEND,
      `This friend already carries ${MAX_TAGS_PER_FRIEND} chat tags, the most a friend can have (R-TAG-1); take one off first.`,
    );
  }
}
