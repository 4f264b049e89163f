import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Tx } from '../../db/client.ts';
import { NotFoundError } from '../../errors.ts';
import type { Friend, FriendStatus } from '../../generated/prisma/client.ts';
import { FRIEND_TOKEN_PREFIX, newToken } from '../../auth/token.ts';
import type { FriendDeps } from '../../deps.ts';
import { MAX_NAME_LENGTH } from '../../limits.ts';
import { boundedText, parseInput } from '../validate.ts';
import { recordEvent } from '../../events/outbox.ts';
import { NO_ACCOUNT } from '../../events/types.ts';

// Moved to src/deps.ts and src/auth/ (auth owns token lookups); re-exported so existing imports keep working.
export type { FriendDeps, FriendViewer } from '../../deps.ts';
export { authenticateFriend } from '../../auth/authenticate.ts';

const FollowInput = z.object({ accountId: z.string(), displayName: boundedText(MAX_NAME_LENGTH) });

/**
 * A person adds the account as a friend: the friend, their token and their
 * (not yet open, R-CHAT-1) chat are created together.
 */
export async function follow(
  deps: { tx: Tx; clock: Clock },
  input: z.input<typeof FollowInput>,
): Promise<{ friend: Friend; token: string }> {
  const data = parseInput(FollowInput, input);
  const account = await deps.tx.account.findUnique({ where: { id: data.accountId }, select: { id: true } });
  if (!account) throw new NotFoundError('accountId');
  const now = deps.clock.now();
  const { token, hash } = newToken(FRIEND_TOKEN_PREFIX);
  const friend = await deps.tx.friend.create({
    data: {
      accountId: account.id,
      displayName: data.displayName,
      followedAt: now,
      statusChangedAt: now,
      tokens: { create: { tokenHash: hash, createdAt: now } },
      chat: { create: { accountId: account.id, createdAt: now } },
    },
  });
  return { friend, token };
}

/** Blocking stops every delivery to the friend; unblocking resumes them. */
export async function setFriendStatus(deps: FriendDeps, status: FriendStatus): Promise<Friend> {
  const friend = await deps.tx.friend.update({
    where: { id: deps.friend.friendId },
    data: { status, statusChangedAt: deps.clock.now() },
  });
  // The friend's own open subscriptions stop at once when they block.
  await recordEvent(deps, { accountId: friend.accountId, type: 'friend.status_changed', payload: { friendId: friend.id, status } });
  return friend;
}

/** Unfollowing ends this token: its open connections and streams close at once, on every instance. */
export async function revokeFriendToken(deps: FriendDeps): Promise<void> {
  await deps.tx.friendToken.update({ where: { id: deps.friend.tokenId }, data: { revokedAt: deps.clock.now() } });
  await recordEvent(deps, { accountId: NO_ACCOUNT, type: 'token.revoked', payload: { tokenId: deps.friend.tokenId } });
}

export async function setNotifications(deps: FriendDeps, enabled: boolean): Promise<Friend> {
  return deps.tx.friend.update({ where: { id: deps.friend.friendId }, data: { notificationsEnabled: enabled } });
}
