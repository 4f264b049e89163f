import { createHash, randomBytes } from 'node:crypto';

/** Member tokens and friend tokens are told apart by prefix, never interchangeable. */
export const MEMBER_TOKEN_PREFIX = 'dgn_';
export const FRIEND_TOKEN_PREFIX = 'dgnf_';
/** Invitation codes (inviteMember): a secret like a token, but only good for accepting one invitation. */
export const INVITATION_CODE_PREFIX = 'dgni_';

/** 256 random bits; only the sha256 is stored, so a database leak yields no usable token. */
export function newToken(prefix = MEMBER_TOKEN_PREFIX): { token: string; hash: string } {
  const token = prefix + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
