import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { purgeExpired } from '../../src/maintenance/retention.ts';
import { maintenanceJobHandlers } from '../../src/maintenance/maintenance.jobs.ts';
import { QUEUES } from '../../src/jobs/queue.ts';
import { createAccount, dbId, signUp } from '../helpers/scenario.ts';
import { openChat, send } from '../helpers/chat-scenario.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

// History past its retention window is deleted; what is still owed (an
// unpublished event, a pending plugin run) never is, however old.

const DAY = 86_400_000;
const windows = { outboxMs: 7 * DAY, pluginRunMs: 30 * DAY, idempotencyMs: 30 * DAY };

let app: TestApp;
let accountId: string;
let installationId: string;
beforeAll(async () => {
  app = await createTestApp();
  const admin = await signUp(app);
  accountId = dbId(await createAccount(app, admin.token));
  const now = app.clock.now();
  installationId = (
    await app.db.prisma.pluginInstallation.create({
      data: { accountId, pluginId: 'webhook', config: {}, version: '1.0.0', createdAt: now, updatedAt: now },
    })
  ).id;
});
afterAll(() => app.close());

const daysAgo = (days: number) => new Date(app.clock.now().getTime() - days * DAY);

async function outboxEvent(label: string, createdDaysAgo: number, publishedDaysAgo: number | null) {
  return (
    await app.db.prisma.outboxEvent.create({
      data: {
        accountId,
        type: 'chat.read',
        payload: { chatId: randomUUID(), readByUserId: label },
        createdAt: daysAgo(createdDaysAgo),
        publishedAt: publishedDaysAgo === null ? null : daysAgo(publishedDaysAgo),
      },
    })
  ).id;
}

async function pluginRun(status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED', updatedDaysAgo: number) {
  return (
    await app.db.prisma.pluginRun.create({
      data: {
        accountId,
        installationId,
        pluginId: 'webhook',
        hook: 'onSent',
        eventId: randomUUID(),
        eventType: 'delivery.sent',
        eventPayload: {},
        occurredAt: daysAgo(updatedDaysAgo),
        status,
        nextAttemptAt: daysAgo(updatedDaysAgo),
        createdAt: daysAgo(updatedDaysAgo),
        updatedAt: daysAgo(updatedDaysAgo),
      },
    })
  ).id;
}

const remaining = async (model: 'outboxEvent' | 'pluginRun', ids: string[]) =>
  (await (app.db.prisma[model] as any).findMany({ where: { id: { in: ids } }, select: { id: true } })).map((r: { id: string }) => r.id).sort();

describe('retention purge', () => {
  test('published outbox events past the window go; newer and unpublished ones stay, however old', async () => {
    const old = await outboxEvent('old', 9, 8);
    const recent = await outboxEvent('recent', 3, 3);
    const unpublished = await outboxEvent('owed', 60, null);
    const purged = await purgeExpired({ driver: app.db.driver, clock: app.clock }, windows);
    expect(purged.outboxEvents).toBeGreaterThanOrEqual(1);
    expect(await remaining('outboxEvent', [old, recent, unpublished])).toEqual([recent, unpublished].sort());
  });

  test('finished plugin runs past the window go; PENDING ones and newer ones stay', async () => {
    const done = await Promise.all((['SUCCEEDED', 'FAILED', 'SKIPPED'] as const).map((status) => pluginRun(status, 31)));
    const recent = await pluginRun('SUCCEEDED', 29);
    const pending = await pluginRun('PENDING', 90);
    const purged = await purgeExpired({ driver: app.db.driver, clock: app.clock }, windows);
    expect(purged.pluginRuns).toBe(3);
    expect(await remaining('pluginRun', [...done, recent, pending])).toEqual([recent, pending].sort());
  });

  test('idempotency records past the window go, newer ones stay (R-SAFE-1 holds for the window)', async () => {
    const record = (key: string, createdDaysAgo: number) =>
      app.db.prisma.idempotencyRecord.create({ data: { accountId, scope: 'test', key, requestHash: 'h', createdAt: daysAgo(createdDaysAgo) } });
    await record('old', 31);
    await record('recent', 29);
    const purged = await purgeExpired({ driver: app.db.driver, clock: app.clock }, windows);
    expect(purged.idempotencyRecords).toBeGreaterThanOrEqual(1);
    const keys = (await app.db.prisma.idempotencyRecord.findMany({ where: { accountId, scope: 'test' }, select: { key: true } })).map((r) => r.key);
    expect(keys).toEqual(['recent']);
  });

  test('once its record is purged, a key is new again: the same request sends a second message', async () => {
    const { admin, chatId } = await openChat(app);
    const first = await send(app, admin.token, chatId, { text: 'see you' }, 'kept-key');
    const retried = await send(app, admin.token, chatId, { text: 'see you' }, 'kept-key');
    expect(retried.data.sendChatMessage.data.id).toBe(first.data.sendChatMessage.data.id);
    app.clock.advance(10);
    await purgeExpired({ driver: app.db.driver, clock: app.clock }, { ...windows, idempotencyMs: 5 });
    const late = await send(app, admin.token, chatId, { text: 'see you' }, 'kept-key');
    expect(late.data.sendChatMessage.data.id).not.toBe(first.data.sendChatMessage.data.id);
  });

  test('deletes in batches until nothing past the window is left', async () => {
    const old = await Promise.all([1, 2, 3, 4, 5].map((n) => outboxEvent(`batch-${n}`, 20, 20)));
    const purged = await purgeExpired({ driver: app.db.driver, clock: app.clock }, windows, 2);
    expect(purged.outboxEvents).toBe(5);
    expect(await remaining('outboxEvent', old)).toEqual([]);
  });

  test('the hourly job runs the purge with the configured windows', async () => {
    const old = await outboxEvent('job', 8, 8);
    const run = await pluginRun('FAILED', 31);
    await app.db.prisma.idempotencyRecord.create({ data: { accountId, scope: 'test', key: 'job', requestHash: 'h', createdAt: daysAgo(31) } });
    const handlers = maintenanceJobHandlers({ db: app.db, clock: app.clock, logger: app.deps.logger, config: app.config });
    await handlers[QUEUES.purgeExpired.name]();
    expect(await remaining('outboxEvent', [old])).toEqual([]);
    expect(await remaining('pluginRun', [run])).toEqual([]);
    expect(await app.db.prisma.idempotencyRecord.count({ where: { accountId, key: 'job' } })).toBe(0);
  });
});
