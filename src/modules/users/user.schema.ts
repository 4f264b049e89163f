import { builder } from '../../graphql/builder.ts';
import { accessibleWhere } from '../../auth/ability.ts';
import { ConflictError, InvalidCredentialsError, ValidationError } from '../../errors.ts';
import { actAs, asAnyone, requireViewer, transaction } from '../../graphql/run.ts';
import { type Session, signIn, signOut, signUp } from './auth.service.ts';

export const UserType = builder.prismaNode('User', {
  id: { field: 'id' },
  // Read only the columns a query asks for (and never passwordHash by accident).
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'User')] }),
  description: 'A person who signs in; a member of zero or more accounts.',
  fields: (t) => ({
    email: t.exposeString('email'),
    displayName: t.exposeString('displayName'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const SessionType = builder.objectRef<Session>('Session').implement({
  description: 'A bearer token: send it as `Authorization: Bearer <token>`. Shown once; only its hash is stored.',
  fields: (t) => ({
    token: t.exposeString('token'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    user: t.field({ type: UserType, resolve: (session) => session.user }),
  }),
});

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The signed-in user, or null without a token.',
    resolve: (query, _root, _args, ctx) =>
      ctx.viewer ? ctx.deps.db.prisma.user.findUnique({ ...query, where: { id: ctx.viewer.userId } }) : null,
  }),
);

builder.mutationFields((t) => ({
  signUp: t.field({
    type: SessionType,
    description: 'Creates a user and signs them in.',
    errors: { types: [ValidationError, ConflictError] },
    args: {
      email: t.arg.string({ required: true }),
      password: t.arg.string({ required: true }),
      displayName: t.arg.string({ required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const session = await asAnyone(ctx, (deps) => signUp(deps, args));
      await actAs(ctx, session);
      return session;
    },
  }),
  signIn: t.field({
    type: SessionType,
    description: 'Returns a new bearer token. Wrong password and unknown email give the same error.',
    errors: { types: [InvalidCredentialsError] },
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const session = await asAnyone(ctx, (deps) => signIn(deps, args));
      await actAs(ctx, session);
      return session;
    },
  }),
  signOut: t.boolean({
    description: 'Revokes the token this request was made with.',
    resolve: async (_root, _args, ctx) => {
      const viewer = requireViewer(ctx);
      await transaction(ctx, (tx) => signOut({ tx, clock: ctx.deps.clock }, viewer.tokenId));
      return true;
    },
  }),
}));
