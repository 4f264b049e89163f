import { definePlugin, z } from '../../src/plugin-system/public.ts';
import { nextOpenInstant } from './hours.ts';

/**
 * Deliveries leave only inside the account's business hours (set with
 * `setBusinessHours`, read in the account's time zone). Outside them the send
 * is refused with the next time it would be allowed.
 */
export default definePlugin({
  id: 'business-hours',
  version: '1.0.0',
  apiVersion: 1,
  description: "Sends only inside the account's business hours; outside, refused with the next allowed time",
  config: z.object({
    /** When the account has not set business hours: let sends through, or refuse them. */
    whenUnset: z.enum(['allow', 'refuse']).default('allow'),
  }),
  hooks: {
    beforeSend: (_delivery, ctx) => {
      const { timeZone, businessHours } = ctx.account;
      if (!businessHours) {
        return ctx.config.whenUnset === 'allow' ? undefined : { veto: 'the account has no business hours set: an ADMIN sets them with setBusinessHours' };
      }
      const next = nextOpenInstant(ctx.now, timeZone, businessHours);
      if (next && next.getTime() === ctx.now.getTime()) return;
      if (!next) return { veto: 'the account is never open: its business hours have no day with hours', details: { timeZone } };
      return {
        veto: `outside business hours (${timeZone}); the next allowed time is ${next.toISOString()}`,
        details: { nextAllowedAt: next.toISOString(), timeZone },
      };
    },
  },
});
