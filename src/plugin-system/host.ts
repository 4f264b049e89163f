import type { Logger } from 'pino';
import type { Config } from '../env.ts';
import { loadRegistry } from './registry.ts';
import type { PluginHost } from './runner.ts';
import type { PluginDefinition } from './types.ts';

/**
 * Loads the bundled plugins (handed in by the runtime: plugins/index.ts) and
 * those named in `PLUGINS`, validated together; throws (and the server does
 * not start) on any problem.
 */
export async function createPluginHost(
  config: Pick<Config, 'plugins' | 'pluginHookTimeoutMs'>,
  logger: Logger,
  bundled: readonly PluginDefinition[],
  cwd?: string,
): Promise<PluginHost> {
  const registry = await loadRegistry(bundled, config.plugins, cwd);
  return { registry, hookTimeoutMs: config.pluginHookTimeoutMs, logger };
}
