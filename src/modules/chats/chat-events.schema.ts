import { builder } from '../../graphql/builder.ts';
import { accessibleWhere, can } from '../../auth/ability.ts';
import { NotFoundError } from '../../errors.ts';
import { sharedEventRow } from '../../subscriptions/shared-rows.ts';
import { isEventOf, type DomainEvent } from '../../events/types.ts';
import { decodeQueryId, encodeGlobalId } from '../../graphql/global-id.ts';
import { friendChatEvents, memberAccountEvents } from '../../subscriptions/stream.ts';
import { FriendMessage } from './chat.schema.ts';

// Live chat events: thin resolvers over src/subscriptions/stream.ts, which
// authorizes each event against the subscriber's ability as it is then.
// Events carry ids; fields load the current rows, so a recall that happened
// meanwhile already shows as a tombstone.

const CHAT_EVENT_KINDS = {
  'message.received': 'MESSAGE_RECEIVED',
  'message.sent': 'MESSAGE_SENT',
  'message.recalled': 'MESSAGE_RECALLED',
  'message.hidden': 'MESSAGE_HIDDEN',
  'chat.read': 'READ',
  'chat.read_by_friend': 'READ_BY_FRIEND',
} as const;
type ChatEventKind = (typeof CHAT_EVENT_KINDS)[keyof typeof CHAT_EVENT_KINDS];

type ChatEvent = { id: string; kind: ChatEventKind; accountId: string; chatId: string; messageId: string | null; occurredAt: Date };

const ChatEventKindEnum = builder.enumType('ChatEventKind', {
  values: {
    MESSAGE_RECEIVED: { description: 'The friend wrote.' },
    MESSAGE_SENT: { description: 'A member wrote.' },
    MESSAGE_RECALLED: { description: 'A member recalled a message: `message` is the tombstone (R-RECALL-3).' },
    MESSAGE_HIDDEN: { description: "Hidden from the account's view (R-DELETE-1): drop `messageId` from the list." },
    READ: { description: 'A member read the chat; unreadCount is 0.' },
    READ_BY_FRIEND: { description: "The friend read the account's messages." },
  },
});

const ChatEventType = builder.objectRef<ChatEvent>('ChatEvent').implement({
  description: 'Something happened in a chat of the account.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The event id: delivery is at-least-once, so clients may see an id twice.' }),
    kind: t.field({ type: ChatEventKindEnum, resolve: (e) => e.kind }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    chat: t.prismaField({
      type: 'Chat',
      // One query per event for all of this process's subscribers; each is authorized in memory.
      resolve: async (query, e, _args, ctx) => {
        const chat = await sharedEventRow(ctx, e.id, 'Chat', e.chatId, query, (q) => ctx.deps.db.prisma.chat.findUnique(q as never));
        if (!chat) throw new NotFoundError('chat');
        return chat as never;
      },
    }),
    messageId: t.id({ nullable: true, resolve: (e) => (e.messageId ? encodeGlobalId('Message', e.messageId) : null) }),
    message: t.prismaField({
      type: 'Message',
      nullable: true,
      description: 'As it is now; null for READ events, and for hidden messages unless you may see them (ADMIN).',
      resolve: async (query, e, _args, ctx) => {
        if (!e.messageId) return null;
        // The read rule on Message carries R-DELETE-1: a hidden one is null unless you are an ADMIN.
        const message = await sharedEventRow(ctx, e.id, 'Message', e.messageId, query, (q) => ctx.deps.db.prisma.message.findUnique(q as never));
        return message as never;
      },
    }),
  }),
});

function toChatEvent(event: DomainEvent): ChatEvent | null {
  if (!isEventOf(event, ...(Object.keys(CHAT_EVENT_KINDS) as (keyof typeof CHAT_EVENT_KINDS)[]))) return null;
  const payload = event.payload as { chatId: string; messageId?: string };
  return {
    id: event.id,
    kind: CHAT_EVENT_KINDS[event.type],
    accountId: event.accountId,
    chatId: payload.chatId,
    messageId: payload.messageId ?? null,
    occurredAt: new Date(event.createdAt),
  };
}

builder.subscriptionField('chatEvents', (t) =>
  t.field({
    type: ChatEventType,
    description: "Members: the account's chats live (one chat with chatId). An account you cannot read is NOT_FOUND, like a missing one.",
    args: { accountId: t.arg.id({ required: true }), chatId: t.arg.id() },
    subscribe: (_root, args, ctx) => {
      const accountId = decodeQueryId('accountId', String(args.accountId), 'Account');
      const chatId = args.chatId ? decodeQueryId('chatId', String(args.chatId), 'Chat') : null;
      return memberAccountEvents(ctx, accountId, (event, access) => {
        const out = toChatEvent(event);
        if (!out || (chatId && out.chatId !== chatId)) return null;
        return can(access.ability, 'read', 'Chat', { accountId: out.accountId, id: out.chatId }) ? out : null;
      });
    },
    resolve: (event) => event,
  }),
);

// Friend side: only what the friend sees in friendChat. Hidden-for-account
// and read marks of members are account internals and never reach it.

const FRIEND_EVENT_KINDS = {
  'message.sent': 'MESSAGE_FROM_ACCOUNT',
  'message.received': 'MESSAGE_FROM_YOU',
  'message.recalled': 'MESSAGE_UNSENT',
} as const;
type FriendChatEventKind = (typeof FRIEND_EVENT_KINDS)[keyof typeof FRIEND_EVENT_KINDS];
type FriendChatEvent = { id: string; kind: FriendChatEventKind; chatId: string; messageId: string; occurredAt: Date };

const FriendChatEventKindEnum = builder.enumType('FriendChatEventKind', {
  values: {
    MESSAGE_FROM_ACCOUNT: { description: 'The account wrote to you.' },
    MESSAGE_FROM_YOU: { description: 'You wrote (from this or another device).' },
    MESSAGE_UNSENT: { description: 'The account recalled a message: "This message was unsent" (R-RECALL-3).' },
  },
});

const FriendChatEventType = builder.objectRef<FriendChatEvent>('FriendChatEvent').implement({
  description: 'Something happened in your chat with the account.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: FriendChatEventKindEnum, resolve: (e) => e.kind }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    message: t.prismaField({
      type: FriendMessage,
      resolve: (query, e, _args, ctx) =>
        ctx.deps.db.prisma.message.findFirstOrThrow({
          ...query,
          where: { id: e.messageId, chatId: e.chatId, AND: [accessibleWhere(ctx.ability, 'read', 'FriendMessage')] },
        }),
    }),
  }),
});

builder.subscriptionField('friendChatEvents', (t) =>
  t.field({
    type: FriendChatEventType,
    description: "Friend side: your chat live: new messages both ways (the account's broadcasts once they are sent) and recalls. Ends if you block the account.",
    subscribe: async (_root, _args, ctx) => {
      return friendChatEvents(ctx, async (friend) => {
        const chat = await ctx.deps.db.prisma.chat.findUniqueOrThrow({ where: { friendId: friend.friendId }, select: { id: true } });
        return async (event) => {
          // A broadcast or narrowcast is one event for the whole audience (not one per
          // recipient): each friend's stream looks up whether it reached them.
          if (isEventOf(event, 'delivery.sent')) {
            const received = await ctx.deps.db.prisma.deliveryRecipient.findUnique({
              where: { deliveryId_friendId: { deliveryId: event.payload.deliveryId, friendId: friend.friendId } },
              select: { messageId: true },
            });
            if (!received) return null;
            return { id: event.id, kind: 'MESSAGE_FROM_ACCOUNT' as const, chatId: chat.id, messageId: received.messageId, occurredAt: new Date(event.createdAt) };
          }
          if (!isEventOf(event, 'message.sent', 'message.received', 'message.recalled') || event.payload.chatId !== chat.id) return null;
          return { id: event.id, kind: FRIEND_EVENT_KINDS[event.type], chatId: chat.id, messageId: event.payload.messageId, occurredAt: new Date(event.createdAt) };
        };
      });
    },
    resolve: (event) => event,
  }),
);
