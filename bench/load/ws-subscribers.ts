// S5's subscribers, in their own process so receiving never shares an event
// loop with the servers or with the producer. Driven over IPC
// (bench/lib/subscribers-protocol.ts). Both contenders' subscribers do the
// same work per frame: a prefix test, one regex for occurredAt, a counter.
import WebSocket from 'ws';
import { type FromSubscribers, NEXT_PREFIX, type SubscriberSpec, type SubscribersReport, type ToSubscribers } from '../lib/subscribers-protocol.ts';

const CONNECT_TIMEOUT_MS = 20_000;
/** Connections opened at once: a burst of thousands of handshakes would time out on 2 cores. */
const CONNECT_CONCURRENCY = 100;
const OCCURRED_AT = /"occurredAt":"([^"]+)"/;

let sockets: WebSocket[] = [];
let received: number[] = [];
let latencies: number[] = [];
let lastAt = 0;
let unexpected = 0;
let unexpectedSample: string | null = null;
let closed = 0;
let closedSample: string | null = null;
let closing = false;

function send(message: FromSubscribers): void {
  process.send?.(message);
}

function onFrame(index: number, text: string): void {
  if (!text.startsWith(NEXT_PREFIX)) {
    if (text === '{"type":"ping"}') return;
    unexpected++;
    unexpectedSample ??= text.slice(0, 500);
    return;
  }
  const now = Date.now();
  received[index]!++;
  lastAt = now;
  const at = OCCURRED_AT.exec(text)?.[1];
  if (at) latencies.push(now - Date.parse(at));
}

function open(spec: SubscriberSpec, index: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = spec.protocol === 'graphql-ws' ? new WebSocket(spec.url, 'graphql-transport-ws') : new WebSocket(spec.url);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`subscriber ${index}: not ready within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    let ready = false;
    const becomeReady = () => {
      ready = true;
      clearTimeout(timer);
      resolve(socket);
    };
    socket.on('error', (error) => {
      if (!ready) {
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on('close', (code, reason) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`subscriber ${index}: closed ${code} ${String(reason)} before it was ready`));
      } else if (!closing) {
        closed++;
        closedSample ??= `${code} ${String(reason)}`;
      }
    });
    socket.on('open', () => {
      if (spec.protocol === 'graphql-ws') socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: spec.authorization } }));
      else socket.send(spec.join);
    });
    socket.on('message', (data) => {
      const text = String(data);
      if (ready) return onFrame(index, text);
      if (spec.protocol === 'raw' && text === 'joined') return becomeReady();
      if (spec.protocol === 'graphql-ws' && text.startsWith('{"type":"connection_ack"')) {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: spec.query, variables: spec.variables } }));
        // graphql-ws does not acknowledge a subscribe: the parent's warm-up event proves it is live.
        return becomeReady();
      }
      onFrame(index, text);
    });
  });
}

async function connect(specs: SubscriberSpec[]): Promise<void> {
  received = specs.map(() => 0);
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const index = next++;
      try {
        sockets[index] = await open(specs[index]!, index);
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  sockets = new Array(specs.length);
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, specs.length) }, worker));
  send({ type: 'connected', failed, firstError });
}

function report(): SubscribersReport {
  return { received: [...received], latenciesMs: latencies, lastAt, unexpected, unexpectedSample, closed, closedSample };
}

process.on('message', (message: ToSubscribers) => {
  switch (message.type) {
    case 'connect':
      void connect(message.subscribers);
      return;
    case 'reset':
      received = received.map(() => 0);
      latencies = [];
      lastAt = 0;
      unexpected = 0;
      unexpectedSample = null;
      send({ type: 'reset' });
      return;
    case 'report':
      send({ type: 'report', report: report() });
      return;
    case 'close': {
      closing = true;
      const all = sockets.filter(Boolean);
      let left = all.length;
      let sent = false;
      const done = () => {
        if (!sent) send({ type: 'closed' });
        sent = true;
      };
      if (left === 0) return done();
      // A socket the server already dropped may never report its close.
      setTimeout(() => {
        for (const socket of all) socket.terminate();
        done();
      }, 5_000).unref();
      for (const socket of all) {
        socket.once('close', () => {
          if (--left === 0) done();
        });
        socket.close(1000);
      }
      return;
    }
  }
});
// The parent went away: nothing left to measure for.
process.on('disconnect', () => process.exit(0));
