import { z } from 'zod';
import { builder } from '../../graphql/builder.ts';
import { accessibleWhere, can } from '../../auth/ability.ts';
import { ConflictError, forbidden, NotFoundError, ValidationError } from '../../errors.ts';
import { decodeId, encodeGlobalId } from '../../graphql/global-id.ts';
import { asMember, requireViewer } from '../../graphql/run.ts';
import { secretsSet } from '../../plugin-system/secrets.ts';
import type { PluginDefinition } from '../../plugin-system/types.ts';
import { PluginRunStatus } from '../../generated/prisma/enums.ts';
import { configurePlugin, installPlugin, setPluginEnabled, uninstallPlugin } from './plugin.service.ts';

const PluginInfo = builder.objectRef<PluginDefinition>('Plugin').implement({
  description: 'A plugin this server has loaded (bundled, or named in PLUGINS). Install it on an account to use it.',
  fields: (t) => ({
    id: t.exposeString('id'),
    version: t.exposeString('version'),
    apiVersion: t.exposeInt('apiVersion'),
    description: t.exposeString('description'),
    requires: t.stringList({ resolve: (p) => [...p.requires] }),
    secretKeys: t.stringList({ description: 'Config keys that are write-only.', resolve: (p) => [...p.secretKeys] }),
    appliesTo: t.stringList({ description: 'Delivery kinds its policies apply to.', resolve: (p) => [...new Set(p.policies.flatMap((x) => x.appliesTo))] }),
    hooks: t.stringList({ resolve: (p) => Object.keys(p.hooks) }),
    configSchema: t.field({
      type: 'JSON',
      nullable: true,
      description: 'JSON Schema of the configuration, for building a settings form.',
      resolve: (p) => {
        try {
          return z.toJSONSchema(p.config, { io: 'input', unrepresentable: 'any' });
        } catch {
          return null;
        }
      },
    }),
  }),
});

const InstallationType = builder.prismaNode('PluginInstallation', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'PluginInstallation')] }),
  description: 'A plugin installed on an account. ADMINs only.',
  fields: (t) => ({
    pluginId: t.exposeString('pluginId'),
    enabled: t.exposeBoolean('enabled'),
    version: t.exposeString('version', { description: 'The plugin version that last validated the config.' }),
    plugin: t.field({
      type: PluginInfo,
      nullable: true,
      description: 'Null when this server no longer loads the plugin (while enabled it then blocks the steps it guarded: disable it).',
      select: { pluginId: true },
      resolve: (row, _args, ctx) => ctx.deps.plugins.registry.get(row.pluginId) ?? null,
    }),
    config: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The configuration without its secret keys (write-only). Null when the plugin is not loaded and its secrets are unknown.',
      select: { pluginId: true, config: true },
      resolve: (row, _args, ctx) => {
        const plugin = ctx.deps.plugins.registry.get(row.pluginId);
        if (!plugin) return null;
        const visible = { ...(row.config as Record<string, unknown>) };
        for (const key of plugin.secretKeys) delete visible[key];
        return visible;
      },
    }),
    secretsSet: t.stringList({
      description: 'Secret keys that hold a value (the values are never returned).',
      select: { pluginId: true, config: true },
      resolve: (row, _args, ctx) => {
        const plugin = ctx.deps.plugins.registry.get(row.pluginId);
        return plugin ? secretsSet(plugin, row.config) : [];
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Account', 'plugins', (t) =>
  t.prismaField({
    type: ['PluginInstallation'],
    description: 'Installed plugins, by id. ADMIN only (FORBIDDEN otherwise), like auditEvents.',
    resolve: (query, account, _args, ctx) => {
      if (!can(ctx.ability, 'read', 'PluginInstallation', { accountId: account.id })) throw forbidden('Only ADMINs can see and manage plugins.');
      return ctx.deps.db.prisma.pluginInstallation.findMany({
        ...query,
        where: { accountId: account.id, AND: [accessibleWhere(ctx.ability, 'read', 'PluginInstallation')] },
        orderBy: { pluginId: 'asc' },
      });
    },
  }),
);

builder.queryField('availablePlugins', (t) =>
  t.field({
    type: [PluginInfo],
    description: 'Plugins this server has loaded; any signed-in member may list them.',
    resolve: (_root, _args, ctx) => {
      requireViewer(ctx);
      return [...ctx.deps.plugins.registry.all];
    },
  }),
);

const ERRORS = [ValidationError, NotFoundError, ConflictError];
const accountId = (id: string | number) => decodeId('accountId', String(id), 'Account');

builder.mutationFields((t) => {
  const target = { accountId: t.arg.id({ required: true }), pluginId: t.arg.string({ required: true }) };
  const toggle = (enabled: boolean) =>
    t.field({
      type: InstallationType,
      description: enabled ? 'ADMIN: turn an installed plugin on.' : 'ADMIN: turn a plugin off; it then has no effect at all. Its config and state stay.',
      errors: { types: ERRORS },
      args: target,
      resolve: (_root, args, ctx) => asMember(ctx, (deps) => setPluginEnabled(deps, { accountId: accountId(args.accountId), pluginId: args.pluginId, enabled })),
    });
  return {
    installPlugin: t.field({
      type: InstallationType,
      description: "ADMIN: install a loaded plugin on the account, enabled unless `enabled: false`. `config` is validated by the plugin's schema (defaults fill the rest).",
      errors: { types: ERRORS },
      args: { ...target, config: t.arg({ type: 'JSON' }), enabled: t.arg.boolean() },
      resolve: (_root, args, ctx) =>
        asMember(ctx, (deps) => installPlugin(deps, { accountId: accountId(args.accountId), pluginId: args.pluginId, config: args.config ?? undefined, enabled: args.enabled })),
    }),
    configurePlugin: t.field({
      type: InstallationType,
      description: 'ADMIN: change some config keys (others, secrets included, keep their values; null resets a key to its default). The result is validated as a whole.',
      errors: { types: ERRORS },
      args: { ...target, config: t.arg({ type: 'JSON', required: true }) },
      resolve: (_root, args, ctx) => asMember(ctx, (deps) => configurePlugin(deps, { accountId: accountId(args.accountId), pluginId: args.pluginId, config: args.config })),
    }),
    enablePlugin: toggle(true),
    disablePlugin: toggle(false),
    uninstallPlugin: t.field({
      type: 'ID',
      description: 'ADMIN: remove the plugin from the account with its config and state; returns the removed installation id.',
      errors: { types: ERRORS },
      args: target,
      resolve: async (_root, args, ctx) => {
        const row = await asMember(ctx, (deps) => uninstallPlugin(deps, { accountId: accountId(args.accountId), pluginId: args.pluginId }));
        return encodeGlobalId('PluginInstallation', row.id);
      },
    }),
  };
});

// --- after-commit hook runs --------------------------------------------------

const RunStatus = builder.enumType(PluginRunStatus, {
  name: 'PluginRunStatus',
  description: 'PENDING waits for its next attempt; FAILED gave up after the last retry; SKIPPED never ran (plugin disabled, or what the event names is gone).',
});

builder.prismaObject('PluginRun', {
  description: "One after-commit hook call of a plugin for one event, with its retries. ADMINs only. Errors never show the plugin's secrets.",
  fields: (t) => ({
    id: t.id({ resolve: (r) => encodeGlobalId('PluginRun', r.id) }),
    pluginId: t.exposeString('pluginId'),
    hook: t.exposeString('hook', { description: 'onSubmitted, onDecided, onSent, onRecalled or onMessageReceived.' }),
    eventId: t.exposeString('eventId', { description: 'The event id the plugin saw (webhook receivers de-duplicate by it).' }),
    eventType: t.exposeString('eventType'),
    status: t.expose('status', { type: RunStatus }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'The last failure (secret values replaced by [secret]); null after a success.' }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, description: 'When a PENDING run is tried next; null otherwise.', select: { status: true, nextAttemptAt: true }, resolve: (r) => (r.status === 'PENDING' ? r.nextAttemptAt : null) }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Account', 'pluginRuns', (t) =>
  t.prismaConnection({
    type: 'PluginRun',
    cursor: 'id',
    description: "Plugins' after-commit hook runs, newest first; optionally only those with `status`. ADMIN only (FORBIDDEN otherwise).",
    args: { status: t.arg({ type: RunStatus }) },
    resolve: (query, account, args, ctx) => {
      if (!can(ctx.ability, 'read', 'PluginRun', { accountId: account.id })) throw forbidden('Only ADMINs can see plugin runs.');
      return ctx.deps.db.prisma.pluginRun.findMany({
        ...query,
        where: { accountId: account.id, ...(args.status ? { status: args.status } : {}), AND: [accessibleWhere(ctx.ability, 'read', 'PluginRun')] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  }),
);
