import type { Clock } from '../../src/clock.ts';

/** A clock that moves only when told; nothing in the suite sleeps. */
export class FakeClock implements Clock {
  #now: number;
  constructor(start = new Date('2026-11-23T09:00:00.000Z')) {
    this.#now = start.getTime();
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
