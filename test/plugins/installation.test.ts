import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runVetoHook } from '../../src/plugin-system/runner.ts';
import { pluginState } from '../../src/plugin-system/state.ts';
import { MAX_PLUGIN_STATE_KEYS, MAX_PLUGIN_STATE_VALUE_BYTES } from '../../src/limits.ts';
import { dbId } from '../helpers/scenario.ts';
import { startPluginApp, type PluginKit } from './kit.ts';

const SECRET = 'sk-live-DO-NOT-LEAK-4242';
let kit: PluginKit;
beforeAll(async () => {
  kit = await startPluginApp({ env: { PLUGINS: './test/plugins/fixtures/probe-a.ts,./test/plugins/fixtures/needs-probe.ts' } });
});
afterAll(() => kit.close());

const target = () => ({ accountId: { type: 'ID!', value: kit.accountId }, pluginId: { type: 'String!', value: 'probe-a' } });
const INSTALLATION = 'id pluginId enabled version config secretsSet plugin { id version secretKeys configSchema }';

describe('per-account installation: ADMINs only, every change audited', () => {
  test('install, configure, disable, enable, uninstall: each is an audit event', async () => {
    const { admin } = kit.members;
    const installed = await kit.mutate(admin.token, 'installPlugin', { ...target(), config: { type: 'JSON', value: { policy: 'require', approvals: 2 } } }, INSTALLATION);
    expect(installed.data).toMatchObject({ pluginId: 'probe-a', enabled: true, version: '0.0.1', config: { policy: 'require', approvals: 2, beforeSend: 'pass' }, secretsSet: [] });
    expect(await kit.mutate(admin.token, 'installPlugin', target(), 'id')).toMatchObject({ code: 'PLUGIN_ALREADY_INSTALLED' });
    expect((await kit.mutate(admin.token, 'configurePlugin', { ...target(), config: { type: 'JSON!', value: { approvals: 3 } } }, 'config')).data.config).toMatchObject({ policy: 'require', approvals: 3 });
    expect((await kit.mutate(admin.token, 'disablePlugin', target(), 'enabled')).data.enabled).toBe(false);
    expect((await kit.mutate(admin.token, 'enablePlugin', target(), 'enabled')).data.enabled).toBe(true);
    expect((await kit.mutate(admin.token, 'uninstallPlugin', target(), '')).data).toBe(installed.data.id);
    expect(await kit.app.db.prisma.pluginInstallation.count()).toBe(0);
    const actions = await kit.app.db.prisma.auditEvent.findMany({ where: { subjectType: 'PluginInstallation' }, orderBy: { seq: 'asc' } });
    expect(actions.map((a) => a.action)).toEqual(['plugin.installed', 'plugin.configured', 'plugin.disabled', 'plugin.enabled', 'plugin.uninstalled']);
    expect(actions[1]!.data).toMatchObject({ pluginId: 'probe-a', changed: ['approvals'], config: { approvals: 3 } });
  });

  test('other roles: FORBIDDEN for account.plugins and every plugin mutation', async () => {
    const { admin, operator, drafter } = kit.members;
    await kit.mutate(admin.token, 'installPlugin', target(), 'id');
    for (const token of [operator.token, drafter.token]) {
      const res = await kit.gql(`query($id: ID!) { account(id: $id) { plugins { pluginId } } }`, { id: kit.accountId }, token);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      for (const name of ['configurePlugin', 'disablePlugin', 'uninstallPlugin']) {
        const args = name === 'configurePlugin' ? { ...target(), config: { type: 'JSON!', value: { approvals: 9 } } } : target();
        expect((await kit.mutate(token, name, args, name === 'uninstallPlugin' ? '' : 'id')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    }
    const row = await kit.app.db.prisma.pluginInstallation.findFirstOrThrow();
    expect(row.enabled).toBe(true);
    await kit.mutate(admin.token, 'uninstallPlugin', target(), '');
  });

  test('an unknown plugin is NOT_FOUND naming pluginId; a bad config names the field', async () => {
    const { admin } = kit.members;
    const unknown = await kit.mutate(admin.token, 'installPlugin', { accountId: target().accountId, pluginId: { type: 'String!', value: 'no-such-plugin' } }, 'id');
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', field: 'pluginId' });
    const bad = await kit.mutate(admin.token, 'installPlugin', { ...target(), config: { type: 'JSON', value: { policy: 'maybe' } } }, 'id');
    expect(bad).toMatchObject({ __typename: 'ValidationError', field: 'config.policy' });
    expect(await kit.app.db.prisma.pluginInstallation.count()).toBe(0);
  });
});

describe('requires: a plugin needs the plugins it builds on, enabled on the same account', () => {
  test('installing without them, or disabling one still needed, is PLUGIN_REQUIREMENT_MISSING', async () => {
    const { admin } = kit.members;
    await kit.app.db.prisma.pluginInstallation.deleteMany();
    const needs = { accountId: target().accountId, pluginId: { type: 'String!', value: 'needs-probe' } };
    expect(await kit.mutate(admin.token, 'installPlugin', needs, 'id')).toMatchObject({ code: 'PLUGIN_REQUIREMENT_MISSING', message: expect.stringContaining('"probe-a"') });
    await kit.mutate(admin.token, 'installPlugin', target(), 'id');
    expect((await kit.mutate(admin.token, 'installPlugin', needs, 'enabled')).data.enabled).toBe(true);
    expect(await kit.mutate(admin.token, 'disablePlugin', target(), 'id')).toMatchObject({ code: 'PLUGIN_REQUIREMENT_MISSING', message: expect.stringContaining('"needs-probe"') });
    expect(await kit.mutate(admin.token, 'uninstallPlugin', target(), '')).toMatchObject({ code: 'PLUGIN_REQUIREMENT_MISSING' });
    await kit.mutate(admin.token, 'disablePlugin', needs, 'id');
    expect((await kit.mutate(admin.token, 'disablePlugin', target(), 'enabled')).data.enabled).toBe(false);
    await kit.app.db.prisma.pluginInstallation.deleteMany();
  });
});

describe('secrets are write-only', () => {
  test('no query or mutation result, nor the audit log, ever contains a secret value', async () => {
    const { admin } = kit.members;
    const responses: unknown[] = [];
    const keep = <T>(value: T) => (responses.push(value), value);
    const installed = keep(await kit.mutate(admin.token, 'installPlugin', { ...target(), config: { type: 'JSON', value: { apiKey: SECRET } } }, INSTALLATION));
    expect(installed.data.secretsSet).toEqual(['apiKey']);
    expect(installed.data.config).not.toHaveProperty('apiKey');
    // Changing another key keeps the secret without re-entering it.
    keep(await kit.mutate(admin.token, 'configurePlugin', { ...target(), config: { type: 'JSON!', value: { approvals: 2 } } }, INSTALLATION));
    const stored = await kit.app.db.prisma.pluginInstallation.findFirstOrThrow();
    expect((stored.config as { apiKey: string }).apiKey).toBe(SECRET);
    keep(await kit.gql(`query($id: ID!) { account(id: $id) { plugins { ${INSTALLATION} } auditEvents(first: 50) { edges { node { action data } } } } }`, { id: kit.accountId }, admin.token));
    keep(await kit.gql(`{ availablePlugins { id secretKeys configSchema } }`, {}, admin.token));
    keep(await kit.gql(`query($id: ID!) { node(id: $id) { ... on PluginInstallation { config secretsSet } } }`, { id: installed.data.id }, admin.token));
    const everything = JSON.stringify(responses);
    expect(everything).toContain('apiKey'); // the key's name is visible …
    expect(everything).toContain('[secret]'); // … masked in audit data …
    expect(everything).not.toContain(SECRET); // … its value never.
    const audit = await kit.app.db.prisma.auditEvent.findMany({ where: { subjectType: 'PluginInstallation' } });
    expect(JSON.stringify(audit.map((a) => a.data))).not.toContain(SECRET);
  });

  test('what a plugin logs is scrubbed of its secrets', async () => {
    await kit.app.db.prisma.pluginInstallation.deleteMany();
    await kit.mutate(kit.members.admin.token, 'installPlugin', { ...target(), config: { type: 'JSON', value: { apiKey: SECRET } } }, 'id');
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const id = await kit.draft(kit.members.admin.token, 'Log me');
    const delivery = await kit.app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } });
    const plugins = { ...kit.app.plugins, logger };
    await runVetoHook({ tx: kit.app.db.prisma, clock: kit.clock, actor: null, plugins }, 'beforeSend', delivery);
    // A hook that fails with the secret in its error message: logged scrubbed too.
    await kit.mutate(kit.members.admin.token, 'configurePlugin', { ...target(), config: { type: 'JSON!', value: { beforeSend: 'throw' } } }, 'id');
    const failing = runVetoHook({ tx: kit.app.db.prisma, clock: kit.clock, actor: null, plugins }, 'beforeSend', delivery);
    await expect(failing).rejects.toMatchObject({ code: 'PLUGIN_FAILED', pluginId: 'probe-a' });
    const logged = lines.join('\n');
    expect(logged).toContain('probe beforeSend with key [secret]');
    expect(logged).toContain('exploded (key [secret])');
    expect(logged).not.toContain(SECRET);
  });
});

describe('plugin state: a small store per installation', () => {
  test('get, set and delete; key, value and key-count limits hold, also against a direct write', async () => {
    await kit.app.db.prisma.pluginInstallation.deleteMany();
    const installed = await kit.mutate(kit.members.admin.token, 'installPlugin', target(), 'id');
    const state = pluginState(kit.app.db.prisma, kit.clock, dbId(installed.data.id));
    await state.set('counter', { n: 1 });
    expect(await state.get('counter')).toEqual({ n: 1 });
    await state.delete('counter');
    expect(await state.get('counter')).toBeUndefined();
    await expect(state.set('', 1)).rejects.toThrow(/state key/);
    await expect(state.set('big', 'x'.repeat(MAX_PLUGIN_STATE_VALUE_BYTES))).rejects.toThrow(/at most 4096 bytes/);
    for (let i = 0; i < MAX_PLUGIN_STATE_KEYS; i++) await state.set(`k${i}`, i);
    await expect(state.set('one-more', 1)).rejects.toThrow(/at most 100 keys/);
    await state.set('k0', 'overwriting an existing key is fine');
    // The CHECK constraint backs the size limit even for writes that bypass the store.
    await expect(
      kit.app.db.prisma.pluginState.create({ data: { installationId: dbId(installed.data.id), key: 'raw', value: 'x'.repeat(5000), updatedAt: kit.clock.now() } }),
    ).rejects.toThrow();
    await kit.mutate(kit.members.admin.token, 'uninstallPlugin', target(), '');
    expect(await kit.app.db.prisma.pluginState.count()).toBe(0);
  });
});
