import type { Logger } from 'pino';
import { BUNDLED_PLUGINS } from '../../plugins/index.ts';
import type { Config } from '../env.ts';
import { loadRegistry } from './registry.ts';
import type { PluginHost } from './runner.ts';

/**
 * Loads the bundled plugins and those named in `PLUGINS`, validated together;
 * throws (and the server does not start) on any problem.
 */
export async function createPluginHost(config: Pick<Config, 'plugins' | 'pluginHookTimeoutMs'>, logger: Logger, cwd?: string): Promise<PluginHost> {
  const registry = await loadRegistry(BUNDLED_PLUGINS, config.plugins, cwd);
  return { registry, hookTimeoutMs: config.pluginHookTimeoutMs, logger };
}
