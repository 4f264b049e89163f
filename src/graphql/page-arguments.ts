// Connection arguments are checked before execution, because the prisma
// plugin reads a nested connection's `first`/`after` while building its
// parent's query: a bad value there would surface as an internal error of
// the parent field. Refused here, it names the argument.
import { parsePrismaCursor } from '@pothos/plugin-prisma';
import {
  GraphQLError,
  TypeInfo,
  getNamedType,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function refuse(where: string, field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message} (on ${where})`, { extensions: { code: 'INVALID_INPUT', field } });
}

/** The first bad `first`/`last`/`after`/`before` on a connection field in the document, if any. */
export function checkPageArguments(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined): GraphQLError | null {
  const typeInfo = new TypeInfo(schema);
  let problem: GraphQLError | null = null;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (problem) return false;
        const def = typeInfo.getFieldDef();
        if (!def || !getNamedType(def.type).name.endsWith('Connection')) return undefined;
        const value = (name: string) => {
          const arg = node.arguments?.find((a) => a.name.value === name);
          const type = def.args.find((a) => a.name === name)?.type;
          return arg && type ? valueFromAST(arg.value, type, variables ?? undefined) : undefined;
        };
        const where = node.name.value;
        for (const name of ['first', 'last'] as const) {
          const size = value(name);
          if (typeof size === 'number' && size < 0) problem ??= refuse(where, name, `must be at least 0, got ${size}`);
        }
        for (const name of ['after', 'before'] as const) {
          const cursor = value(name);
          if (cursor == null) continue;
          let id: unknown;
          try {
            id = parsePrismaCursor(cursor);
          } catch {
            id = null;
          }
          if (typeof id !== 'string' || !UUID.test(id)) problem ??= refuse(where, name, 'is not a cursor this connection returned');
        }
        if (value('after') != null && value('before') != null) problem ??= refuse(where, 'before', 'cannot be combined with after');
        if (value('before') != null && value('first') != null) problem ??= refuse(where, 'first', 'cannot be combined with before: use last');
        if (value('after') != null && value('last') != null) problem ??= refuse(where, 'last', 'cannot be combined with after: use first');
        return problem ? false : undefined;
      },
    }),
  );
  return problem;
}

/** Refuses malformed connection arguments with INVALID_INPUT naming the argument. */
export function usePageArguments(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const problem = checkPageArguments(args.schema, args.document, args.variableValues);
      if (problem) setResultAndStopExecution({ errors: [problem] });
    },
  };
}
