import { dictionary } from '@zxcvbn-ts/language-common';

// zxcvbn-ts's list of common (leaked) passwords, MIT, shipped in the package
// (nothing is fetched). Loaded on the first sign-up, not at start.
let common: Set<string> | null = null;

/** True for a password in the common-password list (case-insensitive: `Password12` is as guessable as `password12`). */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common.has(password.toLowerCase());
}

/** True for one short unit repeated (`aaaaaaaaaa`, `abababababab`, `123123123123`): long, but guessed first. */
export function isRepetitive(password: string): boolean {
  return /^(.{1,4})\1+$/su.test(password);
}
