// Configures Pothos; defines no types (those live beside their services).
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ReadPolicyPlugin from './read-policy-plugin.ts';
import type PrismaTypes from '../generated/pothos-prisma-types.ts';
import { getDatamodel } from '../generated/pothos-prisma-types.ts';
import type { Context } from '../context.ts';
import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from '../limits.ts';
import { GraphQLError, GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { decodeGlobalIdLoose, encodeGlobalId } from './global-id.ts';
import { textGuardPlugin } from './text-guard-plugin.ts';

function assertNodeType(typename: string, schema: GraphQLSchema): void {
  const type = typename ? schema.getType(typename) : undefined;
  if (!(type instanceof GraphQLObjectType) || !type.getInterfaces().some((i) => i.name === 'Node')) {
    throw new GraphQLError('id: not a valid id', { extensions: { code: 'INVALID_INPUT', field: 'id' } });
  }
}

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // The text guard sits inside the errors plugin, which turns its refusal into a payload; the read
  // policy is last, so it wraps each resolver innermost and sees the parent row as the prisma plugin loaded it.
  plugins: [ErrorsPlugin, PrismaPlugin, RelayPlugin, textGuardPlugin, ReadPolicyPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.deps.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    // Refuse rather than silently clamp: a client asking for 500 must learn it gets 100.
    // (The plugin calls a function here per connection; its builder-level type says number.)
    maxConnectionSize: ((args: { first?: number | null; last?: number | null }) => {
      for (const field of ['first', 'last'] as const) {
        const size = args[field];
        if (size != null && size > MAX_PAGE_SIZE) {
          throw new GraphQLError(`${field}: at most ${MAX_PAGE_SIZE} per page, got ${size}`, {
            extensions: { code: 'INVALID_INPUT', field, limit: MAX_PAGE_SIZE },
          });
        }
      }
      return MAX_PAGE_SIZE;
    }) as unknown as number,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalIdLoose,
    edgesFieldOptions: { nullable: false },
    // A malformed id decodes to no type (see global-id.ts): refuse it clearly
    // instead of letting the relay plugin fail on an unknown typename.
    nodeQueryOptions: {
      resolve: (_root, { id }, _ctx, info, resolveNode) => {
        assertNodeType(id.typename, info.schema);
        return resolveNode(id);
      },
    },
    nodesQueryOptions: {
      resolve: (_root, { ids }, _ctx, info, resolveNodes) => {
        for (const id of ids) assertNodeType(id.typename, info.schema);
        return resolveNodes(ids);
      },
    },
    nodeFieldOptions: { nullable: false },
  },
  errors: { defaultTypes: [] },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({ description: 'Live events over graphql-ws (same URL as HTTP, token in connection_init) or SSE. Each event is checked against what you may see when it happens.' });
