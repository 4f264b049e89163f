// How the matrix runs one cell: call the operation (HTTP, or SSE for a
// subscription), name the outcome, and fingerprint the database to prove a
// refused call wrote nothing.
import { randomUUID } from 'node:crypto';
import { decodeGlobalIdLoose, encodeGlobalId } from '../../src/graphql/global-id.ts';
import type { GraphQLResponse, TestApp } from '../helpers/test-app.ts';

/** What a cell can come out as; see the header of matrix.ts. */
export type Outcome = 'ok' | 'forbidden' | 'notFound' | 'unauth' | 'hidden';

/**
 * Names a response: a GraphQL error by its code; otherwise the value at
 * `path` in `data`. A null on the way is notFound (the lookup found nothing),
 * a null at the end of a longer path is hidden (the field was withheld).
 * Typed payload errors other than NOT_FOUND come back as `error:CODE`.
 */
export function outcomeOf(response: GraphQLResponse, path: readonly string[]): string {
  const error = response.errors?.[0];
  if (error) {
    const code = error.extensions?.code;
    if (code === 'UNAUTHENTICATED') return 'unauth';
    if (code === 'FORBIDDEN') return 'forbidden';
    if (code === 'NOT_FOUND') return 'notFound';
    return `error:${String(code ?? error.message)}`;
  }
  let value: unknown = response.data;
  for (const [i, key] of path.entries()) {
    value = (value as Record<string, unknown> | null | undefined)?.[key];
    if (value == null) return i > 0 && i === path.length - 1 ? 'hidden' : 'notFound';
  }
  if (Array.isArray(value)) {
    const found = value.filter((v) => v != null).length;
    return found === 0 ? 'notFound' : found === value.length ? 'ok' : 'partial (some ids resolved, some not)';
  }
  if (typeof value === 'object' && value !== null) {
    const payload = value as { __typename?: string; code?: string };
    if (payload.__typename === 'NotFoundError') return 'notFound';
    if (payload.code) return `error:${payload.code}`;
  }
  return 'ok';
}

/** Whether an actual outcome satisfies the expected one. */
export function satisfies(expected: Outcome, actual: string, okCodes: readonly string[] = []): boolean {
  if (expected === 'ok') return actual === 'ok' || okCodes.some((code) => actual === `error:${code}`);
  // A withheld field may be nulled or refused: either way no value reaches the caller.
  if (expected === 'hidden') return actual === 'hidden' || actual === 'forbidden';
  return actual === expected;
}

export const REFUSED: readonly string[] = ['forbidden', 'notFound', 'unauth', 'hidden'];

/**
 * A cheap fingerprint of every table (public and the job queue's): the row
 * count and the sum of each row's md5 (60 bits of it), so an UPDATE shows as
 * well as an INSERT or DELETE, without sorting anything. Keyed by table, so a
 * difference names the table that changed.
 */
export async function fingerprinter(app: TestApp): Promise<() => Promise<Record<string, string>>> {
  const tables = await app.db.driver.query<{ s: string; t: string }>(
    `SELECT n.nspname AS s, c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname IN ('public', 'pgboss') ORDER BY 1, 2`,
  );
  if (tables.length < 10) throw new Error(`expected the migrated tables, found ${tables.length}`);
  const sql = tables
    .map(({ s, t }) => `SELECT '${s}.${t}' AS name, count(*)::int AS n, coalesce(sum(('x' || substr(md5(x::text), 1, 15))::bit(60)::bigint), 0)::text AS h FROM "${s}"."${t}" x`)
    .join(' UNION ALL ');
  return async () => {
    // Outbox rows of earlier (allowed) cells are published asynchronously: let that settle first.
    await app.events.publisher.idle();
    const rows = await app.db.driver.query<{ name: string; n: number; h: string }>(sql);
    return Object.fromEntries(rows.map((r) => [r.name, `${r.n} rows, ${r.h}`]));
  };
}

/** The same variables with every global id replaced by a fresh id of the same type: a missing object. */
export function withMissingIds(value: unknown): unknown {
  if (typeof value === 'string') {
    const { typename } = decodeGlobalIdLoose(value);
    return typename ? encodeGlobalId(typename, randomUUID()) : value;
  }
  if (Array.isArray(value)) return value.map(withMissingIds);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withMissingIds(v)]));
  return value;
}

export function containsIds(value: unknown): boolean {
  return JSON.stringify(withMissingIds(value)) !== JSON.stringify(value);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Subscribes over SSE (the whole HTTP stack, as a browser would) and tells
 * a refusal from a live subscription: a refusal is an errors event and the
 * end of the stream; a live one attaches to the account's channel. The live
 * stream is closed again before this returns.
 */
export async function subscribeOnce(
  app: TestApp,
  query: string,
  variables: Record<string, unknown>,
  token: string | undefined,
  channel: { accountDbId: string; field: string },
): Promise<GraphQLResponse> {
  const { pubsub } = app.events;
  const before = pubsub.localSubscribers(channel.accountDbId);
  const controller = new AbortController();
  const response = await app.yoga.fetch('http://dengon.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!response.headers.get('content-type')?.includes('text/event-stream')) return (await response.json()) as GraphQLResponse;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ended = false;
  const reading = (async () => {
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
        if (/event: complete/.test(text)) break;
      }
    } catch {
      // Aborted below, once the subscription was seen live.
    }
    ended = true;
  })();
  const until = Date.now() + 10_000;
  while (!ended && pubsub.localSubscribers(channel.accountDbId) <= before) {
    if (Date.now() > until) throw new Error(`subscription neither refused nor live after 10 s: ${text}`);
    await sleep(5);
  }
  if (ended) {
    const results = [...text.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!) as GraphQLResponse);
    return results.find((r) => r.errors) ?? results[0] ?? { errors: [{ message: `stream ended without a result: ${text}` }] };
  }
  // In process, aborting the request does not end the body: cancel the reader, which returns the subscription.
  controller.abort();
  await reader.cancel().catch(() => {});
  await reading;
  while (pubsub.localSubscribers(channel.accountDbId) > before && Date.now() < until) await sleep(5);
  return { data: { [channel.field]: { live: true } } };
}
