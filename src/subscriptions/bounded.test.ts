import { describe, expect, test } from 'vitest';
import { bounded } from './bounded.ts';

function source<T>() {
  const items: T[] = [];
  let wake: (() => void) | null = null;
  let returned = false;
  const iterator: AsyncIterator<T> = {
    async next() {
      while (items.length === 0 && !returned) await new Promise<void>((resolve) => (wake = resolve));
      if (returned) return { done: true, value: undefined };
      return { done: false, value: items.shift()! };
    },
    async return() {
      returned = true;
      wake?.();
      return { done: true, value: undefined };
    },
  };
  return {
    iterator,
    push(item: T) {
      items.push(item);
      wake?.();
      wake = null;
    },
    get returned() {
      return returned;
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('bounded: slow consumers are dropped, not buffered without end', () => {
  test('passes items through in order', async () => {
    const s = source<number>();
    const out = bounded(s.iterator, 3, () => new Error('overflow'));
    s.push(1);
    s.push(2);
    expect(await out.next()).toEqual({ done: false, value: 1 });
    expect(await out.next()).toEqual({ done: false, value: 2 });
  });

  test('past the limit the source is closed and the reader gets the error after what was queued', async () => {
    const s = source<number>();
    const out = bounded(s.iterator, 2, () => new Error('too slow'));
    for (const n of [1, 2, 3]) {
      s.push(n);
      await tick();
    }
    await tick();
    expect(s.returned).toBe(true);
    expect(await out.next()).toEqual({ done: false, value: 1 });
    expect(await out.next()).toEqual({ done: false, value: 2 });
    await expect(out.next()).rejects.toThrow('too slow');
  });

  test('return() closes the source', async () => {
    const s = source<number>();
    const out = bounded(s.iterator, 2, () => new Error('overflow'));
    await out.return!();
    expect(s.returned).toBe(true);
    expect(await out.next()).toEqual({ done: true, value: undefined });
  });
});
