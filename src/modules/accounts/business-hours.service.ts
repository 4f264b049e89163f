import { z } from 'zod';
import { type Account, Prisma } from '../../generated/prisma/client.ts';
import { assertCan } from '../../auth/ability.ts';
import { MAX_BUSINESS_INTERVALS_PER_DAY } from '../../limits.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { parseInput } from '../validate.ts';
import { type Deps, loadAccount } from './account.service.ts';

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;

const time = (allow24: boolean) =>
  z.string().regex(allow24 ? /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/ : /^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM');

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const Input = z
  .object({
    accountId: z.string(),
    timeZone: z.string().trim().refine(isTimeZone, 'must be an IANA time zone such as Asia/Tokyo'),
    hours: z.array(z.object({ day: z.enum(WEEKDAYS), open: time(false), close: time(true) }).refine((i) => i.open < i.close, { message: 'open must be before close', path: ['close'] })).max(WEEKDAYS.length * MAX_BUSINESS_INTERVALS_PER_DAY),
  })
  .superRefine((input, ctx) => {
    for (const day of WEEKDAYS) {
      const intervals = input.hours.filter((h) => h.day === day).sort((a, b) => a.open.localeCompare(b.open));
      if (intervals.length > MAX_BUSINESS_INTERVALS_PER_DAY) ctx.addIssue({ code: 'custom', path: ['hours'], message: `at most ${MAX_BUSINESS_INTERVALS_PER_DAY} intervals per day (${day})` });
      for (let i = 1; i < intervals.length; i++) {
        if (intervals[i]!.open < intervals[i - 1]!.close) ctx.addIssue({ code: 'custom', path: ['hours'], message: `intervals overlap on ${day}` });
      }
    }
  });

/**
 * ADMIN: the account's time zone and weekly opening hours (plugins such as
 * business-hours read them). An empty `hours` list clears them.
 */
export async function setBusinessHours(deps: Deps, input: { accountId: string; timeZone: string; hours: { day: string; open: string; close: string }[] }): Promise<Account> {
  const data = parseInput(Input, input);
  const account = await loadAccount(deps, data.accountId);
  assertCan(deps.actor.ability, 'update', 'Account', account);
  const weekly: Record<string, { open: string; close: string }[]> = {};
  for (const { day, open, close } of [...data.hours].sort((a, b) => a.open.localeCompare(b.open))) (weekly[day] ??= []).push({ open, close });
  const businessHours = data.hours.length ? (weekly as Prisma.InputJsonObject) : null;
  const updated = await deps.tx.account.update({
    where: { id: account.id },
    data: { timeZone: data.timeZone, businessHours: businessHours ?? Prisma.DbNull },
  });
  await recordAudit(deps, {
    accountId: account.id,
    actorUserId: deps.actor.userId,
    action: AUDIT.businessHoursChanged,
    subject: { type: 'Account', id: account.id },
    data: { from: { timeZone: account.timeZone, businessHours: (account.businessHours ?? null) as Prisma.InputJsonValue }, to: { timeZone: data.timeZone, businessHours } },
  });
  return updated;
}
