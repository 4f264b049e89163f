// Applies the statistics read policy (R-STATS-1) to every field the
// declaration in src/auth/statistics.ts names, so no resolver carries its own
// check: a statistic resolves to null for a viewer who may not read it (its
// resolver is not even called), and JSON that carries statistics loses those
// keys. Each declared field also gets `extensions.readPolicy`, which the
// schema test reads to prove every number and JSON field declared itself.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { type AppAbility, canReadStatistic, redactStatistics } from '../auth/ability.ts';
import { readPolicyOf } from '../auth/statistics.ts';

const pluginName = 'readPolicy';

const STATISTIC_NOTE = 'Statistics (R-STATS-1): null for roles without statistics (OPERATOR_NO_SEND_NO_STATS).';
const JSON_NOTE = 'Keys that count reach (recipients, targets, quota units, sizes) are left out for roles without statistics (R-STATS-1).';

type Parent = Record<string, unknown> & { accountId?: unknown };
type WithAbility = { ability: AppAbility };

export class ReadPolicyPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    const policy = readPolicyOf(fieldConfig.parentType, fieldConfig.name);
    if (!policy) return fieldConfig;
    if (policy.kind === 'statistic' && !fieldConfig.type.nullable) {
      throw new Error(`${fieldConfig.parentType}.${fieldConfig.name} is a statistic (R-STATS-1) and must be nullable: it is null for roles without statistics.`);
    }
    const note = policy.kind === 'statistic' ? STATISTIC_NOTE : policy.kind === 'statistics-in-json' ? JSON_NOTE : null;
    return {
      ...fieldConfig,
      description: note ? [fieldConfig.description, note].filter(Boolean).join(' ') : fieldConfig.description,
      extensions: { ...fieldConfig.extensions, readPolicy: policy },
    };
  }

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const policy = readPolicyOf(fieldConfig.parentType, fieldConfig.name);
    if (policy?.kind === 'statistic') {
      const { subject } = policy;
      const field = fieldConfig.name;
      // ctx.ability is read per call: a subscription swaps it per event (the role as it is then).
      return (parent, args, ctx, info) =>
        canReadStatistic((ctx as WithAbility).ability, subject, parent as Parent, field) ? resolver(parent, args, ctx, info) : null;
    }
    if (policy?.kind === 'statistics-in-json') {
      const { subjectFrom } = policy;
      return (parent, args, ctx, info) => {
        const row = parent as Parent;
        const redact = (data: unknown) => redactStatistics((ctx as WithAbility).ability, row[subjectFrom] as string | undefined, row, data);
        const value = resolver(parent, args, ctx, info);
        return value instanceof Promise ? value.then(redact) : redact(value);
      };
    }
    return resolver;
  }
}

SchemaBuilder.registerPlugin(pluginName, ReadPolicyPlugin);

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      readPolicy: ReadPolicyPlugin<Types>;
    }
  }
}

export default pluginName;
