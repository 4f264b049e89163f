import { builder } from '../../graphql/builder.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { decodeId } from '../../graphql/global-id.ts';
import { asMember } from '../../graphql/run.ts';
import { AccountType } from './account.schema.ts';
import { setBusinessHours, WEEKDAYS } from './business-hours.service.ts';

const WeekdayEnum = builder.enumType('Weekday', { values: WEEKDAYS });

type Interval = { day: (typeof WEEKDAYS)[number]; open: string; close: string };

const IntervalType = builder.objectRef<Interval>('BusinessHoursInterval').implement({
  description: 'Open from `open` until `close` (exclusive), local time in the account time zone.',
  fields: (t) => ({
    day: t.field({ type: WeekdayEnum, resolve: (i) => i.day }),
    open: t.exposeString('open', { description: 'HH:MM' }),
    close: t.exposeString('close', { description: 'HH:MM; 24:00 for end of day.' }),
  }),
});

const IntervalInput = builder.inputType('BusinessHoursIntervalInput', {
  fields: (t) => ({
    day: t.field({ type: WeekdayEnum, required: true }),
    open: t.string({ required: true, description: 'HH:MM, local time.' }),
    close: t.string({ required: true, description: 'HH:MM (or 24:00), after open.' }),
  }),
});

builder.prismaObjectFields('Account', (t) => ({
  timeZone: t.exposeString('timeZone', { description: 'IANA time zone; business hours are read in it.' }),
  businessHours: t.field({
    type: [IntervalType],
    nullable: true,
    description: 'Weekly opening hours; null when not set.',
    select: { businessHours: true },
    resolve: (account) => {
      const weekly = account.businessHours as Record<string, { open: string; close: string }[]> | null;
      if (!weekly) return null;
      return WEEKDAYS.flatMap((day) => (weekly[day] ?? []).map((i) => ({ day, ...i })));
    },
  }),
}));

builder.mutationField('setBusinessHours', (t) =>
  t.field({
    type: AccountType,
    description: 'ADMIN: the account time zone and weekly opening hours (used by plugins such as business-hours). An empty list clears the hours.',
    errors: { types: [ValidationError, NotFoundError] },
    args: {
      accountId: t.arg.id({ required: true }),
      timeZone: t.arg.string({ required: true }),
      hours: t.arg({ type: [IntervalInput], required: true }),
    },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => setBusinessHours(deps, { accountId: decodeId('accountId', String(args.accountId), 'Account'), timeZone: args.timeZone, hours: args.hours })),
  }),
);
