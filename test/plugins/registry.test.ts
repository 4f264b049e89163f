import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { BUNDLED_PLUGINS } from '../../plugins/index.ts';
import { definePlugin, z } from '../../src/plugin-system/public.ts';
import { createRegistry, loadRegistry } from '../../src/plugin-system/registry.ts';

const fixture = (name: string) => `./test/plugins/fixtures/${name}`;
const plugin = (id: string, extra: Record<string, unknown> = {}) =>
  ({ id, version: '1.0.0', apiVersion: 1, description: 'x', config: z.object({}), ...extra }) as Parameters<typeof definePlugin>[0];

describe('plugin registry: checked at start', () => {
  test('bundled plugins load together, each with a README-worthy description', async () => {
    const registry = await loadRegistry(BUNDLED_PLUGINS, []);
    expect(registry.all.map((p) => p.id)).toEqual(expect.arrayContaining(['two-person-rule', 'content-check']));
  });

  test('an unknown apiVersion is refused, naming the plugin and both versions', async () => {
    await expect(loadRegistry(BUNDLED_PLUGINS, [fixture('bad-api-version.ts')])).rejects.toThrow(
      'plugin "from-the-future" (./test/plugins/fixtures/bad-api-version.ts) was written for plugin API 2; this server speaks API 1',
    );
  });

  test('a duplicate id is refused, naming both origins', async () => {
    await expect(loadRegistry(BUNDLED_PLUGINS, [fixture('duplicate-id.ts')])).rejects.toThrow(
      'plugin id "two-person-rule" is loaded twice: from bundled and from ./test/plugins/fixtures/duplicate-id.ts',
    );
  });

  test('a missing requirement is refused, naming what is missing', async () => {
    await expect(loadRegistry(BUNDLED_PLUGINS, [fixture('needs-missing.ts')])).rejects.toThrow(
      'plugin "needs-missing" (./test/plugins/fixtures/needs-missing.ts) requires "not-loaded-anywhere", which is not loaded',
    );
    // Satisfied by loading the required plugin too.
    const registry = createRegistry([
      { plugin: definePlugin(plugin('base')), origin: 'a' },
      { plugin: definePlugin(plugin('extension', { requires: ['base'] })), origin: 'b' },
    ]);
    expect(registry.get('extension')?.requires).toEqual(['base']);
  });

  test('plugin-owned GraphQL (schema) is refused until the server supports it, not silently ignored', () => {
    expect(() => createRegistry([{ plugin: definePlugin(plugin('fields', { schema: () => {} })), origin: 'x' }])).toThrow(
      'plugin "fields" (x) declares schema(builder); plugin-owned GraphQL fields are not supported by this server yet',
    );
  });

  test('a module that cannot be loaded, or exports no plugin, is refused with its name', async () => {
    await expect(loadRegistry([], ['./test/plugins/fixtures/does-not-exist.ts'])).rejects.toThrow('PLUGINS: cannot load "./test/plugins/fixtures/does-not-exist.ts"');
    await expect(loadRegistry([], [fixture('probe.ts')])).rejects.toThrow('has no default export');
  });

  test('malformed definitions are refused: bad id, unknown hook, secret key not in the config, config without defaults', () => {
    expect(() => definePlugin(plugin('Not An Id'))).toThrow(/id must be lowercase/);
    expect(() => definePlugin(plugin('hooky', { hooks: { beforeLaunch: () => {} } }))).toThrow('plugin "hooky": unknown hook "beforeLaunch"');
    expect(() => definePlugin(plugin('leaky', { secretKeys: ['token'] }))).toThrow('plugin "leaky": secret key "token" is not in the config schema');
    expect(() => definePlugin(plugin('strict', { config: z.object({ url: z.string() }) }))).toThrow(/config must accept \{\}/);
  });

  test('the server does not start with a bad plugin set: exit code 1 and the reason on stderr', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, PLUGINS: fixture('bad-api-version.ts'), DATA_DIR: path.join(os.tmpdir(), `dengon-never-${process.pid}`), PORT: '0', DATABASE_URL: '' };
    const failure = await run(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, timeout: 50_000 }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('was written for plugin API 2; this server speaks API 1');
  });
});
