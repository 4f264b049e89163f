// Live subscriptions in tests: the app listening on 127.0.0.1 (a random
// port, the same wiring as `npm start`) and a real graphql-ws client.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { listen, type Listening } from '../../src/server.ts';
import type { TestApp } from './test-app.ts';

export async function listenApp(app: Pick<TestApp, 'yoga' | 'deps'>): Promise<Listening> {
  return listen(app.yoga, app.deps, { host: '127.0.0.1', port: 0 });
}

export type Live = {
  client: Client;
  /** The close code once the server closed the connection. */
  closed: Promise<number>;
  dispose(): Promise<void>;
};

/** A graphql-ws client authenticating in connection_init, as frontends do. */
export function connect(server: Listening, token?: string, params?: Record<string, unknown>): Live {
  let onClosed: (code: number) => void = () => {};
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: server.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: params ?? (token ? { authorization: `Bearer ${token}` } : {}),
    retryAttempts: 0,
    shouldRetry: () => false,
    lazy: false,
    onNonLazyError: () => {},
    on: { closed: (event) => onClosed((event as { code: number }).code) },
  });
  return { client, closed, dispose: () => client.dispose() as Promise<void> };
}

export type Stream<T = any> = {
  /** The next result; rejects after `ms` (an event that should arrive did not). */
  next(ms?: number): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }>;
  /** Resolves with 'complete' or the error when the server ends the subscription. */
  ended: Promise<'complete' | unknown>;
  /** Results received but not taken yet. */
  pending(): number;
  /**
   * The errors the subscription ended with: refused at subscribe time (a
   * result with errors, then complete) or by the server's onSubscribe (an
   * error message). Rejects if it ended without errors.
   */
  refusal(): Promise<{ message: string; extensions?: Record<string, unknown> }[]>;
  stop(): void;
};

export function subscribe<T = any>(live: Live, query: string, variables: Record<string, unknown> = {}): Stream<T> {
  const queue: any[] = [];
  let waiter: ((value: any) => void) | null = null;
  let end: (value: unknown) => void = () => {};
  const ended = new Promise<unknown>((resolve) => (end = resolve));
  const stop = live.client.subscribe(
    { query, variables },
    {
      next: (value) => {
        if (waiter) {
          const w = waiter;
          waiter = null;
          w(value);
        } else queue.push(value);
      },
      error: (error) => end(error),
      complete: () => end('complete'),
    },
  );
  return {
    ended,
    pending: () => queue.length,
    async refusal() {
      const reason = await ended;
      if (Array.isArray(reason)) return reason;
      const refused = queue.find((r) => r.errors);
      if (refused) return refused.errors;
      throw new Error(`the subscription ended without errors: ${JSON.stringify(reason)}`);
    },
    stop,
    next(ms = 10_000) {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = null;
          reject(new Error(`no event within ${ms} ms`));
        }, ms);
        waiter = (value) => {
          clearTimeout(timer);
          resolve(value);
        };
        void ended.then((reason) => {
          if (waiter) {
            clearTimeout(timer);
            waiter = null;
            reject(new Error(`the subscription ended instead: ${reason instanceof Error ? reason.message : JSON.stringify(reason)}`));
          }
        });
      });
    },
  };
}

/**
 * Waits until the server has `count` subscriptions to the account (a
 * subscription is live only once its resolver attached to pub/sub; an event
 * committed before that is, by design, not replayed). Over Redis, also until
 * Redis acknowledged the channel subscription. With count 0: until none is left.
 */
export async function subscribed(app: Pick<TestApp, 'events'>, accountDbId: string, count = 1, ms = 10_000): Promise<void> {
  const { pubsub } = app.events;
  const until = Date.now() + ms;
  const ready = async () =>
    count === 0
      ? pubsub.localSubscribers(accountDbId) === 0
      : pubsub.localSubscribers(accountDbId) >= count && (!pubsub.distributed || (await pubsub.channelSubscribers(accountDbId)) >= 1);
  while (!(await ready())) {
    if (Date.now() > until) throw new Error(`fewer than ${count} subscribers on ${accountDbId} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
