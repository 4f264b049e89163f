import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { Context } from '../context.ts';
import { unauthenticated } from '../errors.ts';

/** Which token a root operation accepts. */
export type TokenKind = 'friend' | 'member' | 'either';

// Root fields a friend token and a member token may both call: node lookups
// answer each side with its own ids only (the friend ability, R-INBOX-2).
const EITHER = new Set(['Query.node', 'Query.nodes']);

/**
 * The token kind of a root field, from its name: `friend<Something>` is a
 * friend operation (what the README promises widgets), everything else a
 * member one, public ones (`signUp`, `signIn`) included. `Query.friend` is a
 * member query (a friend of your account), not a friend operation.
 */
export function tokenKindOf(typeName: string, fieldName: string): TokenKind {
  if (EITHER.has(`${typeName}.${fieldName}`)) return 'either';
  return /^friend[A-Z]/.test(fieldName) ? 'friend' : 'member';
}

function refuseWrongKind(kind: TokenKind, ctx: Context): void {
  if (kind === 'friend' && ctx.viewer) {
    throw unauthenticated('This operation needs a friend token (from friendFollow) or none; member tokens cannot act as a friend.');
  }
  if (kind === 'member' && ctx.friend) {
    throw unauthenticated('This operation needs a member token; a friend token reaches only friend operations.');
  }
}

/**
 * Refuses a member token on every friend operation and a friend token on every
 * member operation, at one place for every root field (queries, mutations,
 * subscriptions), so an operation added later cannot forget the check. The
 * resolvers' own requireViewer / requireFriend stay as a second line.
 */
export function guardTokenKinds(schema: GraphQLSchema): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      const kind = tokenKindOf(type.name, field.name);
      if (kind === 'either') continue;
      const guard = (inner: GraphQLFieldResolver<unknown, Context>): GraphQLFieldResolver<unknown, Context> =>
        (root, args, ctx, info) => {
          refuseWrongKind(kind, ctx);
          return inner(root, args, ctx, info);
        };
      // A subscription is authorized once, when it starts; its per-event
      // resolve stays untouched (shared execution records what it reads).
      if (type === schema.getSubscriptionType()) field.subscribe = guard(field.subscribe ?? defaultFieldResolver);
      else field.resolve = guard(field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}
