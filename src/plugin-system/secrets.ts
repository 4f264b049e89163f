import type { PluginDefinition } from './types.ts';

export const SECRET_MASK = '[secret]';

/** The config without its secret keys' values: what the API, logs and audit data may show. */
export function maskSecrets(plugin: Pick<PluginDefinition, 'secretKeys'>, config: unknown): Record<string, unknown> {
  const copy = { ...((config ?? {}) as Record<string, unknown>) };
  for (const key of plugin.secretKeys) if (copy[key] !== undefined && copy[key] !== null && copy[key] !== '') copy[key] = SECRET_MASK;
  return copy;
}

/** Secret keys that hold a value, so admins can see a secret is set without seeing it. */
export function secretsSet(plugin: Pick<PluginDefinition, 'secretKeys'>, config: unknown): string[] {
  const values = (config ?? {}) as Record<string, unknown>;
  return plugin.secretKeys.filter((key) => values[key] !== undefined && values[key] !== null && values[key] !== '');
}

/** The secret strings of a config, to scrub from anything a plugin logs. */
export function secretValues(plugin: Pick<PluginDefinition, 'secretKeys'>, config: unknown): string[] {
  const values = (config ?? {}) as Record<string, unknown>;
  return plugin.secretKeys.map((key) => values[key]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** Replaces every occurrence of a secret inside strings of `value` (deeply). */
export function maskSecretValues<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const scrub = (text: string) => secrets.reduce((acc, secret) => acc.split(secret).join(SECRET_MASK), text);
  if (typeof value === 'string') return scrub(value) as T;
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? scrub(v) : v))) as T;
}
