import type { z } from 'zod';
import type { PluginInstallation, Prisma } from '../../generated/prisma/client.ts';
import { assertCan } from '../../auth/ability.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { MAX_PLUGIN_CONFIG_BYTES } from '../../limits.ts';
import { maskSecrets } from '../../plugin-system/secrets.ts';
import type { PluginDefinition } from '../../plugin-system/types.ts';
import { type Deps, loadAccount } from '../accounts/account.service.ts';
import { type AuditAction, AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';

// Per-account plugin installations: ADMINs install, configure, enable,
// disable and uninstall; every change is an audit event with secrets masked.

type Target = { accountId: string; pluginId: string };

function pluginFor(deps: Deps, pluginId: string): PluginDefinition {
  const plugin = deps.plugins.registry.get(pluginId);
  if (!plugin) throw new NotFoundError('pluginId');
  return plugin;
}

/** Parses with the plugin's own schema; the error names the config field (`config.approvals`). */
function parseConfig(plugin: PluginDefinition, config: unknown): Prisma.InputJsonObject {
  if (config !== undefined && (config === null || typeof config !== 'object' || Array.isArray(config))) {
    throw new ValidationError('config', 'config: must be an object');
  }
  const parsed = (plugin.config as z.ZodType).safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['config', ...issue.path.map(String)].join('.');
    throw new ValidationError(field, `${field}: ${issue.message}`);
  }
  const json = JSON.stringify(parsed.data);
  if (Buffer.byteLength(json) > MAX_PLUGIN_CONFIG_BYTES) throw new ValidationError('config', `config: at most ${MAX_PLUGIN_CONFIG_BYTES} bytes of JSON`, MAX_PLUGIN_CONFIG_BYTES);
  return JSON.parse(json) as Prisma.InputJsonObject;
}

async function loadInstallation(deps: Deps, target: Target, action: 'update' | 'delete'): Promise<PluginInstallation> {
  const account = await loadAccount(deps, target.accountId);
  assertCan(deps.actor.ability, action, 'PluginInstallation', { accountId: account.id });
  const row = await deps.tx.pluginInstallation.findUnique({ where: { accountId_pluginId: { accountId: account.id, pluginId: target.pluginId } } });
  if (!row) throw new NotFoundError('pluginId');
  return row;
}

/** A plugin cannot run without the plugins it requires being enabled on the same account. */
async function assertRequirementsEnabled(deps: Deps, plugin: PluginDefinition, accountId: string): Promise<void> {
  if (plugin.requires.length === 0) return;
  const enabled = await deps.tx.pluginInstallation.findMany({ where: { accountId, pluginId: { in: [...plugin.requires] }, enabled: true }, select: { pluginId: true } });
  const missing = plugin.requires.filter((id) => !enabled.some((row) => row.pluginId === id));
  if (missing.length) throw new ConflictError('PLUGIN_REQUIREMENT_MISSING', `Plugin "${plugin.id}" requires ${missing.map((id) => `"${id}"`).join(', ')}: install and enable it first.`);
}

/** Nor can a required plugin be switched off under an enabled plugin that needs it. */
async function assertNotRequired(deps: Deps, pluginId: string, accountId: string): Promise<void> {
  const enabled = await deps.tx.pluginInstallation.findMany({ where: { accountId, enabled: true, pluginId: { not: pluginId } }, select: { pluginId: true } });
  const dependants = enabled.filter((row) => deps.plugins.registry.get(row.pluginId)?.requires.includes(pluginId)).map((row) => row.pluginId);
  if (dependants.length) throw new ConflictError('PLUGIN_REQUIREMENT_MISSING', `Plugin "${pluginId}" is required by ${dependants.map((id) => `"${id}"`).join(', ')}: disable those first.`);
}

function audit(deps: Deps, row: PluginInstallation, action: AuditAction, data: Prisma.InputJsonObject = {}) {
  return recordAudit(deps, {
    accountId: row.accountId,
    actorUserId: deps.actor.userId,
    action,
    subject: { type: 'PluginInstallation', id: row.id },
    data: { pluginId: row.pluginId, version: row.version, enabled: row.enabled, ...data },
  });
}

export async function installPlugin(deps: Deps, input: Target & { config?: unknown; enabled?: boolean | null }): Promise<PluginInstallation> {
  const account = await loadAccount(deps, input.accountId);
  assertCan(deps.actor.ability, 'create', 'PluginInstallation', { accountId: account.id });
  const plugin = pluginFor(deps, input.pluginId);
  const config = parseConfig(plugin, input.config);
  const enabled = input.enabled ?? true;
  if (enabled) await assertRequirementsEnabled(deps, plugin, account.id);
  const where = { accountId_pluginId: { accountId: account.id, pluginId: plugin.id } };
  if (await deps.tx.pluginInstallation.findUnique({ where, select: { id: true } })) {
    throw new ConflictError('PLUGIN_ALREADY_INSTALLED', `Plugin "${plugin.id}" is already installed on this account: use configurePlugin.`);
  }
  const now = deps.clock.now();
  const row = await deps.tx.pluginInstallation.create({
    data: { accountId: account.id, pluginId: plugin.id, enabled, config, version: plugin.version, createdAt: now, updatedAt: now },
  });
  await audit(deps, row, AUDIT.pluginInstalled, { config: maskSecrets(plugin, config) as Prisma.InputJsonObject });
  return row;
}

/**
 * Merges the given keys into the stored config and validates the result, so
 * an admin changing one setting need not re-enter a secret they cannot read.
 * A key given as null is removed: it falls back to the plugin's default.
 */
export async function configurePlugin(deps: Deps, input: Target & { config: unknown }): Promise<PluginInstallation> {
  const row = await loadInstallation(deps, input, 'update');
  const plugin = pluginFor(deps, row.pluginId);
  if (input.config === null || typeof input.config !== 'object' || Array.isArray(input.config)) throw new ValidationError('config', 'config: must be an object');
  const merged: Record<string, unknown> = { ...(row.config as object), ...(input.config as object) };
  for (const [key, value] of Object.entries(input.config)) if (value === null) delete merged[key];
  const config = parseConfig(plugin, merged);
  const updated = await deps.tx.pluginInstallation.update({ where: { id: row.id }, data: { config, version: plugin.version, updatedAt: deps.clock.now() } });
  await audit(deps, updated, AUDIT.pluginConfigured, {
    changed: Object.keys(input.config as object),
    config: maskSecrets(plugin, config) as Prisma.InputJsonObject,
  });
  return updated;
}

export async function setPluginEnabled(deps: Deps, input: Target & { enabled: boolean }): Promise<PluginInstallation> {
  const row = await loadInstallation(deps, input, 'update');
  if (row.enabled === input.enabled) return row;
  // Disabling must work even for a plugin this server no longer loads: that is how an admin gets unstuck.
  if (input.enabled) await assertRequirementsEnabled(deps, pluginFor(deps, row.pluginId), row.accountId);
  else await assertNotRequired(deps, row.pluginId, row.accountId);
  const updated = await deps.tx.pluginInstallation.update({ where: { id: row.id }, data: { enabled: input.enabled, updatedAt: deps.clock.now() } });
  await audit(deps, updated, input.enabled ? AUDIT.pluginEnabled : AUDIT.pluginDisabled);
  return updated;
}

/** Removes the installation, its config and its state. */
export async function uninstallPlugin(deps: Deps, input: Target): Promise<PluginInstallation> {
  const row = await loadInstallation(deps, input, 'delete');
  if (row.enabled) await assertNotRequired(deps, row.pluginId, row.accountId);
  await deps.tx.pluginInstallation.delete({ where: { id: row.id } });
  await audit(deps, row, AUDIT.pluginUninstalled);
  return row;
}
