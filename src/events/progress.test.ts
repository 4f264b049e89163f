import { expect, test } from 'vitest';
import { FakeClock } from '../../test/helpers/fake-clock.ts';
import { PROGRESS_EVENTS_PER_SECOND } from '../limits.ts';
import { progressReporter } from './progress.ts';

test(`progress events are throttled to ${PROGRESS_EVENTS_PER_SECOND} per second, and the last one always goes`, async () => {
  const clock = new FakeClock();
  const progress = progressReporter(clock, { accountId: 'a', deliveryId: 'd', total: 1000 });
  const recorded: number[] = [];
  const fakeTx = { outboxEvent: { create: async () => {} } } as never;
  for (let sent = 100; sent <= 1000; sent += 100) {
    if (await progress.report(fakeTx, sent)) recorded.push(sent);
    clock.advance(100); // a batch every 100 ms
  }
  // 1 s of batches at 10 per second: one every 250 ms, plus the final 1000.
  expect(recorded).toEqual([100, 400, 700, 1000]);
});
