// Every GraphQL argument reaches a resolver through here: text no column can
// store is refused once, at the edge, instead of in each service. It runs
// inside the errors plugin, so a mutation answers with its ValidationError
// payload; elsewhere the error is masked as INVALID_INPUT naming the field.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { assertSafeText } from '../modules/validate.ts';

export class TextGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: PothosOutputFieldConfig<Types>) {
    if (Object.keys(fieldConfig.args).length === 0) return resolver;
    return (parent: unknown, args: object, ctx: Types['Context'], info: Parameters<typeof resolver>[3]) => {
      assertSafeText(args);
      return resolver(parent, args, ctx, info);
    };
  }

  override wrapSubscribe(subscribe: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined, fieldConfig: PothosOutputFieldConfig<Types>) {
    if (!subscribe || Object.keys(fieldConfig.args).length === 0) return subscribe;
    return (parent: unknown, args: object, ctx: Types['Context'], info: Parameters<typeof subscribe>[3]) => {
      assertSafeText(args);
      return subscribe(parent, args, ctx, info);
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      textGuard: TextGuardPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('textGuard', TextGuardPlugin);

/** The name to list in the builder's `plugins`. */
export const textGuardPlugin = 'textGuard' as const;
