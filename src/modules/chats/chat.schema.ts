import { builder } from '../../graphql/builder.ts';
import { accessibleWhere, can } from '../../auth/ability.ts';
import {
  ConflictError,
  forbidden,
  FriendNotReachableError,
  NotFoundError,
  NotRecallableError,
  RecallWindowExpiredError,
  ValidationError,
} from '../../errors.ts';
import { MessageDirection, MessageKind } from '../../generated/prisma/enums.ts';
import type { Message, Prisma } from '../../generated/prisma/client.ts';
import { ErrorInterface } from '../../graphql/error-types.ts';
import { decodeId, decodeQueryId } from '../../graphql/global-id.ts';
import { asFriend, asMember, requireFriend } from '../../graphql/run.ts';
import { friendMarkRead, friendSendMessage, markChatRead, sendChatMessage } from './chat.service.ts';
import { fromContentInput } from './message-content.ts';
import { MessageContentInput, MessageContentUnion } from './message-content.schema.ts';
import { hideMessage, recallMessage, type RecallResult } from './recall.service.ts';
import { friendReportMessage } from './report.service.ts';

const DirectionEnum = builder.enumType(MessageDirection, { name: 'MessageDirection' });
const KindEnum = builder.enumType(MessageKind, { name: 'MessageKind', description: 'How the message left the account (DOMAIN.md delivery kinds).' });
const MessageState = builder.enumType('MessageState', {
  values: { SENT: { description: 'Delivered as written.' }, UNSENT: { description: 'Recalled: "This message was unsent" (R-RECALL-3).' } },
});

const stateOf = (m: Pick<Message, 'recalledAt'>) => (m.recalledAt ? 'UNSENT' : 'SENT') as 'UNSENT' | 'SENT';

const ChatType = builder.prismaNode('Chat', {
  id: { field: 'id' },
  select: { id: true, accountId: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'Chat')] }),
  description: 'The 1:1 chat of the account with one friend.',
  fields: (t) => ({
    friend: t.relation('friend'),
    openedAt: t.expose('openedAt', { type: 'DateTime', nullable: true, description: 'When the friend first wrote (R-CHAT-1); members can write only after.' }),
    lastMessageAt: t.expose('lastMessageAt', { type: 'DateTime', nullable: true }),
    unreadCount: t.exposeInt('unreadCount', { description: 'Friend messages the account has not read.' }),
    lastMessage: t.field({
      type: MessageType,
      nullable: true,
      description:
        'The latest message either side sent (a tombstone once recalled). Null when that message is hidden (R-DELETE-1) and you may not see hidden ones (only ADMINs may).',
      // The chat row's own pointer, checked in memory: one join per chat list. (Finding the latest
      // visible message instead would cost a per-chat top-1 over its messages.)
      select: (_args, _ctx, nestedSelection) => {
        // The ability reads these columns, whatever the query asked for: a row without
        // hiddenForAccountAt would pass the "not hidden" condition unseen.
        const nested = nestedSelection(true) as true | { select?: Record<string, unknown> };
        const lastMessage = typeof nested === 'object' && nested.select ? { ...nested, select: { ...nested.select, accountId: true, hiddenForAccountAt: true } } : nested;
        return { lastMessage };
      },
      resolve: (chat, _args, ctx) => (chat.lastMessage && can(ctx.ability, 'read', 'Message', chat.lastMessage) ? chat.lastMessage : null),
    }),
    messages: t.prismaConnection({
      type: 'Message',
      cursor: 'id',
      description: 'Oldest first; page backwards with `last`/`before`. Hidden messages (R-DELETE-1) only with includeHidden (ADMIN).',
      args: { includeHidden: t.arg.boolean({ defaultValue: false }) },
      resolve: (query, chat, args, ctx) => {
        if (args.includeHidden && !can(ctx.ability, 'readHidden', 'Message', { accountId: chat.accountId })) {
          throw forbidden('Only ADMINs can see hidden messages.');
        }
        return ctx.deps.db.prisma.message.findMany({
          ...query,
          where: {
            chatId: chat.id,
            AND: [accessibleWhere(ctx.ability, 'read', 'Message')],
            ...(args.includeHidden ? {} : { hiddenForAccountAt: null }),
          },
          orderBy: { seq: 'asc' },
        });
      },
    }),
  }),
});

// Not in select mode: a sent message's row carries every column its fields
// read, so resolving the mutation result needs no second query.
const MessageType = builder.prismaNode('Message', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'Message')] }),
  description: "A message in a chat, as the account's members see it. A hidden one (R-DELETE-1) is visible to ADMINs only; for anyone else its id is a missing one.",
  fields: (t) => ({
    direction: t.expose('direction', { type: DirectionEnum }),
    kind: t.expose('kind', { type: KindEnum }),
    // No field-level select: in include mode every column is loaded already,
    // and a select would make the plugin re-read a row a mutation returned.
    state: t.field({ type: MessageState, resolve: stateOf }),
    contentType: t.exposeString('contentType'),
    content: t.field({
      type: MessageContentUnion,
      nullable: true,
      description: 'Null once recalled (R-RECALL-3).',
      resolve: (m) => m.content as never,
    }),
    sentAt: t.expose('sentAt', { type: 'DateTime' }),
    sender: t.relation('sender', { nullable: true, description: 'The member who typed it; null for friend messages and deliveries.' }),
    notifiedAt: t.expose('notifiedAt', { type: 'DateTime', nullable: true }),
    readByFriendAt: t.expose('readByFriendAt', { type: 'DateTime', nullable: true }),
    recalledAt: t.expose('recalledAt', { type: 'DateTime', nullable: true }),
    recalledByUserId: t.exposeID('recalledByUserId', { nullable: true }),
    hiddenForAccountAt: t.expose('hiddenForAccountAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObjectField('Account', 'chats', (t) =>
  t.prismaConnection({
    type: 'Chat',
    cursor: 'id',
    description: 'Chats the friend has opened (R-CHAT-1), most recent activity first.',
    args: { tagId: t.arg.id({ description: 'Only chats whose friend carries this chat tag.' }) },
    resolve: (query, account, args, ctx) => {
      const where: Prisma.ChatWhereInput = {
        accountId: account.id,
        openedAt: { not: null },
        AND: [accessibleWhere(ctx.ability, 'read', 'Chat')],
        ...(args.tagId ? { friend: { tags: { some: { tagId: decodeQueryId('tagId', String(args.tagId), 'ChatTag') } } } } : {}),
      };
      return ctx.deps.db.prisma.chat.findMany({ ...query, where, orderBy: [{ lastMessageAt: 'desc' }, { id: 'desc' }] });
    },
  }),
);

const RecallResultType = builder.objectRef<RecallResult>('RecallResult').implement({
  description: 'The tombstone, and what the recall could not take back (R-RECALL-6).',
  fields: (t) => ({
    message: t.field({ type: MessageType, resolve: (r) => r.message }),
    friendNotified: t.exposeBoolean('friendNotified', { description: 'A notification preview had already reached the friend\'s device.' }),
    friendRead: t.exposeBoolean('friendRead', { description: 'The friend had already read it.' }),
    reported: t.exposeBoolean('reported', { description: 'The friend had reported it; the report keeps its copy (R-RECALL-4).' }),
  }),
});

builder.objectType(RecallWindowExpiredError, {
  name: 'RecallWindowExpiredError',
  description: 'RECALL_WINDOW_EXPIRED (R-RECALL-1, R-RECALL-5).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    sentAt: t.expose('sentAt', { type: 'DateTime' }),
    windowEndsAt: t.expose('windowEndsAt', { type: 'DateTime' }),
  }),
});
builder.objectType(NotRecallableError, {
  name: 'NotRecallableError',
  description: 'NOT_RECALLABLE (R-RECALL-2, R-RECALL-5): names the kind that cannot be recalled.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    kind: t.field({ type: KindEnum, resolve: (e) => e.kind as MessageKind }),
    direction: t.field({ type: DirectionEnum, resolve: (e) => e.direction as MessageDirection }),
  }),
});
builder.objectType(FriendNotReachableError, {
  name: 'FriendNotReachableError',
  description: 'FRIEND_NOT_REACHABLE: the friend blocked or unfollowed; nothing was sent.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ friendStatus: t.exposeString('friendStatus') }),
});

const CHAT_ERRORS = [ValidationError, NotFoundError, ConflictError, FriendNotReachableError];

builder.mutationFields((t) => ({
  sendChatMessage: t.field({
    type: MessageType,
    description: 'ADMIN/OPERATOR: write into an open chat. Retrying with the same idempotencyKey returns the first message (R-SAFE-1).',
    errors: { types: CHAT_ERRORS },
    args: {
      chatId: t.arg.id({ required: true }),
      content: t.arg({ type: MessageContentInput, required: true }),
      idempotencyKey: t.arg.string({ required: true, description: 'Client-chosen, unique per message (e.g. a UUID).' }),
    },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) =>
        sendChatMessage(deps, {
          chatId: decodeId('chatId', String(args.chatId), 'Chat'),
          content: fromContentInput(args.content),
          idempotencyKey: args.idempotencyKey,
        }),
      ),
  }),
  recallMessage: t.field({
    type: RecallResultType,
    description: 'ADMIN/OPERATOR: take back a chat message inside the recall window (R-RECALL-1..6).',
    errors: { types: [ValidationError, NotFoundError, ConflictError, NotRecallableError, RecallWindowExpiredError] },
    args: { messageId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => recallMessage(deps, decodeId('messageId', String(args.messageId), 'Message'))),
  }),
  hideMessage: t.field({
    type: MessageType,
    description: "ADMIN/OPERATOR: hide a message from the account's view only (R-DELETE-1); the friend still sees it.",
    errors: { types: [ValidationError, NotFoundError] },
    args: { messageId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => hideMessage(deps, decodeId('messageId', String(args.messageId), 'Message'))),
  }),
  markChatRead: t.field({
    type: ChatType,
    description: 'The account has read the chat: unreadCount returns to 0.',
    errors: { types: [ValidationError, NotFoundError] },
    args: { chatId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => markChatRead(deps, decodeId('chatId', String(args.chatId), 'Chat'))),
  }),
}));

// Friend side: the friend's own chat. Separate types with ids of their own
// (node() resolves them for their friend only, and never a member-side type
// for a friend token), so nothing of the account's internals (who typed,
// what was hidden, R-INBOX-2) reaches the friend.

export const FriendMessage = builder.prismaNode('Message', {
  variant: 'FriendMessage',
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'FriendMessage')] }),
  description:
    'A message as the friend sees it; its id is what friendReportMessage takes. Recalled ones stay as tombstones (R-RECALL-3); hidden ones stay visible (R-DELETE-1).',
  fields: (t) => ({
    fromAccount: t.boolean({ select: { direction: true }, resolve: (m) => m.direction === 'OUTGOING' }),
    test: t.boolean({
      select: { kind: true },
      description: 'A test send by a member to their own phone (R-SAFE-2), not a real message of the account.',
      resolve: (m) => m.kind === 'TEST',
    }),
    senderName: t.string({
      nullable: true,
      description: "The account's name on messages from the account (never a staff member's name or email); null on yours.",
      select: { direction: true, chat: { select: { account: { select: { name: true } } } } },
      resolve: (m) => (m.direction === 'OUTGOING' ? m.chat.account.name : null),
    }),
    state: t.field({ type: MessageState, select: { recalledAt: true }, resolve: stateOf }),
    contentType: t.exposeString('contentType'),
    content: t.field({ type: MessageContentUnion, nullable: true, select: { content: true }, resolve: (m) => m.content as never }),
    sentAt: t.expose('sentAt', { type: 'DateTime' }),
    recalledAt: t.expose('recalledAt', { type: 'DateTime', nullable: true }),
  }),
});

const FriendChat = builder.prismaNode('Chat', {
  variant: 'FriendChat',
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'FriendChat')] }),
  description: "The friend's view of their chat with the account.",
  fields: (t) => ({
    accountName: t.string({ select: { account: { select: { name: true } } }, resolve: (c) => c.account.name }),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      type: FriendMessage,
      description: 'Oldest first; page backwards with last/before.',
      query: (_args, ctx) => ({ where: accessibleWhere(ctx.ability, 'read', 'FriendMessage'), orderBy: { seq: 'asc' } }),
    }),
  }),
});

const ReportReceipt = builder.objectRef<{ reportedAt: Date }>('ReportReceipt').implement({
  fields: (t) => ({ reportedAt: t.expose('reportedAt', { type: 'DateTime' }) }),
});

builder.queryField('friendChat', (t) =>
  t.prismaField({
    type: FriendChat,
    description: 'Friend side: your chat with the account (friend token only).',
    resolve: (query, _root, _args, ctx) => {
      const friend = requireFriend(ctx);
      return ctx.deps.db.prisma.chat.findUniqueOrThrow({ ...query, where: { friendId: friend.friendId, AND: [accessibleWhere(ctx.ability, 'read', 'FriendChat')] } });
    },
  }),
);

builder.mutationFields((t) => ({
  friendSendMessage: t.field({
    type: FriendMessage,
    description: 'Friend side: write to the account. The first message opens the chat for members (R-CHAT-1).',
    errors: { types: [ValidationError] },
    args: { content: t.arg({ type: MessageContentInput, required: true }) },
    resolve: (_root, args, ctx) => asFriend(ctx, (deps) => friendSendMessage(deps, { content: fromContentInput(args.content) })),
  }),
  friendMarkRead: t.int({
    description: "Friend side: you read the account's messages; returns how many were newly read.",
    resolve: (_root, _args, ctx) => asFriend(ctx, (deps) => friendMarkRead(deps)),
  }),
  friendReportMessage: t.field({
    type: ReportReceipt,
    description: 'Friend side: report a message the account sent you, by its FriendMessage id. The report keeps a copy (R-RECALL-4).',
    errors: { types: [ValidationError, NotFoundError, ConflictError] },
    args: { messageId: t.arg.id({ required: true, description: 'A FriendMessage id (from friendChat or friendChatEvents).' }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const report = await asFriend(ctx, (deps) =>
        friendReportMessage(deps, { messageId: decodeId('messageId', String(args.messageId), 'FriendMessage'), reason: args.reason }),
      );
      return { reportedAt: report.createdAt };
    },
  }),
}));
