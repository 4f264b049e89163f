import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginDefinitionError, validatePluginShape } from './define-plugin.ts';
import { PLUGIN_API_VERSION, type PluginDefinition } from './types.ts';

/** The plugins this process loaded, checked once at start. */
export interface PluginRegistry {
  readonly all: readonly PluginDefinition[];
  get(id: string): PluginDefinition | undefined;
}

/**
 * Checks a set of plugins against each other and this server: the API version
 * each was written for, unique ids, and that everything a plugin requires is
 * loaded too. Any problem stops the server with a message naming the plugin.
 */
export function createRegistry(candidates: readonly { plugin: unknown; origin: string }[]): PluginRegistry {
  const byId = new Map<string, { plugin: PluginDefinition; origin: string }>();
  for (const { plugin: candidate, origin } of candidates) {
    const plugin = validatePluginShape(candidate, `plugin from ${origin}`);
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new PluginDefinitionError(
        `plugin "${plugin.id}" (${origin}) was written for plugin API ${plugin.apiVersion}; this server speaks API ${PLUGIN_API_VERSION}`,
      );
    }
    if (plugin.schema) {
      throw new PluginDefinitionError(`plugin "${plugin.id}" (${origin}) declares schema(builder); plugin-owned GraphQL fields are not supported by this server yet`);
    }
    const clash = byId.get(plugin.id);
    if (clash) throw new PluginDefinitionError(`plugin id "${plugin.id}" is loaded twice: from ${clash.origin} and from ${origin}`);
    byId.set(plugin.id, { plugin, origin });
  }
  for (const { plugin, origin } of byId.values()) {
    const missing = plugin.requires.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      throw new PluginDefinitionError(`plugin "${plugin.id}" (${origin}) requires ${missing.map((id) => `"${id}"`).join(', ')}, which is not loaded`);
    }
  }
  const all = [...byId.values()].map((entry) => entry.plugin);
  return { all, get: (id) => byId.get(id)?.plugin };
}

/**
 * Loads third-party plugins named in configuration (`PLUGINS`): package names
 * resolve like any import, paths (starting with `.` or `/`) against `cwd`.
 * The module's default export is the plugin.
 */
export async function importPlugins(specifiers: readonly string[], cwd = process.cwd()): Promise<{ plugin: unknown; origin: string }[]> {
  const loaded = [];
  for (const specifier of specifiers) {
    const target = /^(\.|\/)/.test(specifier) ? pathToFileURL(path.resolve(cwd, specifier)).href : specifier;
    let module: { default?: unknown };
    try {
      module = (await import(target)) as { default?: unknown };
    } catch (error) {
      throw new PluginDefinitionError(`PLUGINS: cannot load "${specifier}": ${(error as Error).message}`);
    }
    if (module.default === undefined) throw new PluginDefinitionError(`PLUGINS: "${specifier}" has no default export (export default definePlugin({…}))`);
    loaded.push({ plugin: module.default, origin: specifier });
  }
  return loaded;
}

/** Bundled plugins plus the configured third-party ones, validated together. */
export async function loadRegistry(bundled: readonly PluginDefinition[], specifiers: readonly string[], cwd?: string): Promise<PluginRegistry> {
  const thirdParty = await importPlugins(specifiers, cwd);
  return createRegistry([...bundled.map((plugin) => ({ plugin, origin: 'bundled' })), ...thirdParty]);
}
