// Child-side lifecycle shared by every server under test (Dengon and the
// baselines), so listening, probing and stopping cost all of them the same.
import { createServer, type RequestListener, type Server } from 'node:http';
import pg from 'pg';
import type { FromServer, ToServer } from '../lib/protocol.ts';

const FORCE_EXIT_MS = 2_000;

// Counts every statement any pg client in this process sends (Prisma's
// adapter uses the same `pg`), recording texts only while a trace is on.
// A counter increment per query is noise next to a network round trip.
let sqlCount = 0;
let trace: string[] | null = null;
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  sqlCount++;
  if (trace) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | null)?.text;
    trace.push((text ?? String(first)).replace(/\s+/g, ' ').trim());
  }
  return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof originalQuery;

function send(message: FromServer): void {
  process.send?.(message);
}

/**
 * Serves `handler` on 127.0.0.1 (PORT, or any free port), reports the port to
 * the parent, answers its probes, and exits on SIGTERM/SIGINT or when the
 * parent goes away. `close` releases the server's resources (pools).
 * `attach` adds to the HTTP server before it listens (WebSockets on upgrade).
 */
export async function serve(name: string, handler: RequestListener, close: () => Promise<void>, attach?: (server: Server) => void): Promise<void> {
  const server = createServer(handler);
  attach?.(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
    server.closeAllConnections();
    server.close();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);

  process.on('message', (message: ToServer) => {
    if (message.type === 'trace') {
      const statements = trace ?? [];
      trace = message.on ? [] : null;
      send({ id: message.id, type: 'reply', statements, sqlCount });
    } else if (message.type === 'stats') {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (message.settle && gc) gc();
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      send({ id: message.id, type: 'reply', sqlCount, rssBytes: memory.rss, liveBytes: memory.heapUsed + memory.external, cpuMicros: cpu.user + cpu.system });
    }
  });

  if (process.send) send({ type: 'listening', port });
  else console.log(`${name} listening on http://127.0.0.1:${port}`);
}
