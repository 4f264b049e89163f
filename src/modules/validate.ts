import { z } from 'zod';
import { ValidationError } from '../errors.ts';

/**
 * Parses service input with zod and turns the first issue into a
 * ValidationError naming the field and, for size limits, the limit.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  assertSafeText(input);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || 'input';
  const limit = 'maximum' in issue ? Number(issue.maximum) : 'minimum' in issue ? Number(issue.minimum) : null;
  return raise(new ValidationError(field, `${field}: ${issue.message}`, Number.isFinite(limit) ? limit : null));
}

function raise(error: Error): never {
  throw error;
}

/** Trimmed, non-empty, at most `max` characters. */
export const boundedText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('is not a valid email address'))
  .transform((value) => value.toLowerCase());

// PostgreSQL text cannot hold U+0000 and UTF-8 cannot encode a lone
// surrogate: either would fail deep in the driver as an internal error.
// With the `u` flag a paired surrogate is one code point, so only lone ones match.
const UNSAFE_TEXT = /[\0\p{Cs}]/u;

/** The path (`content.text`, `tags.2`) of the first string holding a NUL byte or a lone surrogate, if any. */
export function findUnsafeText(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return UNSAFE_TEXT.test(value) ? path || 'input' : null;
  if (value === null || typeof value !== 'object' || value instanceof Date) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = findUnsafeText(item, path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return null;
}

/** Refuses text no column can store, naming where it is: the one check behind every text argument. */
export function assertSafeText(value: unknown, path = ''): void {
  const field = findUnsafeText(value, path);
  if (field) throw new ValidationError(field, `${field}: must not contain NUL bytes or unpaired surrogates`);
}
