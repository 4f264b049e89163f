// Baseline "bare-yoga" for the chat list (S3): graphql-yoga defaults,
// hand-written SDL, one joined pg statement for the page; no JIT, no cache.
import { createSchema, createYoga } from 'graphql-yoga';
import { serve } from '../servers/serve.ts';
import { chatGlobalId, type ChatRow, listChats } from './chats-sql.ts';
import { accountIdOf, bearerToken, isMember, openPool } from './members-sql.ts';

const pool = openPool();

type Context = { token: string | null };
type Content = NonNullable<ChatRow['content']>;

const schema = createSchema<Context>({
  typeDefs: /* GraphQL */ `
    type Query {
      account(id: ID!): Account
    }
    type Account {
      chats(first: Int): ChatConnection!
    }
    type ChatConnection {
      edges: [ChatEdge!]!
    }
    type ChatEdge {
      node: Chat!
    }
    type Chat {
      id: ID!
      unreadCount: Int!
      friend: Friend!
      lastMessage: Message
    }
    type Friend {
      displayName: String!
    }
    type Message {
      sentAt: String!
      content: MessageContent
    }
    union MessageContent = TextContent | StickerContent
    type TextContent {
      text: String!
    }
    type StickerContent {
      packageId: String!
      stickerId: String!
    }
  `,
  resolvers: {
    Query: {
      account: async (_root: unknown, args: { id: string }, ctx: Context) => {
        const accountId = accountIdOf(args.id);
        if (!accountId || !ctx.token) return null;
        return (await isMember(pool, ctx.token, accountId)) ? { id: accountId } : null;
      },
    },
    Account: {
      chats: async (account: { id: string }, args: { first?: number | null }) => {
        const rows = await listChats(pool, account.id, Math.min(args.first ?? 20, 100));
        return { edges: rows.map((node) => ({ node })) };
      },
    },
    Chat: {
      id: (row: ChatRow) => chatGlobalId(row.id),
      friend: (row: ChatRow) => ({ displayName: row.displayName }),
      lastMessage: (row: ChatRow) => (row.sentAt ? { sentAt: row.sentAt.toISOString(), content: row.content } : null),
    },
    MessageContent: {
      __resolveType: (content: Content) => (content.type === 'text' ? 'TextContent' : 'StickerContent'),
    },
  },
});

const yoga = createYoga({
  schema,
  graphiql: false,
  landingPage: false,
  logging: false,
  context: ({ request }) => ({ token: bearerToken(request.headers.get('authorization')) }),
});

await serve('bare-yoga', yoga, () => pool.end());
