// Baseline for S5: a bare `ws` server fed by Redis, as plain as it gets. A
// client joins one account by sending its id; every message published on that
// account's channel is sent, as it came, to every socket that joined it. No
// authentication, no GraphQL, no database: the transport's own limit.
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { BASELINE_CHANNEL_PREFIX } from '../lib/subscribers-protocol.ts';
import { serve } from '../servers/serve.ts';

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is required');
const subscriber = new Redis(url);
const joined = new Map<string, Set<WebSocket>>();

subscriber.on('message', (channel: string, message: string) => {
  const sockets = joined.get(channel);
  if (sockets) for (const socket of sockets) socket.send(message);
});

await serve(
  'ws-redis',
  (_req, res) => res.writeHead(404).end(),
  async () => {
    subscriber.disconnect();
  },
  (server) => {
    const wss = new WebSocketServer({ server, path: '/graphql' });
    wss.on('connection', (socket) => {
      socket.once('message', async (data) => {
        const channel = BASELINE_CHANNEL_PREFIX + String(data);
        let sockets = joined.get(channel);
        if (!sockets) {
          sockets = new Set();
          joined.set(channel, sockets);
          await subscriber.subscribe(channel);
        }
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        socket.send('joined');
      });
    });
  },
);
