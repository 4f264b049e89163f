import type { Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { App, ServerDeps } from '../context.ts';
import { authenticateToken, bearerToken } from '../auth/authenticate.ts';
import { hashToken } from '../auth/token.ts';
import { CLOSE_CODES, subscriptionLimitReached } from '../errors.ts';
import { MAX_CONNECTIONS_PER_TOKEN, MAX_REQUEST_BYTES, MAX_SUBSCRIPTIONS_PER_CONNECTION, SUBSCRIBER_RECHECK_MS } from '../limits.ts';
import { SubscriberSession } from './session.ts';

/** What the WebSocket path hands yoga's context factory (src/app.ts). */
export type WsInitialContext = { connectionSession: SubscriberSession };

type ConnectionExtra = { session?: SubscriberSession };
type Envelope = ReturnType<App['getEnveloped']>;

/**
 * graphql-ws on the same port and path as HTTP GraphQL, through yoga's
 * envelop (armor limits, error masking, the same context). The token comes
 * once, in connection_init: `{ "authorization": "Bearer dgn_…" }` (or a
 * friend's `dgnf_…`). Close codes: see CLOSE_CODES in src/errors.ts.
 */
export function attachWebSockets(server: Server, yoga: App, deps: ServerDeps): { dispose(): Promise<void>; recheckTokens(): Promise<void> } {
  // ws would buffer up to 100 MiB per message by default; a subscribe frame is a request like any other.
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: MAX_REQUEST_BYTES });
  // Per process; each instance behind a load balancer enforces its own share.
  const connectionsPerToken = new Map<string, number>();
  // Revocation and expiry have no account to publish on, and an idle
  // connection sees no event to re-check its token with: look at every open
  // connection's token as often as a busy one would (session.current()
  // reloads only what is due by the app clock).
  const sessions = new Set<SubscriberSession>();
  const recheckTokens = async () => {
    await Promise.all(
      [...sessions].map(async (session) => {
        if (!(await session.current())) session.end(CLOSE_CODES.UNAUTHENTICATED, 'The token was revoked or expired: sign in again');
      }),
    );
  };
  const recheck = setInterval(() => {
    recheckTokens().catch((err: unknown) => deps.logger.warn({ err }, 're-checking subscribers\' tokens failed; the next round retries'));
  }, SUBSCRIBER_RECHECK_MS);
  recheck.unref();

  const refuse = (extra: Extra, code: number, reason: string) => {
    extra.socket.close(code, reason);
    return false as const;
  };

  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const token = bearerToken(typeof raw === 'string' ? raw : undefined);
        if (!token) return refuse(ctx.extra, CLOSE_CODES.UNAUTHENTICATED, 'Send connection_init { authorization: "Bearer <token>" }');
        const access = await authenticateToken({ tx: deps.db.prisma, clock: deps.clock }, token);
        if (!access) return refuse(ctx.extra, CLOSE_CODES.UNAUTHENTICATED, 'The token is unknown, expired or revoked');
        if (access.friend && access.friend.status !== 'FOLLOWING') {
          return refuse(ctx.extra, CLOSE_CODES.FORBIDDEN, 'You blocked this account: unblock it to receive messages');
        }
        const key = hashToken(token);
        const open = connectionsPerToken.get(key) ?? 0;
        if (open >= MAX_CONNECTIONS_PER_TOKEN) {
          return refuse(ctx.extra, CLOSE_CODES.CONNECTION_LIMIT_REACHED, `At most ${MAX_CONNECTIONS_PER_TOKEN} connections per token`);
        }
        connectionsPerToken.set(key, open + 1);
        ctx.extra.socket.once('close', () => {
          const left = (connectionsPerToken.get(key) ?? 1) - 1;
          if (left > 0) connectionsPerToken.set(key, left);
          else connectionsPerToken.delete(key);
        });
        const socket = ctx.extra.socket;
        const session = new SubscriberSession(deps, token, access, (code, reason) => socket.close(code, reason));
        ctx.extra.session = session;
        sessions.add(session);
        // A revocation anywhere (signOut, unfollow) closes this connection at once, subscriptions or not.
        const unwatch = deps.subscriptions.revocations.watch(session.tokenId, () => session.revoked());
        socket.once('close', () => {
          sessions.delete(session);
          unwatch();
        });
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // graphql-ws has registered this operation already: more than the cap means this one is over it.
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [subscriptionLimitReached(MAX_SUBSCRIPTIONS_PER_CONNECTION)];
        }
        const session = ctx.extra.session!;
        if (!(await session.current())) {
          session.end(CLOSE_CODES.UNAUTHENTICATED, 'The token was revoked or expired: sign in again');
          return [new GraphQLError('The token was revoked or expired: sign in again.', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        const initial: WsInitialContext & Record<string, unknown> = {
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionSession: session,
        };
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped(initial);
        try {
          const document = parse(payload.query);
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
          return {
            schema,
            operationName: payload.operationName,
            document,
            variableValues: payload.variables,
            contextValue: await contextFactory(),
            rootValue: { execute, subscribe },
          };
        } catch (error) {
          if (error instanceof Error && error.name === 'GraphQLError') return [error as GraphQLError];
          throw error;
        }
      },
      execute: (args: ExecutionArgs) => (args.rootValue as Pick<Envelope, 'execute'>).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Pick<Envelope, 'subscribe'>).subscribe(args),
    },
    wss,
  );
  return {
    dispose: async () => {
      clearInterval(recheck);
      await disposable.dispose();
    },
    recheckTokens,
  };
}
