import { builder } from '../../graphql/builder.ts';
import { accessibleWhere } from '../../auth/ability.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { FriendStatus } from '../../generated/prisma/enums.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { decodeId, decodeQueryId, encodeGlobalId } from '../../graphql/global-id.ts';
import { asFriend, transaction } from '../../graphql/run.ts';
import { follow, revokeFriendToken, setFriendStatus, setNotifications, type FriendViewer } from './friend.service.ts';
import type { Friend } from '../../generated/prisma/client.ts';

export const FriendStatusEnum = builder.enumType(FriendStatus, { name: 'FriendStatus' });

export const FriendType = builder.prismaNode('Friend', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'Friend')] }),
  description: 'An end user who added the account as a friend.',
  fields: (t) => ({
    displayName: t.exposeString('displayName'),
    status: t.expose('status', { type: FriendStatusEnum }),
    followedAt: t.expose('followedAt', { type: 'DateTime' }),
    notificationsEnabled: t.exposeBoolean('notificationsEnabled'),
    attributes: t.expose('attributes', { type: 'JSON' }),
    chat: t.relation('chat', { nullable: true }),
  }),
});

const FriendFilter = builder.inputType('FriendFilter', {
  fields: (t) => ({
    status: t.field({ type: FriendStatusEnum }),
    tagId: t.id({ description: 'Only friends carrying this chat tag.' }),
    nameContains: t.string({ description: 'Case-insensitive part of the display name.' }),
  }),
});

builder.prismaObjectField('Account', 'friends', (t) =>
  t.prismaConnection({
    type: 'Friend',
    cursor: 'id',
    description: 'Newest first.',
    args: { filter: t.arg({ type: FriendFilter }) },
    resolve: (query, account, args, ctx) => {
      const filter = args.filter ?? {};
      const where: Prisma.FriendWhereInput = {
        accountId: account.id,
        AND: [accessibleWhere(ctx.ability, 'read', 'Friend')],
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.tagId ? { tags: { some: { tagId: decodeQueryId('filter.tagId', String(filter.tagId), 'ChatTag') } } } : {}),
        ...(filter.nameContains ? { displayName: { contains: filter.nameContains, mode: 'insensitive' } } : {}),
      };
      return ctx.deps.db.prisma.friend.findMany({ ...query, where, orderBy: [{ followedAt: 'desc' }, { id: 'desc' }] });
    },
  }),
);

builder.queryField('friend', (t) =>
  t.prismaField({
    type: 'Friend',
    nullable: true,
    description: 'A friend of an account you are a member of; null for any other id.',
    args: { id: t.arg.id({ required: true }) },
    // Member side only: a friend token asking for its own Friend would read the account's internals about it.
    resolve: (query, _root, args, ctx) =>
      ctx.viewer
        ? ctx.deps.db.prisma.friend.findFirst({
            ...query,
            where: { id: decodeQueryId('id', String(args.id), 'Friend'), AND: [accessibleWhere(ctx.ability, 'read', 'Friend')] },
          })
        : null,
  }),
);

// Friend side: what a chat widget calls with a friend token.

type FollowResult = { token: string; friend: Friend };
const FriendSession = builder.objectRef<FollowResult>('FriendSession').implement({
  description: 'A friend token: send it as `Authorization: Bearer <token>` from the chat widget. Shown once.',
  fields: (t) => ({
    token: t.exposeString('token'),
    friendId: t.id({
      description: 'Your FriendSelf id (friend side: `node(id:)` with this token); not the id members know you by.',
      resolve: (r) => encodeGlobalId('FriendSelf', r.friend.id),
    }),
    status: t.field({ type: FriendStatusEnum, resolve: (r) => r.friend.status }),
  }),
});

// Friend side: the friend's own view of themselves; none of what the account
// keeps about them (attributes, tags, R-INBOX-2).
const FriendSelf = builder.prismaNode('Friend', {
  variant: 'FriendSelf',
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'FriendSelf')] }),
  description: "The friend's own view of themselves (friend token only).",
  fields: (t) => ({
    displayName: t.exposeString('displayName'),
    status: t.expose('status', { type: FriendStatusEnum }),
    notificationsEnabled: t.exposeBoolean('notificationsEnabled'),
  }),
});

const statusMutation = (status: FriendStatus, description: string) =>
  builder.mutationField(`friend${status === 'BLOCKED' ? 'Block' : status === 'FOLLOWING' ? 'Unblock' : 'Unfollow'}`, (t) =>
    t.field({
      type: FriendSelf,
      description,
      resolve: (_root, _args, ctx) =>
        asFriend(ctx, async (deps) => {
          const friend = await setFriendStatus(deps, status);
          if (status === 'UNFOLLOWED') await revokeFriendToken(deps);
          return friend;
        }),
    }),
  );

statusMutation('BLOCKED', 'Friend side: block the account. Nothing reaches you until you unblock; members are told they cannot deliver.');
statusMutation('FOLLOWING', 'Friend side: unblock the account.');
statusMutation('UNFOLLOWED', 'Friend side: remove the account from your friends; this token stops working.');

builder.mutationFields((t) => ({
  friendFollow: t.field({
    type: FriendSession,
    description: 'Friend side: add the account as a friend. Returns a friend token (no member token needed).',
    errors: { types: [ValidationError, NotFoundError] },
    args: { accountId: t.arg.id({ required: true }), displayName: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) =>
      transaction(ctx, (tx) =>
        follow({ tx, clock: ctx.deps.clock }, { accountId: decodeId('accountId', String(args.accountId), 'Account'), displayName: args.displayName }),
      ),
  }),
  friendSetNotifications: t.field({
    type: FriendSelf,
    description: 'Friend side: whether message previews are pushed to your device.',
    args: { enabled: t.arg.boolean({ required: true }) },
    resolve: (_root, args, ctx) => asFriend(ctx, (deps) => setNotifications(deps, args.enabled)),
  }),
}));

export type { FriendViewer };
