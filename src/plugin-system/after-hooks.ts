// After-commit hooks (onSubmitted, onDecided, onSent, onRecalled,
// onMessageReceived). Two halves, so a slow or failing plugin never holds up
// the outbox publisher nor fails the mutation:
//  1. an outbox consumer records one PluginRun per (installation, hook, event)
//     — idempotent, so a redelivered event never runs a hook twice;
//  2. a runner executes due runs outside any transaction, with the hook time
//     limit, and retries failures with backoff until it gives up (FAILED).
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/client.ts';
import type { Delivery, PluginRun, Prisma } from '../generated/prisma/client.ts';
import type { Events } from '../events/bus.ts';
import type { DomainEvent, EventPayloads, EventType } from '../events/types.ts';
import { contextBase, loggerFor, type PluginHost } from './runner.ts';
import { maskSecretValues, secretValues } from './secrets.ts';
import { pluginState } from './state.ts';
import type { AfterHookContext, PluginAccount, PluginDefinition, PluginHooks, WeeklyHours } from './types.ts';

export type AfterHookName = 'onSubmitted' | 'onDecided' | 'onSent' | 'onRecalled' | 'onMessageReceived';

/** Which hook an outbox event runs; events not listed run none. */
export const HOOK_OF_EVENT: Partial<Record<EventType, AfterHookName>> = {
  'delivery.submitted': 'onSubmitted',
  'delivery.approved': 'onDecided',
  'delivery.rejected': 'onDecided',
  'delivery.sent': 'onSent',
  'message.recalled': 'onRecalled',
  'message.received': 'onMessageReceived',
};

/** Waits before retry n (after the n-th failure); after the last one the run is FAILED. */
export const RETRY_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000] as const;
/** Failures stored longer than this are cut: lastError is for admins to read, not a log. */
const MAX_ERROR_LENGTH = 1_000;

export type AfterHookDeps = { db: Database; clock: Clock; logger: Logger; plugins: PluginHost };

/**
 * The outbox consumer: records a PENDING run for every plugin enabled on the
 * event's account that has the event's hook. It runs no plugin code, so a
 * plugin can never make it throw; a database error does (the event is then
 * redelivered, and ON CONFLICT DO NOTHING keeps the runs single).
 */
export async function recordPluginRuns(deps: AfterHookDeps, event: DomainEvent): Promise<number> {
  const hook = HOOK_OF_EVENT[event.type];
  if (!hook) return 0;
  // Through the raw driver, like the publisher: this work belongs to no
  // request, so it stays out of Prisma's per-request statement log.
  const installations = await deps.db.driver.query<{ id: string; pluginId: string }>(
    `SELECT id::text AS id, "pluginId" FROM "PluginInstallation" WHERE "accountId" = $1::uuid AND enabled`,
    [event.accountId],
  );
  // Loop guard for events a plugin's own actions caused (they carry its id):
  // the same plugin's hooks never hear about them.
  const causedBy = (event.payload as { causedByPluginId?: unknown }).causedByPluginId;
  const chosen = installations.filter((i) => deps.plugins.registry.get(i.pluginId)?.hooks[hook] && i.pluginId !== causedBy);
  if (chosen.length === 0) return 0;
  const now = deps.clock.now();
  const inserted = await deps.db.driver.query<{ id: string }>(
    `INSERT INTO "PluginRun" ("accountId", "installationId", "pluginId", hook, "eventId", "eventType", "eventPayload", "occurredAt", "nextAttemptAt", "createdAt", "updatedAt")
     SELECT $1::uuid, i.id, i."pluginId", $2, $3::uuid, $4, $5::jsonb, $6, $7, $7, $7
     FROM "PluginInstallation" i WHERE i.id = ANY($8::uuid[])
     ON CONFLICT ("installationId", hook, "eventId") DO NOTHING
     RETURNING id::text AS id`,
    [event.accountId, hook, event.id, event.type, JSON.stringify(event.payload), new Date(event.createdAt), now, chosen.map((i) => i.id)],
  );
  return inserted.length;
}

type Claimed = Pick<PluginRun, 'id' | 'accountId' | 'installationId' | 'pluginId' | 'hook' | 'eventId' | 'eventType' | 'eventPayload' | 'occurredAt' | 'attempts'>;

/**
 * Takes up to `limit` due PENDING runs and pushes their nextAttemptAt past
 * the time limit, so another runner (another instance) skips them while this
 * one works, and takes them over if this one crashes.
 */
async function claimDue(deps: AfterHookDeps, limit: number): Promise<Claimed[]> {
  const now = deps.clock.now();
  const leaseEnd = new Date(now.getTime() + deps.plugins.hookTimeoutMs + 30_000);
  const rows = await deps.db.driver.query<Claimed & { occurredAt: Date | string }>(
    `UPDATE "PluginRun" SET "nextAttemptAt" = $1
     WHERE id IN (
       SELECT id FROM "PluginRun"
       WHERE status = 'PENDING' AND "nextAttemptAt" <= $2
       ORDER BY "nextAttemptAt", "createdAt"
       LIMIT $3
       FOR UPDATE SKIP LOCKED)
     RETURNING id::text AS id, "accountId"::text AS "accountId", "installationId"::text AS "installationId",
       "pluginId", hook, "eventId"::text AS "eventId", "eventType", "eventPayload", "occurredAt", attempts`,
    [leaseEnd, now, limit],
  );
  return rows
    .map((r) => ({ ...r, occurredAt: new Date(r.occurredAt) }))
    .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}

/** Why a run did not succeed; `skip` means it should not run at all (not a failure). */
class Skip extends Error {}

/** Builds the hook's argument from the event, loading what the payload only names by id. */
async function hookArgument(deps: AfterHookDeps, run: Claimed): Promise<{ argument: unknown; account: PluginAccount; actorUserId: string | null }> {
  const prisma = deps.db.prisma;
  const loadAccount = async (): Promise<PluginAccount> => {
    const a = await prisma.account.findUniqueOrThrow({ where: { id: run.accountId }, select: { id: true, timeZone: true, businessHours: true } });
    return { id: a.id, timeZone: a.timeZone, businessHours: a.businessHours as WeeklyHours | null };
  };
  const type = run.eventType as EventType;
  if (type === 'delivery.submitted') {
    const p = run.eventPayload as EventPayloads['delivery.submitted'];
    const delivery: Delivery | null = await prisma.delivery.findUnique({ where: { id: p.deliveryId } });
    if (!delivery) throw new Skip('the delivery no longer exists');
    const { view, account } = await contextBase({ tx: prisma }, delivery);
    return { argument: view, account, actorUserId: p.actorUserId };
  }
  if (type === 'delivery.approved' || type === 'delivery.rejected') {
    const p = run.eventPayload as EventPayloads['delivery.rejected'];
    return {
      argument: {
        deliveryId: p.deliveryId,
        revision: p.revision,
        decision: type === 'delivery.approved' ? 'APPROVED' : 'REJECTED',
        byUserId: p.actorUserId,
        ...(p.reason !== undefined ? { reason: p.reason } : {}),
      },
      account: await loadAccount(),
      actorUserId: p.actorUserId,
    };
  }
  if (type === 'delivery.sent') {
    const p = run.eventPayload as EventPayloads['delivery.sent'];
    return { argument: { deliveryId: p.deliveryId, recipientCount: p.recipientCount, sentByUserId: p.actorUserId }, account: await loadAccount(), actorUserId: p.actorUserId };
  }
  if (type === 'message.recalled') {
    const p = run.eventPayload as EventPayloads['message.recalled'];
    return { argument: { messageId: p.messageId, chatId: p.chatId, recalledByUserId: p.recalledByUserId }, account: await loadAccount(), actorUserId: p.recalledByUserId };
  }
  if (type === 'message.received') {
    const p = run.eventPayload as EventPayloads['message.received'];
    // Content is loaded now, not kept in the run: a message gone since is not replayed.
    const message = await prisma.message.findUnique({ where: { id: p.messageId }, select: { content: true, chat: { select: { friendId: true } } } });
    if (!message || message.content === null) throw new Skip('the message no longer exists');
    return { argument: { messageId: p.messageId, chatId: p.chatId, friendId: message.chat.friendId, content: message.content }, account: await loadAccount(), actorUserId: null };
  }
  throw new Skip(`no hook for ${run.eventType}`);
}

class TimedOut extends Error {}

/** Runs one claimed run and records its outcome. Never throws for the plugin's sake. */
async function execute(deps: AfterHookDeps, run: Claimed): Promise<void> {
  const prisma = deps.db.prisma;
  const finish = (data: Prisma.PluginRunUpdateInput) => prisma.pluginRun.update({ where: { id: run.id }, data: { ...data, updatedAt: deps.clock.now() } });
  const installation = await prisma.pluginInstallation.findUnique({ where: { id: run.installationId }, select: { enabled: true, config: true } });
  // Disabled since the event: the admin turned it off, so it has no effect at all.
  if (!installation?.enabled) {
    await finish({ status: 'SKIPPED', lastError: 'the plugin was disabled before the hook ran' });
    return;
  }
  const attempt = run.attempts + 1;
  const plugin: PluginDefinition | undefined = deps.plugins.registry.get(run.pluginId);
  let secrets: string[] = [];
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    if (!plugin) throw new Error('NOT_LOADED: the plugin is enabled on the account but not loaded on this server');
    const parsed = plugin.config.safeParse(installation.config);
    if (!parsed.success) throw new Error('BAD_CONFIG: the stored configuration no longer passes the plugin schema; reconfigure it');
    const config = parsed.data;
    secrets = secretValues(plugin, config);
    const fn = plugin.hooks[run.hook as AfterHookName] as PluginHooks<unknown>[AfterHookName] | undefined;
    if (!fn) throw new Skip(`the plugin no longer has ${run.hook}`);
    const { argument, account, actorUserId } = await hookArgument(deps, run);
    const ctx: AfterHookContext<unknown> = {
      config,
      account,
      now: deps.clock.now(),
      actorUserId,
      logger: loggerFor(deps, { plugin, config }),
      // Outside any transaction: writes commit at once and record no events,
      // so nothing a hook stores here can run it again.
      state: pluginState(prisma, deps.clock, run.installationId),
      event: { id: run.eventId, type: run.eventType, occurredAt: run.occurredAt.toISOString() },
      signal: controller.signal,
      attempt,
    };
    // Real time, like veto hooks: a hung plugin hangs in real time.
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new TimedOut(`TIMED_OUT: no answer within ${deps.plugins.hookTimeoutMs} ms`));
      }, deps.plugins.hookTimeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.resolve().then(() => (fn as (e: unknown, c: unknown) => unknown)(argument, ctx)), timeout]);
    await finish({ status: 'SUCCEEDED', attempts: attempt, lastError: null });
  } catch (error) {
    if (error instanceof Skip) {
      await finish({ status: 'SKIPPED', lastError: error.message });
      return;
    }
    // The text is the plugin's: it may quote its config, secrets included.
    const text = error instanceof TimedOut || (error instanceof Error && /^(NOT_LOADED|BAD_CONFIG):/.test(error.message))
      ? error.message
      : `THREW: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    const lastError = maskSecretValues(text, secrets).slice(0, MAX_ERROR_LENGTH);
    const wait = RETRY_BACKOFF_MS[attempt - 1];
    deps.logger.warn({ plugin: run.pluginId, hook: run.hook, eventId: run.eventId, attempt, lastError }, wait === undefined ? 'after-commit hook failed; giving up' : 'after-commit hook failed; will retry');
    await finish(
      wait === undefined
        ? { status: 'FAILED', attempts: attempt, lastError }
        : { status: 'PENDING', attempts: attempt, lastError, nextAttemptAt: new Date(deps.clock.now().getTime() + wait) },
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every PENDING run that is due now (by the injected clock), one at a
 * time, in event order. Returns how many it ran. Tests call it after moving
 * a fake clock; the production timer calls it every few seconds.
 */
export async function runDuePluginRuns(deps: AfterHookDeps, limit = 50): Promise<number> {
  let total = 0;
  for (;;) {
    const batch = await claimDue(deps, limit);
    for (const run of batch) {
      try {
        await execute(deps, run);
      } catch (err) {
        // Recording the outcome failed (database): the lease runs out and the run is retried.
        deps.logger.error({ err, runId: run.id }, 'recording a plugin run failed');
      }
    }
    total += batch.length;
    if (batch.length < limit) return total;
  }
}

export type AfterHooks = {
  /** Runs what is due now; concurrent calls share one pass. */
  runDue(): Promise<number>;
  stop(): Promise<void>;
};

/**
 * Wires after-commit hooks into an app: the consumer on the publisher and,
 * unless `pollMs` is 0 (tests drive `runDue` themselves), a timer.
 */
export function startAfterHooks(deps: AfterHookDeps & { events: Pick<Events, 'publisher'> }, options: { pollMs?: number } = {}): AfterHooks {
  const pollMs = options.pollMs ?? 2_000;
  let pass: Promise<number> | null = null;
  let stopped = false;
  const runDue = () => {
    pass ??= runDuePluginRuns(deps).finally(() => {
      pass = null;
    });
    return pass;
  };
  const remove = deps.events.publisher.onEvent(async (event) => {
    await recordPluginRuns(deps, event);
  });
  const timer =
    pollMs > 0
      ? setInterval(() => {
          if (!stopped) void runDue().catch((err: unknown) => deps.logger.error({ err }, 'running plugin hooks failed; the next poll retries'));
        }, pollMs)
      : null;
  timer?.unref();
  return {
    runDue,
    async stop() {
      stopped = true;
      remove();
      if (timer) clearInterval(timer);
      await pass?.catch(() => {});
    },
  };
}
