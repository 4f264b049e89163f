import { definePlugin, requireApprovals, z } from '../../src/plugin-system/public.ts';

/**
 * Four eyes (or more) on everything that goes out to many friends: N
 * approvals from members other than the author. Admins are not exempt:
 * an ADMIN's own broadcast needs N approvals from others too.
 */
export default definePlugin({
  id: 'two-person-rule',
  version: '1.0.0',
  apiVersion: 1,
  description: 'Deliveries need approvals from N members other than the author',
  config: z.object({
    /** Approvals needed, from distinct members who are not the author. */
    approvals: z.number().int().min(1).max(5).default(2),
    /** Only approvals from these roles count; unset: every role with send permission. */
    roles: z.array(z.enum(['ADMIN', 'OPERATOR'])).min(1).optional(),
  }),
  policies: [
    {
      key: 'approvals',
      appliesTo: ['BROADCAST', 'NARROWCAST'],
      evaluate: (_delivery, ctx) =>
        requireApprovals({
          approvals: ctx.config.approvals,
          excludeAuthor: true,
          ...(ctx.config.roles ? { roles: ctx.config.roles } : {}),
          reason: `${ctx.config.approvals} approval(s) from members other than the author${ctx.config.roles ? ` (${ctx.config.roles.join(' or ')})` : ''}`,
        }),
    },
  ],
});
