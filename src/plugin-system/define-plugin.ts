import { z } from 'zod';
import type { ApprovalRequirement, PluginDefinition, PluginSpec, PolicyResult } from './types.ts';

const ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const VETO_HOOKS = ['beforeSubmit', 'beforeApprove', 'beforeSend'] as const;
const AFTER_HOOKS = ['onSubmitted', 'onDecided', 'onSent', 'onRecalled', 'onMessageReceived'] as const;
const HOOK_NAMES = new Set<string>([...VETO_HOOKS, ...AFTER_HOOKS]);

// Checked here and again by the registry: a third-party plugin may have been
// built against another copy of this file, or none at all.
const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'must be a function');

const SpecShape = z.object({
  id: z.string().regex(ID, 'must be lowercase letters, digits and single dashes, e.g. "two-person-rule"').max(64),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][\w.-]+)?$/, 'must be a semver version such as "1.0.0"'),
  apiVersion: z.number().int(),
  description: z.string().min(1).max(200),
  requires: z.array(z.string().regex(ID)).default([]),
  config: z.custom<z.ZodType>((value) => value instanceof z.ZodType || typeof (value as { safeParse?: unknown })?.safeParse === 'function', 'must be a zod schema'),
  secretKeys: z.array(z.string()).default([]),
  policies: z
    .array(z.object({ key: z.string().regex(ID), appliesTo: z.array(z.string()).min(1), evaluate: fn }, { error: 'each policy needs key, appliesTo and evaluate' }))
    .default([]),
  hooks: z.record(z.string(), fn).default({}),
  schema: fn.optional(),
});

/** Thrown when a plugin definition is malformed; the message names the plugin and the field. */
export class PluginDefinitionError extends Error {
  override name = 'PluginDefinitionError';
}

/**
 * Declares a plugin. Returns plain data (no side effects, nothing registered):
 * list it in `plugins/index.ts`, or name its module in `PLUGINS`.
 *
 * @example
 * export default definePlugin({
 *   id: 'two-person-rule', version: '1.0.0', apiVersion: 1,
 *   description: 'Deliveries need approvals from N members other than the author',
 *   config: z.object({ approvals: z.number().int().min(1).max(5).default(2) }),
 *   policies: [{ key: 'approvals', appliesTo: ['BROADCAST', 'NARROWCAST'],
 *     evaluate: (_delivery, ctx) => requireApprovals({ approvals: ctx.config.approvals, excludeAuthor: true }) }],
 * });
 */
export function definePlugin<Schema extends z.ZodType>(spec: PluginSpec<Schema>): PluginDefinition<Schema> {
  return validatePluginShape(spec) as PluginDefinition<Schema>;
}

/** Validates anything claiming to be a plugin; used by `definePlugin` and the registry. */
export function validatePluginShape(candidate: unknown, origin = 'plugin'): PluginDefinition {
  const parsed = SpecShape.safeParse(candidate);
  const label = typeof (candidate as { id?: unknown })?.id === 'string' ? `plugin "${(candidate as { id: string }).id}"` : origin;
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PluginDefinitionError(`${label}: ${issue.path.join('.') || 'definition'} ${issue.message}`);
  }
  const spec = parsed.data;
  for (const name of Object.keys(spec.hooks)) {
    if (!HOOK_NAMES.has(name)) throw new PluginDefinitionError(`${label}: unknown hook "${name}" (known: ${[...HOOK_NAMES].join(', ')})`);
  }
  const keys = new Set<string>();
  for (const policy of spec.policies) {
    if (keys.has(policy.key)) throw new PluginDefinitionError(`${label}: two policies have the key "${policy.key}"`);
    keys.add(policy.key);
  }
  const defaults = spec.config.safeParse({});
  if (!defaults.success) {
    throw new PluginDefinitionError(`${label}: config must accept {} (give every key a default): ${defaults.error.issues[0]?.message}`);
  }
  const shape = (spec.config as unknown as { shape?: Record<string, unknown> }).shape;
  for (const key of spec.secretKeys) {
    if (shape && !(key in shape)) throw new PluginDefinitionError(`${label}: secret key "${key}" is not in the config schema`);
  }
  return Object.freeze({ ...(candidate as object), ...spec }) as PluginDefinition;
}

/** Policy result: this policy has nothing to say about the delivery. */
export function abstain(): PolicyResult {
  return { abstain: true };
}

/** Policy result: the delivery needs these approvals before it may be sent. */
export function requireApprovals(requirement: ApprovalRequirement): PolicyResult {
  return { require: requirement };
}

/** Policy result: the delivery may not be submitted or sent at all; `reason` is shown to the member. */
export function reject(reason: string, details?: Record<string, unknown>): PolicyResult {
  return details ? { reject: reason, details } : { reject: reason };
}
