import { describe, expect, test } from 'vitest';
import {
  getNamedType,
  getNullableType,
  GraphQLInt,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLUnionType,
  isNonNullType,
  type GraphQLField,
  type GraphQLNamedType,
} from 'graphql';
import { NOT_STATISTICS, STATISTICS, STATISTICS_IN_JSON } from '../auth/statistics.ts';
import { schema } from './schema.ts';

// R-STATS-1: every number and every JSON field a member can reach declares
// whether it is a statistic (src/auth/statistics.ts), so a new count cannot
// slip past the read policy by forgetting to say what it is.

const NUMERIC_OR_JSON = new Set(['Int', 'Float', 'JSON']);

/** Root fields of the friend side (`friend*`, the API contract): friends are not members. */
const isFriendRootField = (name: string) => /^friend[A-Z]/.test(name);

/** Object types a member token can reach: from every member root field, through fields, unions and interfaces. */
function memberSideTypes(s: GraphQLSchema): GraphQLObjectType[] {
  const seen = new Set<string>();
  const objects: GraphQLObjectType[] = [];
  const visit = (type: GraphQLNamedType) => {
    if (seen.has(type.name)) return;
    seen.add(type.name);
    if (type instanceof GraphQLUnionType) type.getTypes().forEach(visit);
    if (type instanceof GraphQLInterfaceType) {
      s.getPossibleTypes(type).forEach(visit);
      Object.values(type.getFields()).forEach((f) => visit(getNamedType(f.type)));
    }
    if (type instanceof GraphQLObjectType) {
      objects.push(type);
      Object.values(type.getFields()).forEach((f) => visit(getNamedType(f.type)));
    }
  };
  for (const root of [s.getQueryType(), s.getMutationType(), s.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) if (!isFriendRootField(field.name)) visit(getNamedType(field.type));
  }
  return objects;
}

type Found = { path: string; field: GraphQLField<unknown, unknown> };

/** Int, Float and JSON fields a member reaches, including those of the root types. */
function numbersAndJson(s: GraphQLSchema): Found[] {
  const roots = [s.getQueryType(), s.getMutationType(), s.getSubscriptionType()].filter((t): t is GraphQLObjectType => Boolean(t));
  const found: Found[] = [];
  for (const type of new Set([...roots, ...memberSideTypes(s)])) {
    for (const field of Object.values(type.getFields())) {
      if (roots.includes(type) && isFriendRootField(field.name)) continue;
      if (NUMERIC_OR_JSON.has(getNamedType(field.type).name)) found.push({ path: `${type.name}.${field.name}`, field });
    }
  }
  return found;
}

const undeclared = (s: GraphQLSchema) => numbersAndJson(s).filter(({ field }) => !field.extensions?.readPolicy).map(({ path }) => path);

function fieldOf(path: string) {
  const [typeName, fieldName] = path.split('.') as [string, string];
  const type = schema.getType(typeName);
  return type instanceof GraphQLObjectType ? type.getFields()[fieldName] : undefined;
}

describe('R-STATS-1: the schema declares what is a statistic', () => {
  test('every Int, Float and JSON field a member can reach declares a read policy', () => {
    expect(numbersAndJson(schema).length).toBeGreaterThan(40);
    expect(undeclared(schema)).toEqual([]);
  });

  test('every statistic exists, is nullable and is behind the policy', () => {
    for (const [typeName, { fields }] of Object.entries(STATISTICS)) {
      for (const name of fields) {
        const field = fieldOf(`${typeName}.${name}`);
        expect(field, `${typeName}.${name}`).toBeDefined();
        expect(isNonNullType(field!.type), `${typeName}.${name} is nullable`).toBe(false);
        expect(field!.extensions.readPolicy).toEqual({ kind: 'statistic', subject: typeName });
        expect(field!.description).toContain('R-STATS-1');
      }
    }
  });

  test('every JSON field that carries statistics is redacted; every reviewed non-statistic still exists', () => {
    for (const [typeName, fields] of Object.entries(STATISTICS_IN_JSON)) {
      for (const [name, { subjectFrom }] of Object.entries(fields)) {
        const field = fieldOf(`${typeName}.${name}`);
        expect(getNamedType(field!.type).name).toBe('JSON');
        expect(field!.extensions.readPolicy).toEqual({ kind: 'statistics-in-json', subjectFrom });
      }
    }
    // A stale entry would approve a field nobody reviewed when it comes back.
    for (const [typeName, fields] of Object.entries(NOT_STATISTICS)) {
      for (const name of Object.keys(fields)) expect(fieldOf(`${typeName}.${name}`), `${typeName}.${name}`).toBeDefined();
    }
  });

  test('the walk finds a count that forgot to declare itself, however deep, and skips the friend side', () => {
    const Audience = new GraphQLObjectType({ name: 'Audience', fields: { size: { type: GraphQLInt }, declared: { type: GraphQLInt, extensions: { readPolicy: {} } } } });
    const Account = new GraphQLObjectType({ name: 'Account', fields: { audiences: { type: getNullableType(Audience) } } });
    const FriendSelf = new GraphQLObjectType({ name: 'FriendSelf', fields: { unread: { type: GraphQLInt } } });
    const probe = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: { account: { type: Account }, friendSelf: { type: FriendSelf }, friendCount: { type: GraphQLInt }, total: { type: GraphQLInt } },
      }),
    });
    expect(undeclared(probe)).toEqual(['Query.total', 'Audience.size']);
  });
});
