import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';

// One event reaches every dashboard of an account. Executing the same
// selection for each of them is most of what a live event costs, although
// most of them would compute the very same result. This module executes an
// event once per process for a given operation and reuses the result for
// every other subscriber whose context would answer the same: while a
// subscriber's execution runs, each thing it asks its context (an ability
// check, the rules behind a SQL filter, the viewer) is recorded with its
// answer, and a later subscriber may take the result only if its own context
// gives the same answer to every one of those questions. A result that read
// something it cannot replay (a write to the context, a value that does not
// serialise) is never shared. Correct by construction, whatever a resolver
// reads; sharing is an optimisation the recorded answers allow or not.

/** Reads of the context that do not depend on who subscribed (process-wide dependencies). */
const SHARED_CONTEXT_KEYS = new Set<PropertyKey>(['deps']);
/** Per subscriber, the object whose questions are recorded method by method. */
const RECORDED_OBJECT_KEYS = new Set<PropertyKey>(['ability']);
const MAX_CANDIDATES_PER_EVENT = 16;

type Question =
  /** ctx[key] read directly: its value, serialised. */
  | { kind: 'read'; key: PropertyKey; answer: string }
  /** ctx[object][method](...args) called: its answer, serialised. */
  | { kind: 'call'; object: PropertyKey; method: PropertyKey; args: unknown[]; answer: string };

type Candidate = { questions: Question[]; shareable: boolean; result: ExecutionResult };

const OPAQUE = Symbol('opaque');

/** A stable text for a value, or OPAQUE (cycles, functions inside, …): then nothing is shared. */
function serialise(value: unknown): string | typeof OPAQUE {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'function' || typeof v === 'symbol') throw new Error('not serialisable');
      if (typeof v === 'bigint') return `${v}n`;
      // CASL rules keep what they were built from in `origin`; the rest is derived (and cyclic).
      if (v && typeof v === 'object' && 'origin' in v && 'action' in v) return (v as { origin: unknown }).origin;
      return v;
    });
  } catch {
    return OPAQUE;
  }
}

/** Runs `execute` against a context that records every question asked of it. */
async function recordExecution(args: ExecutionArgs, rootValue: unknown): Promise<Candidate> {
  const target = args.contextValue as Record<PropertyKey, unknown>;
  const questions: Question[] = [];
  let shareable = true;
  const recorded = new Map<PropertyKey, unknown>();

  const recorder = (objectKey: PropertyKey, object: object) =>
    new Proxy(object, {
      get(obj, method, receiver) {
        const value = Reflect.get(obj, method, receiver);
        if (typeof value !== 'function') {
          const answer = serialise(value);
          if (answer === OPAQUE) shareable = false;
          else questions.push({ kind: 'call', object: objectKey, method, args: [], answer: `property:${answer}` });
          return value;
        }
        return (...callArgs: unknown[]) => {
          // Called on the real object: its own internal calls are not questions of ours.
          const answerValue = (value as (...a: unknown[]) => unknown).apply(obj, callArgs);
          // The arguments are kept as they are (rows): a replay passes the very same ones.
          const answer = serialise(answerValue);
          if (answer === OPAQUE) shareable = false;
          else questions.push({ kind: 'call', object: objectKey, method, args: callArgs, answer });
          return answerValue;
        };
      },
      set(obj, key, value) {
        shareable = false;
        return Reflect.set(obj, key, value);
      },
    });

  const context = new Proxy(target, {
    get(obj, key) {
      const value = obj[key];
      if (typeof key === 'symbol' || SHARED_CONTEXT_KEYS.has(key)) return value;
      if (RECORDED_OBJECT_KEYS.has(key) && value && typeof value === 'object') {
        if (!recorded.has(key)) recorded.set(key, recorder(key, value));
        return recorded.get(key);
      }
      const answer = serialise(value);
      if (answer === OPAQUE) shareable = false;
      else questions.push({ kind: 'read', key, answer });
      return value;
    },
    set(obj, key, value) {
      shareable = false;
      obj[key] = value;
      return true;
    },
  });

  const result = await execute({ ...args, rootValue, contextValue: context });
  return { questions, shareable, result };
}

/** Whether this subscriber's context answers every recorded question as the candidate's did. */
function answersAlike(candidate: Candidate, contextValue: unknown): boolean {
  const ctx = contextValue as Record<PropertyKey, unknown>;
  for (const q of candidate.questions) {
    if (q.kind === 'read') {
      if (serialise(ctx[q.key]) !== q.answer) return false;
      continue;
    }
    const object = ctx[q.object] as Record<PropertyKey, unknown> | null | undefined;
    if (!object || typeof object !== 'object') return false;
    const member = object[q.method];
    const answer = typeof member === 'function' ? serialise((member as (...a: unknown[]) => unknown).apply(object, q.args)) : `property:${serialise(member) as string}`;
    if (answer !== q.answer) return false;
  }
  return true;
}

export type SharedExecutionStats = { executed: number; reused: number };

/**
 * graphql `subscribe` whose per-event execution is shared across the
 * subscribers of this process (see the comment at the top). Events are keyed
 * by operation (document, variables, operation name) and by the payload the
 * subscriber's stream yielded, which already differs where subscribers must
 * differ (a friend's own recipient row). Entries live `ttlMs`.
 */
export function createSharedExecution(ttlMs = 10_000, now: () => number = () => performance.now()) {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 1;
  const entries = new Map<string, { at: number; candidates: Array<Promise<Candidate>> }>();
  const stats: SharedExecutionStats = { executed: 0, reused: 0 };

  function expire(at: number): void {
    for (const [key, entry] of entries) {
      if (at - entry.at < ttlMs) return;
      entries.delete(key);
    }
  }

  function keyOf(args: ExecutionArgs, payload: unknown): string | null {
    const payloadText = serialise(payload);
    const variables = serialise(args.variableValues ?? null);
    if (payloadText === OPAQUE || variables === OPAQUE) return null;
    let documentId = documentIds.get(args.document);
    if (documentId === undefined) {
      documentId = nextDocumentId++;
      documentIds.set(args.document, documentId);
    }
    return `${documentId}\u0000${args.operationName ?? ''}\u0000${variables}\u0000${payloadText}`;
  }

  async function executeEvent(args: ExecutionArgs, payload: unknown): Promise<ExecutionResult> {
    const key = keyOf(args, payload);
    if (key === null) {
      stats.executed++;
      return execute({ ...args, rootValue: payload });
    }
    const at = now();
    expire(at);
    let entry = entries.get(key);
    if (!entry) {
      entry = { at, candidates: [] };
      entries.set(key, entry);
    }
    for (const pending of entry.candidates) {
      const candidate = await pending;
      if (candidate.shareable && answersAlike(candidate, args.contextValue)) {
        stats.reused++;
        return candidate.result;
      }
    }
    stats.executed++;
    const mine = recordExecution(args, payload);
    if (entry.candidates.length < MAX_CANDIDATES_PER_EVENT) entry.candidates.push(mine);
    return (await mine).result;
  }

  async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in Object(stream))) return stream as ExecutionResult;
    const source = stream as AsyncIterableIterator<unknown>;
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => mapped,
      async next() {
        const item = await source.next();
        if (item.done) return { done: true, value: undefined };
        return { done: false, value: await executeEvent(args, item.value) };
      },
      async return() {
        await source.return?.();
        return { done: true, value: undefined };
      },
      async throw(error: unknown) {
        if (source.throw) await source.throw(error);
        else await source.return?.();
        throw error;
      },
    };
    return mapped;
  }

  return { subscribe, stats };
}

export type SharedExecution = ReturnType<typeof createSharedExecution>;
