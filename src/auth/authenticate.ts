import type { Clock } from '../clock.ts';
import type { Tx } from '../db/client.ts';
import type { FriendStatus, Role } from '../generated/prisma/client.ts';
import { type AppAbility, type Membership, defineAbilityFor, defineFriendAbility } from './ability.ts';
import { FRIEND_TOKEN_PREFIX, hashToken } from './token.ts';

/** Who a member token speaks for, with the memberships the ability is built from. */
export type Viewer = { userId: string; email: string; tokenId: string; memberships: Membership[] };

/** Who a friend token speaks for. */
/** Who a friend token speaks for; `chatId` is their 1:1 chat with the account (created with the follow). */
export type FriendViewer = { friendId: string; accountId: string; chatId: string | null; tokenId: string; status: FriendStatus };

/** Who a bearer token speaks for, with the ability built from it. */
export type Access =
  | { viewer: Viewer; friend: null; ability: AppAbility }
  | { viewer: null; friend: FriendViewer; ability: AppAbility };

/** A member token (`dgn_…`) or a friend token (`dgnf_…`); null when unknown, expired or revoked. */
export async function authenticateToken(deps: { tx: Tx; clock: Clock }, token: string): Promise<Access | null> {
  if (token.startsWith(FRIEND_TOKEN_PREFIX)) {
    const friend = await authenticateFriend(deps, token);
    return friend && { viewer: null, friend, ability: defineFriendAbility(friend) };
  }
  const viewer = await authenticate(deps, token);
  return viewer && { viewer, friend: null, ability: defineAbilityFor(viewer) };
}

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

/** Resolves a friend token; null when unknown or revoked. Unfollowed friends lose their token's use. */
export async function authenticateFriend(deps: { tx: Tx }, token: string): Promise<FriendViewer | null> {
  const row = await deps.tx.friendToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, revokedAt: true, friend: { select: { id: true, accountId: true, status: true, chat: { select: { id: true } } } } },
  });
  if (!row || row.revokedAt || row.friend.status === 'UNFOLLOWED') return null;
  const { friend } = row;
  return { friendId: friend.id, accountId: friend.accountId, chatId: friend.chat?.id ?? null, tokenId: row.id, status: friend.status };
}

/** The token of `Bearer <token>`; undefined when there is no header, null when it is malformed. */
export function bearerToken(header: string | null | undefined): string | null | undefined {
  if (header == null || header === '') return undefined;
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
}

export function isFriendToken(token: string): boolean {
  return token.startsWith(FRIEND_TOKEN_PREFIX);
}
