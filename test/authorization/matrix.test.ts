// The authorization matrix (issue 13 part 5; R-MEMBER-2, R-APPROVAL-1,
// R-STATS-1, R-DELETE-1): the tests are generated from the built schema, so
// an operation without a row in matrix.ts fails here by name, and so does a
// row whose operation is gone. Every cell runs on one seeded account; a
// refused cell (and every read) must leave the database as it was, and a
// notFound or unauth answer must be the very answer a missing id gets.
import { isInterfaceType, isObjectType, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { schema } from '../../src/graphql/schema.ts';
import { dbId } from '../helpers/scenario.ts';
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';
import { containsIds, fingerprinter, outcomeOf, REFUSED, satisfies, subscribeOnce, withMissingIds } from './cells.ts';
import { CALLERS, type Caller, type Fixture, type Fresh, seedFixture } from './fixture.ts';
import { MATRIX, type Row } from './matrix.ts';

/** Types whose every field needs a row: the operations, and what an account exposes. */
const COVERED_TYPES = ['Query', 'Mutation', 'Subscription', 'Account'] as const;

function schemaFields(typeName: string): string[] {
  const type = schema.getType(typeName);
  return isObjectType(type) ? Object.keys(type.getFields()).map((field) => `${typeName}.${field}`) : [];
}

function fieldExists(op: string): boolean {
  const [typeName, field] = op.split('.') as [string, string];
  const type = schema.getType(typeName);
  return (isObjectType(type) || isInterfaceType(type)) && field in type.getFields();
}

const required = COVERED_TYPES.flatMap(schemaFields);
const extra = [...new Set(MATRIX.map((r) => r.op))].filter((op) => !required.includes(op));
const nodeTypes = schema.getImplementations(schema.getType('Node') as never).objects.map((t) => t.name);

let app: TestApp;
let world: { f: Fixture; fresh: Fresh };
let fingerprint: () => Promise<Record<string, string>>;
/** The fingerprint after the last cell that wrote nothing; null once anything may have written. */
let settled: Record<string, string> | null = null;
beforeAll(async () => {
  app = await createTestApp();
  world = await seedFixture(app);
  fingerprint = await fingerprinter(app);
}, 120_000);
afterAll(() => app?.close());

function operationOf(doc: string): OperationDefinitionNode {
  const operation = parse(doc).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error(`no operation in ${doc}`);
  return operation;
}

async function runCell(row: Row, caller: Caller): Promise<void> {
  const { f } = world;
  const expected = row.expect[caller];
  const field = row.op.split('.')[1]!;
  const kind = operationOf(row.doc).operation;
  const prepared = row.prepare ? await row.prepare(world, caller) : {};
  const token = prepared.token ?? f.tokens[caller];
  const variables = row.vars?.(f, { ...prepared, caller }) ?? {};
  const call = (vars: Record<string, unknown>): Promise<GraphQLResponse> =>
    kind === 'subscription'
      ? subscribeOnce(app, row.doc, vars, token, { accountDbId: dbId(f.accountId), field })
      : app.gql(row.doc, vars, token);

  // Nothing ran since the last refused cell's fingerprint (no prepare): it still holds.
  const before = (!row.prepare && settled) || (await fingerprint());
  settled = null;
  const response = await call(variables);
  const actual = outcomeOf(response, row.path ?? [field]);
  const shown = JSON.stringify(response).slice(0, 600);

  const known = row.known?.[caller];
  if (known) {
    expect(satisfies(expected, actual, row.okCodes), `${caller} now gets ${actual}, as the rule says: delete this cell's \`known\` entry in matrix.ts`).toBe(false);
    expect(actual, `known violation (${known.why}) changed: ${shown}`).toBe(known.now);
  } else if (!satisfies(expected, actual, row.okCodes)) {
    expect.fail(`${caller}: expected ${expected}, got ${actual}: ${shown}`);
  }

  // Refused for who you are, the answer must not tell whether the ids exist.
  const asIfMissing = (actual === 'notFound' || actual === 'unauth') && containsIds(variables) ? await call(withMissingIds(variables) as Record<string, unknown>) : null;
  // A refusal writes nothing (nor does the call with missing ids); neither does any read.
  if (REFUSED.includes(actual) || kind !== 'mutation') {
    const after = await fingerprint();
    expect(after, `${caller} was refused (${actual}) or only read, but the database changed`).toEqual(before);
    settled = after;
  }
  if (asIfMissing) expect(asIfMissing, `${caller}: the same ids, but missing, must give the same answer`).toEqual(response);
}

// The table itself cannot encode a leak of the token rules (R-MEMBER-2; README "Friends and 1:1 chat").
describe('the table keeps the token rules', () => {
  const PUBLIC = ['Mutation.signUp', 'Mutation.signIn', 'Mutation.friendFollow'];
  const guarded = MATRIX.filter((r) => !PUBLIC.includes(r.op));
  const label = (r: Row) => `${r.op}${r.variant ? ` (${r.variant})` : ''}`;
  test('no token reaches only the public operations', () => {
    expect(guarded.filter((r) => r.expect.ANON === 'ok').map(label)).toEqual([]);
  });
  test('a friend token reaches only friend* operations', () => {
    // node(id) of a friend-side type is a friend-side read: to anyone else it is a missing id.
    const friendNode = (r: Row) => r.op === 'Query.node' && /^Friend[A-Z]/.test(r.variant ?? '');
    const friendSide = (r: Row) => /^(Query|Mutation|Subscription)\.friend[A-Z]/.test(r.op) || friendNode(r);
    expect(guarded.filter((r) => !friendSide(r) && !['unauth', 'notFound'].includes(r.expect.FRIEND)).map(label)).toEqual([]);
    const refusedToMembers = (r: Row, c: Caller) => r.expect[c] === 'unauth' || (friendNode(r) && r.expect[c] === 'notFound');
    const reachedByMembers = guarded.filter((r) => friendSide(r) && CALLERS.some((c) => c !== 'FRIEND' && !refusedToMembers(r, c)));
    expect(reachedByMembers.map(label)).toEqual([]);
  });
});

// Refused cells first, so an allowed write cannot change what a refusal sees.
const refusedFirst = (row: Row) => [...CALLERS].sort((a, b) => Number(row.expect[a] === 'ok') - Number(row.expect[b] === 'ok'));

describe.each([...required, ...extra])('%s', (op) => {
  const rows = MATRIX.filter((r) => r.op === op);
  if (!fieldExists(op)) {
    test('names a field the schema no longer has: delete or rename its row in test/authorization/matrix.ts', () => {
      expect.fail(`${op} is not in the schema`);
    });
    return;
  }
  if (rows.length === 0) {
    test('has a row in test/authorization/matrix.ts (who may call it?)', () => {
      expect.fail(`${op} has no row in the authorization matrix`);
    });
    return;
  }
  if (op === 'Query.node') {
    test.each(nodeTypes)('has a row for node(id) of a %s', (type) => {
      expect(rows.some((r) => r.variant === type || r.variant?.startsWith(`${type} `)), `no Query.node row with variant "${type}"`).toBe(true);
    });
  }
  describe.each(rows.map((r) => [r.variant ?? 'as a whole', r] as const))('%s', (_variant, row) => {
    test.each(refusedFirst(row).map((caller) => [caller, row.expect[caller]] as const))('%s: %s', (caller) => runCell(row, caller));
  });
});
