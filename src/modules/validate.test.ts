import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { parseInput } from './validate.ts';

describe('parseInput refuses text no column can store, whoever calls the service', () => {
  const schema = z.object({ content: z.object({ text: z.string() }) });

  test.each([
    ['a NUL byte', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00b'],
  ])('%s is a ValidationError naming the path', (_label, text) => {
    const refuse = () => parseInput(schema, { content: { text } });
    expect(refuse).toThrow(ValidationError);
    expect(refuse).toThrow(/^content\.text: must not contain NUL/);
  });

  test('a paired surrogate is one character and passes', () => {
    expect(parseInput(schema, { content: { text: '🍵' } })).toEqual({ content: { text: '🍵' } });
  });
});
