import { describe, expect, test } from 'vitest';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { createSharedExecution } from './shared-execution.ts';

// A schema whose fields ask the context different things, and a source that
// yields one payload: each subscriber's result must be what its own
// execution would give, shared only where the recorded answers agree.
type Ctx = { deps: { calls: number }; viewer: { id: string } | null; ability: { can(action: string, thing: string): boolean }; scratch?: string };

const Event = new GraphQLObjectType<{ text: string }, Ctx>({
  name: 'Event',
  fields: {
    text: { type: GraphQLString, resolve: (e, _a, ctx) => (ctx.deps.calls++, e.text) },
    secret: { type: GraphQLString, resolve: (e, _a, ctx) => (ctx.ability.can('read', 'Secret') ? `secret of ${e.text}` : null) },
    mine: { type: GraphQLString, resolve: (_e, _a, ctx) => ctx.viewer?.id ?? null },
    scribble: { type: GraphQLString, resolve: (_e, _a, ctx) => ((ctx.scratch = 'x'), 'done') },
  },
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      events: {
        type: Event,
        subscribe: async function* () {
          yield { text: 'hello' };
        },
        resolve: (e: unknown) => e,
      },
    },
  }),
});

function context(viewer: string | null, canReadSecret: boolean, deps = { calls: 0 }): Ctx {
  return { deps, viewer: viewer ? { id: viewer } : null, ability: { can: (action, thing) => action === 'read' && thing === 'Secret' && canReadSecret } };
}

// Operations are keyed by document object: yoga's parser cache hands every subscriber of one query text the same one.
const documents = new Map<string, ReturnType<typeof parse>>();
const parsed = (query: string) => documents.get(query) ?? documents.set(query, parse(query)).get(query)!;

async function first(shared: ReturnType<typeof createSharedExecution>, query: string, ctx: Ctx): Promise<ExecutionResult> {
  const stream = (await shared.subscribe({ schema, document: parsed(query), contextValue: ctx })) as AsyncIterableIterator<ExecutionResult>;
  const { value } = await stream.next();
  await stream.return?.();
  return value as ExecutionResult;
}

describe('shared execution of live events', () => {
  test('subscribers whose context answers alike share one execution', async () => {
    const shared = createSharedExecution();
    const deps = { calls: 0 };
    const query = 'subscription { events { text secret } }';
    const a = await first(shared, query, context('u1', false, deps));
    const b = await first(shared, query, context('u2', false, deps));
    expect(a.data).toEqual({ events: { text: 'hello', secret: null } });
    expect(b).toBe(a);
    expect(deps.calls).toBe(1);
    expect(shared.stats).toEqual({ executed: 1, reused: 1 });
  });

  test('an ability that answers differently gets its own execution and result', async () => {
    const shared = createSharedExecution();
    const query = 'subscription { events { secret } }';
    const denied = await first(shared, query, context('u1', false));
    const allowed = await first(shared, query, context('u2', true));
    expect(denied.data).toEqual({ events: { secret: null } });
    expect(allowed.data).toEqual({ events: { secret: 'secret of hello' } });
    // A third subscriber like the second reuses the second's result.
    expect(await first(shared, query, context('u3', true))).toBe(allowed);
    expect(shared.stats).toEqual({ executed: 2, reused: 1 });
  });

  test('a field that reads the viewer is shared only with the same viewer', async () => {
    const shared = createSharedExecution();
    const query = 'subscription { events { mine } }';
    const u1 = await first(shared, query, context('u1', false));
    const u2 = await first(shared, query, context('u2', false));
    expect(u1.data).toEqual({ events: { mine: 'u1' } });
    expect(u2.data).toEqual({ events: { mine: 'u2' } });
    expect(await first(shared, query, context('u1', false))).toBe(u1);
  });

  test('an execution that writes to its context is never shared', async () => {
    const shared = createSharedExecution();
    const query = 'subscription { events { scribble } }';
    const ctx = context('u1', false);
    await first(shared, query, ctx);
    expect(ctx.scratch).toBe('x');
    await first(shared, query, context('u1', false));
    expect(shared.stats).toEqual({ executed: 2, reused: 0 });
  });

  test('other operations and other variables are not shared', async () => {
    const shared = createSharedExecution();
    await first(shared, 'subscription { events { text } }', context('u1', false));
    await first(shared, 'subscription { events { text secret } }', context('u1', false));
    expect(shared.stats).toEqual({ executed: 2, reused: 0 });
  });
});
