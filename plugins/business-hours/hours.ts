// Weekly opening hours in an IANA time zone, with no date library: Intl
// gives the local wall time of an instant, and two passes of "guess the
// offset" turn a local wall time back into an instant (DST included).
import type { Weekday, WeeklyHours } from '../../src/plugin-system/public.ts';

const WEEKDAYS: readonly Weekday[] = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const DAY_MS = 86_400_000;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** The wall-clock date and time of `instant` in `timeZone`. */
function wallClock(instant: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** How far `timeZone` is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(new Date(instant), timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

/** The instant a local wall time happens in `timeZone` (a time skipped by DST lands just after the gap). */
function instantOf(localMidnightUtc: number, minutes: number, timeZone: string): number {
  const wall = localMidnightUtc + minutes * 60_000;
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

/**
 * The first instant at or after `now` inside the opening hours: `now` itself
 * when open, null when no day has hours. Intervals are [open, close), local
 * time; `close` may be `24:00`.
 */
export function nextOpenInstant(now: Date, timeZone: string, hours: WeeklyHours): Date | null {
  const today = wallClock(now, timeZone);
  const midnight = Date.UTC(today.year, today.month - 1, today.day);
  for (let offset = 0; offset <= 7; offset++) {
    const dayStart = midnight + offset * DAY_MS;
    const weekday = WEEKDAYS[new Date(dayStart).getUTCDay()]!;
    const intervals = [...(hours[weekday] ?? [])].sort((a, b) => minutesOf(a.open) - minutesOf(b.open));
    for (const { open, close } of intervals) {
      const start = instantOf(dayStart, minutesOf(open), timeZone);
      const end = instantOf(dayStart, minutesOf(close), timeZone);
      if (now.getTime() < start) return new Date(start);
      if (now.getTime() < end) return now;
    }
  }
  return null;
}
