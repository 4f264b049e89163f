import { builder } from '../../graphql/builder.ts';
import { FriendType } from '../friends/friend.schema.ts';
import { accessibleWhere } from '../../auth/ability.ts';
import { ConflictError, LimitReachedError, NotFoundError, ValidationError } from '../../errors.ts';
import { decodeId, encodeGlobalId } from '../../graphql/global-id.ts';
import { asMember } from '../../graphql/run.ts';
import { type ChatTagDeletion, createChatTag, deleteChatTag, renameChatTag, tagFriend, untagFriend } from './chat-tag.service.ts';

const ChatTagType = builder.prismaNode('ChatTag', {
  id: { field: 'id' },
  // accountId: the read policy decides statistics (friendCount) per account.
  select: { id: true, accountId: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'ChatTag')] }),
  description: 'A label members put on friends, e.g. the product they asked about (R-TAG-1). Only members see tags.',
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    // Not relationCount: that one is never nullable.
    friendCount: t.int({
      nullable: true,
      description: 'How many friends carry this tag.',
      select: { _count: { select: { friends: true } } },
      resolve: (tag) => tag._count.friends,
    }),
  }),
});

builder.prismaObjectFields('Account', (t) => ({
  // Nested, so the page folds into the account's statement; R-TAG-1 bounds it at 200 rows.
  chatTags: t.relatedConnection('chatTags', {
    cursor: 'id',
    description: 'By name, ignoring case; at most 100 per page. The total is `chatTagCount`.',
    query: (_args, ctx) => ({
      where: accessibleWhere(ctx.ability, 'read', 'ChatTag'),
      orderBy: [{ nameKey: 'asc' }, { id: 'asc' }],
    }),
  }),
  chatTagCount: t.exposeInt('chatTagCount', { description: 'R-TAG-1: at most 200 per account.' }),
}));

builder.prismaObjectFields('Friend', (t) => ({
  tags: t.field({
    type: [ChatTagType],
    description: 'The chat tags this friend carries (at most 10, R-TAG-1), by name. Empty for a friend token (R-TAG-3).',
    // Through the join table inside the friend's own statement: no query per friend.
    select: (_args, ctx, nestedSelection) => ({
      tags: {
        where: { tag: accessibleWhere(ctx.ability, 'read', 'ChatTag') },
        orderBy: [{ tag: { nameKey: 'asc' } }, { tagId: 'asc' }],
        select: { tag: nestedSelection(true) },
      },
    }),
    resolve: (friend) => friend.tags.map(({ tag }) => tag),
  }),
}));

const ChatTagDeletionType = builder.objectRef<ChatTagDeletion>('ChatTagDeletion').implement({
  description: 'A deleted chat tag, and how many friends lost it.',
  fields: (t) => ({
    deletedTagId: t.id({ resolve: (r) => encodeGlobalId('ChatTag', r.tag.id) }),
    name: t.string({ resolve: (r) => r.tag.name }),
    untaggedFriendCount: t.exposeInt('untaggedFriends', { nullable: true, description: 'Friends who carried the tag.' }),
  }),
});

// Mutations are plain fields, not prismaField (which promises the plugin the row was
// read with its query): the services return bare rows, and for a row it did not
// load itself the plugin loads what the selection needs (tags, counts) by id.
const TAG_ERRORS = [ValidationError, NotFoundError, LimitReachedError, ConflictError];

builder.mutationFields((t) => ({
  createChatTag: t.field({
    type: ChatTagType,
    description: 'Any member. Names are 1..20 characters, unique per account ignoring case; at most 200 tags per account (R-TAG-1).',
    errors: { types: TAG_ERRORS },
    args: { accountId: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => createChatTag(deps, { accountId: decodeId('accountId', String(args.accountId), 'Account'), name: args.name })),
  }),
  renameChatTag: t.field({
    type: ChatTagType,
    description: 'ADMIN/OPERATOR. The new name follows the same rules as in createChatTag.',
    errors: { types: TAG_ERRORS },
    args: { tagId: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => renameChatTag(deps, { tagId: decodeId('tagId', String(args.tagId), 'ChatTag'), name: args.name })),
  }),
  deleteChatTag: t.field({
    type: ChatTagDeletionType,
    description: 'ADMIN/OPERATOR. Deletes the tag and takes it off every friend carrying it.',
    errors: { types: TAG_ERRORS },
    args: { tagId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => deleteChatTag(deps, decodeId('tagId', String(args.tagId), 'ChatTag'))),
  }),
  tagFriend: t.field({
    type: FriendType,
    description: 'Any member. Puts a tag on a friend of the same account; at most 10 per friend (R-TAG-1). Tagging twice changes nothing.',
    errors: { types: TAG_ERRORS },
    args: { friendId: t.arg.id({ required: true }), tagId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) =>
        tagFriend(deps, {
          friendId: decodeId('friendId', String(args.friendId), 'Friend'),
          tagId: decodeId('tagId', String(args.tagId), 'ChatTag'),
        }),
      ),
  }),
  untagFriend: t.field({
    type: FriendType,
    description: 'Any member. Takes a tag off a friend; a tag the friend does not carry changes nothing.',
    errors: { types: TAG_ERRORS },
    args: { friendId: t.arg.id({ required: true }), tagId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) =>
        untagFriend(deps, {
          friendId: decodeId('friendId', String(args.friendId), 'Friend'),
          tagId: decodeId('tagId', String(args.tagId), 'ChatTag'),
        }),
      ),
  }),
}));
