import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import type { App, Context, ServerDeps } from './context.ts';
import { defineAbilityFor } from './auth/ability.ts';
import { authenticateToken, bearerToken, isFriendToken } from './auth/authenticate.ts';
import { AppError, unauthenticated } from './errors.ts';
import { schema } from './graphql/schema.ts';
import { usePageArguments } from './graphql/page-arguments.ts';
import { ARMOR, useRequestSizeLimits } from './graphql/request-limits.ts';
import { corsFor, useBrowserSafety } from './graphql/browser-safety.ts';
import { yogaLogging } from './logger.ts';
import { SubscriberSession } from './subscriptions/session.ts';
import type { WsInitialContext } from './subscriptions/ws.ts';

export type { App } from './context.ts';

// graphql can be loaded twice (its ESM and CJS builds, by different
// dependents), so `instanceof GraphQLError` is not reliable.
function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

/** Builds the GraphQL app; used by the server entry point, tests and benchmarks. */
export function buildApp(deps: ServerDeps): App {
  const { logger } = deps;
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphiql: deps.config.nodeEnv !== 'production' && { title: 'Dengon' },
    landingPage: false,
    cors: corsFor(deps.config),
    healthCheckEndpoint: '/health',
    logging: yogaLogging(logger),
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
        // yoga logs the unmasked error (through yogaLogging) once this returns a new one.
        return new GraphQLError(message, {
          nodes: isGraphQLError(error) ? error.nodes : undefined,
          path: isGraphQLError(error) ? error.path : undefined,
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
      },
    },
    plugins: [
      useBrowserSafety(deps.config),
      useRequestSizeLimits(),
      EnvelopArmorPlugin(ARMOR),
      usePageArguments(),
      // Live events: one execution per event shared by subscribers whose contexts answer alike.
      { onSubscribe: ({ setSubscribeFn }: { setSubscribeFn(fn: unknown): void }) => setSubscribeFn(deps.subscriptions.execution.subscribe) },
      useReadinessCheck({
        endpoint: '/ready',
        check: async () => {
          await deps.db.driver.query('SELECT 1');
        },
      }),
    ],
    context: async (initial): Promise<Context> => {
      // A WebSocket operation: the connection authenticated once in connection_init (src/subscriptions/ws.ts).
      const connection = (initial as Partial<WsInitialContext>).connectionSession;
      if (connection) {
        const access = await connection.current();
        if (!access) throw unauthenticated('The token was revoked or expired: sign in again.');
        return { deps, ...access, session: connection };
      }
      const token = bearerToken((initial as { request: Request }).request.headers.get('authorization'));
      if (token === undefined) return { deps, viewer: null, friend: null, ability: defineAbilityFor(null), session: null };
      if (token === null) throw unauthenticated('Authorization header must be "Bearer <token>".');
      const access = await authenticateToken({ tx: deps.db.prisma, clock: deps.clock }, token);
      if (!access) {
        throw unauthenticated(
          isFriendToken(token)
            ? 'The friend token is unknown or revoked: follow the account again.'
            : 'The bearer token is unknown, expired or revoked: sign in again.',
        );
      }
      return { deps, ...access, session: new SubscriberSession(deps, token, access) };
    },
  });
}
