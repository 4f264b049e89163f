import { createServer, type Server } from 'node:http';
import type { App, ServerDeps } from './context.ts';
import { attachWebSockets } from './subscriptions/ws.ts';

export type Listening = {
  server: Server;
  port: number;
  /** http://host:port/graphql */
  url: string;
  /** ws://host:port/graphql: the same path, for graphql-ws. */
  wsUrl: string;
  /** Re-checks every open WebSocket connection's token now (what a timer does every SUBSCRIBER_RECHECK_MS). */
  recheckTokens(): Promise<void>;
  /** Closes WebSocket connections (1001) and stops accepting HTTP; in-flight requests finish. */
  closeWebSockets(): Promise<void>;
  close(): Promise<void>;
};

/** HTTP (queries, mutations, SSE) and graphql-ws on one port: used by main.ts and tests alike. */
export async function listen(yoga: App, deps: ServerDeps, where: { host: string; port: number }): Promise<Listening> {
  const server = createServer(yoga);
  const ws = attachWebSockets(server, yoga, deps);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : where.port;
  const host = where.host.includes(':') ? `[${where.host}]` : where.host;
  return {
    server,
    port,
    url: `http://${host}:${port}${yoga.graphqlEndpoint}`,
    wsUrl: `ws://${host}:${port}${yoga.graphqlEndpoint}`,
    closeWebSockets: () => ws.dispose(),
    recheckTokens: () => ws.recheckTokens(),
    async close() {
      await ws.dispose().catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
