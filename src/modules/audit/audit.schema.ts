import { builder } from '../../graphql/builder.ts';
import { accessibleWhere, can } from '../../auth/ability.ts';
import { forbidden } from '../../errors.ts';

builder.prismaNode('AuditEvent', {
  id: { field: 'id' },
  // accountId and subjectType: the read policy strips the subject's statistics from `data` per account.
  select: { id: true, accountId: true, subjectType: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'AuditEvent')] }),
  description: 'Who did what, when: written in the same transaction as the change.',
  fields: (t) => ({
    action: t.exposeString('action', { description: 'Dotted name, e.g. member.role_changed.' }),
    actorUserId: t.exposeString('actorUserId', { nullable: true }),
    subjectType: t.exposeString('subjectType'),
    subjectId: t.exposeString('subjectId'),
    data: t.expose('data', { type: 'JSON', description: 'What changed, e.g. the revision and the status before.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Account', 'auditEvents', (t) =>
  t.prismaConnection({
    type: 'AuditEvent',
    cursor: 'id',
    description: 'Newest first. ADMIN only (FORBIDDEN otherwise).',
    resolve: (query, account, _args, ctx) => {
      if (!can(ctx.ability, 'read', 'AuditEvent', { accountId: account.id })) {
        throw forbidden('Only ADMINs can read the audit log.');
      }
      return ctx.deps.db.prisma.auditEvent.findMany({
        ...query,
        where: { accountId: account.id, AND: [accessibleWhere(ctx.ability, 'read', 'AuditEvent')] },
        orderBy: { seq: 'desc' },
      });
    },
  }),
);
