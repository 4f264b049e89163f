import { builder } from '../../graphql/builder.ts';
import { accessibleWhere } from '../../auth/ability.ts';
import { ValidationError } from '../../errors.ts';
import { Plan, Role } from '../../generated/prisma/enums.ts';
import { decodeQueryId } from '../../graphql/global-id.ts';
import { asMember } from '../../graphql/run.ts';
import { MAX_MEMBERS } from '../../limits.ts';
import { createAccount } from './account.service.ts';

export const RoleEnum = builder.enumType(Role, {
  name: 'Role',
  description: 'R-MEMBER-2, from most to least power.',
});
export const PlanEnum = builder.enumType(Plan, { name: 'Plan' });

export const AccountType = builder.prismaNode('Account', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'Account')] }),
  description: 'A business ("official") account run by up to 100 members.',
  fields: (t) => ({
    name: t.exposeString('name'),
    plan: t.expose('plan', { type: PlanEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    memberCount: t.exposeInt('memberCount'),
    memberLimit: t.int({ description: 'R-MEMBER-1.', resolve: () => MAX_MEMBERS }),
    viewerRole: t.field({
      type: RoleEnum,
      nullable: true,
      description: "The signed-in user's role in this account.",
      resolve: (account, _args, ctx) => ctx.viewer?.memberships.find((m) => m.accountId === account.id)?.role ?? null,
    }),
    recallWindowSeconds: t.int({
      description: 'R-RECALL-1: how long after sending a chat message may be recalled (set per deployment).',
      resolve: (_account, _args, ctx) => Math.floor(ctx.deps.config.recallWindowMs / 1000),
    }),
  }),
});

builder.queryField('account', (t) =>
  t.prismaField({
    type: 'Account',
    nullable: true,
    description: 'An account you are a member of; null for any other id, existing or not.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.deps.db.prisma.account.findFirst({
        ...query,
        where: { id: decodeQueryId('id', String(args.id), 'Account'), AND: [accessibleWhere(ctx.ability, 'read', 'Account')] },
      }),
  }),
);

builder.mutationField('createAccount', (t) =>
  t.field({
    type: AccountType,
    description: 'Creates an account; you become its first ADMIN.',
    errors: { types: [ValidationError] },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => createAccount(deps, args), { membershipsChange: true }),
  }),
);
