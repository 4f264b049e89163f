import { builder } from '../../graphql/builder.ts';
import { accessibleWhere, can } from '../../auth/ability.ts';
import { ConflictError, forbidden, LastAdminError, LimitReachedError, NotFoundError, ValidationError } from '../../errors.ts';
import { InvitationStatus } from '../../generated/prisma/enums.ts';
import { decodeId, encodeGlobalId } from '../../graphql/global-id.ts';
import type { Member } from '../../generated/prisma/client.ts';
import { asMember } from '../../graphql/run.ts';
import { RoleEnum } from '../accounts/account.schema.ts';
import { acceptInvitation, changeMemberRole, inviteMember, leaveAccount, removeMember, revokeInvitation } from './member.service.ts';

const InvitationStatusEnum = builder.enumType(InvitationStatus, { name: 'InvitationStatus' });

const MemberType = builder.prismaNode('Member', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'Member')] }),
  description: 'A user\'s membership of an account, with a role (R-MEMBER-2).',
  fields: (t) => ({
    role: t.expose('role', { type: RoleEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    user: t.relation('user'),
    account: t.relation('account'),
  }),
});

const InvitationType = builder.prismaNode('Invitation', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'Invitation')] }),
  description: 'An invitation of an email address into an account with a role.',
  fields: (t) => ({
    email: t.exposeString('email'),
    role: t.expose('role', { type: RoleEnum }),
    status: t.expose('status', { type: InvitationStatusEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    accountName: t.string({ select: { account: { select: { name: true } } }, resolve: (invitation) => invitation.account.name }),
    code: t.string({
      nullable: true,
      description:
        'The secret code the invitee needs for acceptInvitation: only in the result of inviteMember, to the inviter, once (only its hash is stored); null everywhere else. Pass it on yourself, or it is mailed when the server sends mail.',
      resolve: (invitation) => (invitation as { code?: string }).code ?? null,
    }),
  }),
});

builder.prismaObjectFields('Account', (t) => ({
  // A nested relation, so the account, its members and their users load in
  // one statement (relationJoins: LATERAL joins with the page LIMIT in SQL).
  // Fine here because R-MEMBER-1 bounds the rows at 100; unbounded lists
  // (chat messages) must page with a top-level findMany instead.
  members: t.relatedConnection('members', {
    cursor: 'id',
    description: 'Oldest first; at most 100 per page. The total is `memberCount`.',
    query: (_args, ctx) => ({
      where: accessibleWhere(ctx.ability, 'read', 'Member'),
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    }),
  }),
  invitations: t.prismaConnection({
    type: 'Invitation',
    cursor: 'id',
    description: 'Pending invitations, newest first. ADMIN only (FORBIDDEN otherwise).',
    resolve: (query, account, _args, ctx) => {
      if (!can(ctx.ability, 'read', 'Invitation', { accountId: account.id, email: '' })) {
        throw forbidden('Only ADMINs can see invitations.');
      }
      return ctx.deps.db.prisma.invitation.findMany({
        ...query,
        where: { accountId: account.id, status: 'PENDING', AND: [accessibleWhere(ctx.ability, 'read', 'Invitation')] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  }),
}));

builder.prismaObjectFields('User', (t) => ({
  memberships: t.relation('memberships', {
    description: 'The accounts this user belongs to, with their role.',
    query: (_args, ctx) => ({ where: accessibleWhere(ctx.ability, 'read', 'Member'), orderBy: { createdAt: 'asc' } }),
  }),
  invitations: t.prismaConnection({
    type: 'Invitation',
    cursor: 'id',
    description: 'Pending invitations addressed to this user\'s email.',
    resolve: (query, user, _args, ctx) =>
      ctx.deps.db.prisma.invitation.findMany({
        ...query,
        where: { email: user.email, status: 'PENDING', AND: [accessibleWhere(ctx.ability, 'read', 'Invitation')] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
}));

/** A membership that no longer exists: the row is gone, so no relations to follow. */
const EndedMembership = builder.objectRef<Member>('EndedMembership').implement({
  description: 'The membership that removeMember / leaveAccount ended.',
  fields: (t) => ({
    id: t.id({ description: 'The former Member id.', resolve: (m) => encodeGlobalId('Member', m.id) }),
    role: t.field({ type: RoleEnum, resolve: (m) => m.role }),
    userId: t.id({ resolve: (m) => encodeGlobalId('User', m.userId) }),
    accountId: t.id({ resolve: (m) => encodeGlobalId('Account', m.accountId) }),
  }),
});

const MEMBER_ERRORS = [ValidationError, NotFoundError, LimitReachedError, ConflictError, LastAdminError];

builder.mutationFields((t) => ({
  inviteMember: t.field({
    type: InvitationType,
    description: 'ADMIN only. Invites an email with a role; re-inviting renews the pending invitation.',
    errors: { types: MEMBER_ERRORS },
    args: { accountId: t.arg.id({ required: true }), email: t.arg.string({ required: true }), role: t.arg({ type: RoleEnum, required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) =>
        inviteMember(deps, { accountId: decodeId('accountId', String(args.accountId), 'Account'), email: args.email, role: args.role }),
      ),
  }),
  revokeInvitation: t.field({
    type: InvitationType,
    description: 'ADMIN only. Withdraws a pending invitation.',
    errors: { types: MEMBER_ERRORS },
    args: { invitationId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => revokeInvitation(deps, decodeId('invitationId', String(args.invitationId), 'Invitation'))),
  }),
  acceptInvitation: t.field({
    type: MemberType,
    description: 'The invited user joins the account (R-MEMBER-1): signed in with the invited email, and with the invitation\'s secret code.',
    errors: { types: MEMBER_ERRORS },
    args: {
      invitationId: t.arg.id({ required: true }),
      code: t.arg.string({ required: true, description: 'The secret code the inviter was given by inviteMember (and passed on to you).' }),
    },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => acceptInvitation(deps, { invitationId: decodeId('invitationId', String(args.invitationId), 'Invitation'), code: args.code }), {
        membershipsChange: true,
      }),
  }),
  changeMemberRole: t.field({
    type: MemberType,
    description: 'ADMIN only. The last ADMIN cannot be demoted (R-MEMBER-3).',
    errors: { types: MEMBER_ERRORS },
    args: { memberId: t.arg.id({ required: true }), role: t.arg({ type: RoleEnum, required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) =>
        changeMemberRole(deps, { memberId: decodeId('memberId', String(args.memberId), 'Member'), role: args.role }),
        { membershipsChange: true },
      ),
  }),
  removeMember: t.field({
    type: EndedMembership,
    description: 'ADMIN only. Returns the removed membership. The last ADMIN cannot be removed (R-MEMBER-3).',
    errors: { types: MEMBER_ERRORS },
    args: { memberId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => removeMember(deps, decodeId('memberId', String(args.memberId), 'Member'))),
  }),
  leaveAccount: t.field({
    type: EndedMembership,
    description: 'Leave an account. Returns the ended membership. The last ADMIN cannot leave (R-MEMBER-3).',
    errors: { types: MEMBER_ERRORS },
    args: { accountId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => leaveAccount(deps, decodeId('accountId', String(args.accountId), 'Account'))),
  }),
}));
