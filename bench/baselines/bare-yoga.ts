// Baseline "bare-yoga": what a competent user writes by hand without Dengon.
// graphql-yoga defaults, hand-written SDL, resolvers over pg; no JIT, no cache.
import { createSchema, createYoga } from 'graphql-yoga';
import { serve } from '../servers/serve.ts';
import { accountIdOf, bearerToken, isMember, listMembers, memberGlobalId, type MemberRow, openPool } from './members-sql.ts';

const pool = openPool();

type Context = { token: string | null };

const schema = createSchema<Context>({
  typeDefs: /* GraphQL */ `
    type Query {
      account(id: ID!): Account
    }
    type Account {
      members(first: Int): MemberConnection!
    }
    type MemberConnection {
      edges: [MemberEdge!]!
    }
    type MemberEdge {
      node: Member!
    }
    type Member {
      id: ID!
      role: Role!
      user: User!
    }
    type User {
      displayName: String!
    }
    enum Role {
      ADMIN
      OPERATOR
      OPERATOR_NO_SEND
      OPERATOR_NO_SEND_NO_STATS
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
      members: async (account: { id: string }, args: { first?: number | null }) => {
        const rows = await listMembers(pool, account.id, Math.min(args.first ?? 20, 100));
        return { edges: rows.map((node) => ({ node })) };
      },
    },
    Member: {
      id: (row: MemberRow) => memberGlobalId(row.id),
      user: (row: MemberRow) => ({ displayName: row.displayName }),
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
