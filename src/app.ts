import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import { createYoga, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import type { AppDeps, Context } from './context.ts';
import { defineAbilityFor, defineFriendAbility } from './auth/ability.ts';
import { FRIEND_TOKEN_PREFIX } from './auth/token.ts';
import { authenticateFriend } from './modules/friends/friend.service.ts';
import { AppError, unauthenticated } from './errors.ts';
import { schema } from './graphql/schema.ts';
import { authenticate } from './modules/users/auth.service.ts';

export type App = YogaServerInstance<Record<string, unknown>, Context>;

// GraphQL abuse limits (graphql-armor). Generous for real frontends,
// tight enough that one request cannot ask for millions of rows.
export const ARMOR = {
  maxDepth: { n: 12 },
  maxAliases: { n: 15 },
  maxTokens: { n: 2_000 },
  maxDirectives: { n: 20 },
  costLimit: { maxCost: 15_000 },
};

// graphql can be loaded twice (its ESM and CJS builds, by different
// dependents), so `instanceof GraphQLError` is not reliable.
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

/** Builds the GraphQL app; used by the server entry point, tests and benchmarks. */
export function buildApp(deps: AppDeps): App {
  const { logger } = deps;
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphiql: deps.config.nodeEnv !== 'production' && { title: 'Dengon' },
    landingPage: false,
    healthCheckEndpoint: '/health',
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    maskedErrors: {
      maskError(error, message) {
        const original = isGraphQLError(error) ? error.originalError : error;
        // A rule violation outside a typed payload (e.g. in a query) keeps its code.
        if (original instanceof AppError) {
          const { code, rule } = original;
          const extra = original as unknown as { field?: string; limit?: number | null };
          return new GraphQLError(original.message, {
            nodes: isGraphQLError(error) ? error.nodes : undefined,
            path: isGraphQLError(error) ? error.path : undefined,
            extensions: { code, rule, ...(extra.field ? { field: extra.field } : {}), ...(extra.limit != null ? { limit: extra.limit } : {}) },
          });
        }
        if (isGraphQLError(error) && (!original || isGraphQLError(original))) return error;
        logger.error({ err: original ?? error }, 'unexpected error');
        return new GraphQLError(message, {
          nodes: isGraphQLError(error) ? error.nodes : undefined,
          path: isGraphQLError(error) ? error.path : undefined,
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
      },
    },
    plugins: [
      EnvelopArmorPlugin(ARMOR),
      useReadinessCheck({
        endpoint: '/ready',
        check: async () => {
          await deps.db.driver.query('SELECT 1');
        },
      }),
    ],
    context: async ({ request }): Promise<Context> => {
      const header = request.headers.get('authorization');
      if (!header) return { deps, viewer: null, friend: null, ability: defineAbilityFor(null) };
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (!token) throw unauthenticated('Authorization header must be "Bearer <token>".');
      if (token.startsWith(FRIEND_TOKEN_PREFIX)) {
        const friend = await authenticateFriend({ tx: deps.db.prisma }, token);
        if (!friend) throw unauthenticated('The friend token is unknown or revoked: follow the account again.');
        return { deps, viewer: null, friend, ability: defineFriendAbility(friend) };
      }
      const viewer = await authenticate({ tx: deps.db.prisma, clock: deps.clock }, token);
      if (!viewer) throw unauthenticated('The bearer token is unknown, expired or revoked: sign in again.');
      return { deps, viewer, friend: null, ability: defineAbilityFor(viewer) };
    },
  });
}
