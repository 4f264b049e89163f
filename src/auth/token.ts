import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'dgn_';

/** 256 random bits; only the sha256 is stored, so a database leak yields no usable token. */
export function newToken(): { token: string; hash: string } {
  const token = PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
