import type { Clock } from '../clock.ts';
import type { Tx } from '../db/client.ts';
import { type FriendViewer, authenticateFriend } from '../modules/friends/friend.service.ts';
import { type Viewer, authenticate } from '../modules/users/auth.service.ts';
import { type AppAbility, defineAbilityFor, defineFriendAbility } from './ability.ts';
import { FRIEND_TOKEN_PREFIX } from './token.ts';

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

/** The token of `Bearer <token>`; undefined when there is no header, null when it is malformed. */
export function bearerToken(header: string | null | undefined): string | null | undefined {
  if (header == null || header === '') return undefined;
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
}

export function isFriendToken(token: string): boolean {
  return token.startsWith(FRIEND_TOKEN_PREFIX);
}
