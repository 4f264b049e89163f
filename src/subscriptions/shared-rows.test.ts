import { describe, expect, test } from 'vitest';
import { SharedRows } from './shared-rows.ts';

describe('SharedRows: one load per event and selection, shared for a few seconds', () => {
  test('the same key loads once; another key loads again', async () => {
    let now = 0;
    const rows = new SharedRows(1_000, () => now);
    let loads = 0;
    const fetch = async () => ({ n: ++loads });
    const [a, b] = await Promise.all([rows.load('e1', fetch), rows.load('e1', fetch)]);
    expect(a).toBe(b);
    expect(await rows.load('e2', fetch)).toEqual({ n: 2 });
    expect(loads).toBe(2);
  });

  test('entries expire after the ttl, so memory follows the event rate, not the uptime', async () => {
    let now = 0;
    const rows = new SharedRows(1_000, () => now);
    let loads = 0;
    await rows.load('e1', async () => ++loads);
    now = 999;
    await rows.load('e1', async () => ++loads);
    expect(loads).toBe(1);
    now = 1_000;
    await rows.load('e2', async () => ++loads);
    expect(rows.size).toBe(1);
    expect(await rows.load('e1', async () => ++loads)).toBe(3);
  });

  test('a failed load is not shared: the next caller tries again', async () => {
    const rows = new SharedRows(1_000, () => 0);
    await expect(rows.load('e1', async () => Promise.reject(new Error('connection reset')))).rejects.toThrow('connection reset');
    expect(await rows.load('e1', async () => 'row')).toBe('row');
  });
});
