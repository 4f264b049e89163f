import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Tx } from '../db/client.ts';
import type { Delivery, Role } from '../generated/prisma/client.ts';
import { PluginFailedError, PluginRejectedError } from '../errors.ts';
import type { PluginRegistry } from './registry.ts';
import { maskSecretValues, secretValues } from './secrets.ts';
import { pluginState } from './state.ts';
import { onceInTransaction } from '../db/tx-memo.ts';
import type {
  ApprovalRequirement,
  DeliveryKind,
  MemberRole,
  PluginAccount,
  PluginContext,
  PluginDefinition,
  PluginDelivery,
  PluginLogger,
  VetoHookName,
  WeeklyHours,
} from './types.ts';

/** What services need to run plugins: the loaded plugins and how long a plugin may take. */
export type PluginHost = {
  registry: PluginRegistry;
  /** A policy or veto hook that has not answered by then fails the step (fail closed). */
  hookTimeoutMs: number;
  logger: Logger;
};

export type RunnerDeps = { tx: Tx; clock: Clock; actor: { userId: string } | null; plugins: PluginHost };

/** One enabled installation with its plugin and parsed config. */
type Enabled = { plugin: PluginDefinition; config: unknown; installationId: string };

const STEP_OF: Record<VetoHookName, string> = { beforeSubmit: 'submit', beforeApprove: 'approve', beforeSend: 'send' };

/** A plugin's answer to a policy, labelled with who gave it. */
export type PolicyAnswer = { pluginId: string; policyKey: string; requirement: ApprovalRequirement };

/** Installations of the account that are enabled, in a stable order. A plugin enabled but not loaded fails closed. */
async function enabledFor(deps: RunnerDeps, accountId: string, step: string): Promise<Enabled[]> {
  const rows = await onceInTransaction(deps.tx, `installations:${accountId}`, () =>
    deps.tx.pluginInstallation.findMany({
      where: { accountId, enabled: true },
      select: { id: true, pluginId: true, config: true },
      orderBy: { pluginId: 'asc' },
    }),
  );
  return rows.map((row) => {
    const plugin = deps.plugins.registry.get(row.pluginId);
    // Silently skipping it would turn an admin's safety rule off without anyone deciding so.
    if (!plugin) throw new PluginFailedError(row.pluginId, step, 'NOT_LOADED');
    const parsed = plugin.config.safeParse(row.config);
    if (!parsed.success) throw new PluginFailedError(row.pluginId, step, 'BAD_CONFIG');
    return { plugin, config: parsed.data, installationId: row.id };
  });
}

/** The plugins' view of the delivery and its account, read once per transaction. */
async function contextInTx(deps: Pick<RunnerDeps, 'tx'>, delivery: Delivery): Promise<{ view: PluginDelivery; account: PluginAccount }> {
  return buildContext(delivery, await deliveryAccountInTx(deps.tx, delivery));
}

/** The read-only delivery view plugins get, and its account (outside a step's transaction). */
export async function contextBase(deps: Pick<RunnerDeps, 'tx'>, delivery: Delivery): Promise<{ view: PluginDelivery; account: PluginAccount }> {
  return buildContext(delivery, await readDeliveryAccount(deps.tx, delivery));
}

/** The role the delivery's author has in its account now (null once they left), read once per transaction. */
export async function authorRoleInTx(tx: Tx, delivery: Pick<Delivery, 'accountId' | 'authorUserId'>): Promise<Role | null> {
  return (await deliveryAccountInTx(tx, delivery)).members[0]?.role ?? null;
}

function deliveryAccountInTx(tx: Tx, delivery: Pick<Delivery, 'accountId' | 'authorUserId'>) {
  return onceInTransaction(tx, `delivery-account:${delivery.accountId}:${delivery.authorUserId}`, () => readDeliveryAccount(tx, delivery));
}

/** One statement: the account's plugin-facing columns and the author's membership. */
function readDeliveryAccount(tx: Tx, delivery: Pick<Delivery, 'accountId' | 'authorUserId'>) {
  return tx.account.findUniqueOrThrow({
    where: { id: delivery.accountId },
    select: { id: true, timeZone: true, businessHours: true, members: { where: { userId: delivery.authorUserId }, select: { role: true } } },
  });
}

function buildContext(delivery: Delivery, account: Awaited<ReturnType<typeof readDeliveryAccount>>): { view: PluginDelivery; account: PluginAccount } {
  return {
    account: { id: account.id, timeZone: account.timeZone, businessHours: structuredClone(account.businessHours) as WeeklyHours | null },
    view: Object.freeze({
      id: delivery.id,
      accountId: delivery.accountId,
      kind: delivery.kind as DeliveryKind,
      title: delivery.title,
      contentType: delivery.contentType,
      content: structuredClone(delivery.content),
      revision: delivery.revision,
      status: delivery.status,
      authorUserId: delivery.authorUserId,
      authorRole: (account.members[0]?.role ?? null) as MemberRole | null,
    }),
  };
}

/** The plugin's logger: lines carry its id, and its secret values are scrubbed from them. */
export function loggerFor(deps: Pick<RunnerDeps, 'plugins'>, entry: Pick<Enabled, 'plugin' | 'config'>): PluginLogger {
  const log = deps.plugins.logger.child({ plugin: entry.plugin.id });
  const secrets = secretValues(entry.plugin, entry.config);
  const write = (level: 'info' | 'warn' | 'error') => (message: string, data?: Record<string, unknown>) =>
    log[level](maskSecretValues(data ?? {}, secrets), maskSecretValues(message, secrets));
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

function baseContext(deps: RunnerDeps, entry: Enabled, account: PluginAccount): PluginContext<unknown> {
  return { config: entry.config, account, now: deps.clock.now(), actorUserId: deps.actor?.userId ?? null, logger: loggerFor(deps, entry) };
}

/**
 * Runs plugin code with the time limit. The timer is real time (a hung plugin
 * hangs in real time), unref'd so it never keeps the process alive.
 */
async function guarded<T>(deps: RunnerDeps, entry: Enabled, step: string, run: () => T | Promise<T>): Promise<T> {
  const pluginId = entry.plugin.id;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new PluginFailedError(pluginId, step, 'TIMED_OUT')), deps.plugins.hookTimeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve().then(run), timeout]);
  } catch (error) {
    if (error instanceof PluginFailedError) throw error;
    // The error text is the plugin's: it may quote its own config, secrets included.
    const cause = maskSecretValues(error instanceof Error ? `${error.name}: ${error.message}` : String(error), secretValues(entry.plugin, entry.config));
    deps.plugins.logger.warn({ plugin: pluginId, step, cause }, 'plugin failed; step refused');
    throw new PluginFailedError(pluginId, step, 'THREW');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks every applicable policy of the account's enabled plugins about the
 * delivery. Any reject wins and is thrown (PLUGIN_REJECTED, naming the
 * plugin); otherwise the requirements are returned for combining.
 */
export async function evaluatePolicies(deps: RunnerDeps, delivery: Delivery, step: 'submit' | 'send' | 'preview'): Promise<PolicyAnswer[]> {
  const enabled = (await enabledFor(deps, delivery.accountId, step)).filter((e) => e.plugin.policies.some((p) => p.appliesTo.includes(delivery.kind as DeliveryKind)));
  if (enabled.length === 0) return [];
  const { view, account } = await contextInTx(deps, delivery);
  const answers: PolicyAnswer[] = [];
  for (const entry of enabled) {
    const state = pluginState(deps.tx, deps.clock, entry.installationId);
    const ctx = { ...baseContext(deps, entry, account), state: { get: state.get } };
    for (const policy of entry.plugin.policies.filter((p) => p.appliesTo.includes(view.kind))) {
      const result = await guarded(deps, entry, step, () => policy.evaluate(view, ctx));
      if (!result || 'abstain' in result) continue;
      if ('reject' in result) throw new PluginRejectedError(entry.plugin.id, step, String(result.reject), result.details ?? null);
      if ('require' in result) answers.push({ pluginId: entry.plugin.id, policyKey: policy.key, requirement: checkRequirement(entry.plugin.id, step, result.require) });
      else throw new PluginFailedError(entry.plugin.id, step, 'THREW');
    }
  }
  return answers;
}

// A malformed answer is a plugin bug: refuse rather than guess what it meant.
function checkRequirement(pluginId: string, step: string, requirement: ApprovalRequirement): ApprovalRequirement {
  const { approvals, roles } = requirement ?? {};
  if (!Number.isInteger(approvals) || approvals < 0 || approvals > 100 || (roles !== undefined && !Array.isArray(roles))) {
    throw new PluginFailedError(pluginId, step, 'THREW');
  }
  return requirement;
}

/**
 * Runs one veto hook of every enabled plugin, inside the caller's
 * transaction. A veto refuses the step (PLUGIN_REJECTED); a throw or a
 * timeout refuses it too (PLUGIN_FAILED): veto hooks fail closed.
 */
export async function runVetoHook(deps: RunnerDeps, name: VetoHookName, delivery: Delivery): Promise<void> {
  const step = STEP_OF[name];
  const enabled = (await enabledFor(deps, delivery.accountId, step)).filter((e) => e.plugin.hooks[name]);
  if (enabled.length === 0) return;
  const { view, account } = await contextInTx(deps, delivery);
  for (const entry of enabled) {
    const ctx = { ...baseContext(deps, entry, account), state: pluginState(deps.tx, deps.clock, entry.installationId) };
    const result = await guarded(deps, entry, step, () => entry.plugin.hooks[name]!(view, ctx));
    if (result && typeof result === 'object' && 'veto' in result) {
      throw new PluginRejectedError(entry.plugin.id, step, String(result.veto), result.details ?? null);
    }
  }
}
