import { z } from 'zod';
import { ValidationError } from '../errors.ts';

/**
 * Parses service input with zod and turns the first issue into a
 * ValidationError naming the field and, for size limits, the limit.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
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
