import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startPluginApp, type PluginKit } from '../../test/plugins/kit.ts';
import { nextOpenInstant } from './hours.ts';
import { handleScheduledSend } from '../../src/modules/deliveries/delivery.jobs.ts';

const WEEKDAYS_10_TO_18 = Object.fromEntries(['MON', 'TUE', 'WED', 'THU', 'FRI'].map((d) => [d, [{ open: '10:00', close: '18:00' }]]));
const at = (iso: string) => new Date(iso);

describe('business hours: time-zone aware', () => {
  test('inside the hours the next allowed time is now; the close minute is already closed', () => {
    expect(nextOpenInstant(at('2026-11-23T05:00:00Z'), 'Asia/Tokyo', WEEKDAYS_10_TO_18)).toEqual(at('2026-11-23T05:00:00Z')); // Mon 14:00 JST
    expect(nextOpenInstant(at('2026-11-23T09:00:00Z'), 'Asia/Tokyo', WEEKDAYS_10_TO_18)).toEqual(at('2026-11-24T01:00:00Z')); // Mon 18:00 → Tue 10:00 JST
  });

  test('after Friday closing the next allowed time is Monday morning, local time', () => {
    expect(nextOpenInstant(at('2026-11-27T10:00:00Z'), 'Asia/Tokyo', WEEKDAYS_10_TO_18)).toEqual(at('2026-11-30T01:00:00Z'));
    expect(nextOpenInstant(at('2026-11-27T10:00:00Z'), 'UTC', WEEKDAYS_10_TO_18)).toEqual(at('2026-11-27T10:00:00Z'));
  });

  test('across a DST change the local opening time holds (New York, 1 Nov 2026)', () => {
    const sundays = { SUN: [{ open: '09:00', close: '17:00' }] };
    // Saturday 18:00 EDT; Sunday 09:00 is already EST (UTC-5).
    expect(nextOpenInstant(at('2026-10-31T22:00:00Z'), 'America/New_York', sundays)).toEqual(at('2026-11-01T14:00:00Z'));
    // A week earlier, still EDT (UTC-4).
    expect(nextOpenInstant(at('2026-10-24T22:00:00Z'), 'America/New_York', sundays)).toEqual(at('2026-10-25T13:00:00Z'));
  });

  test('24:00 closes at midnight; no hours at all means never', () => {
    const late = { SAT: [{ open: '20:00', close: '24:00' }] };
    expect(nextOpenInstant(at('2026-11-28T14:59:00Z'), 'Asia/Tokyo', late)).toEqual(at('2026-11-28T14:59:00Z')); // Sat 23:59 JST
    expect(nextOpenInstant(at('2026-11-28T15:00:00Z'), 'Asia/Tokyo', late)).toEqual(at('2026-12-05T11:00:00Z'));
    expect(nextOpenInstant(at('2026-11-28T15:00:00Z'), 'Asia/Tokyo', {})).toBeNull();
  });
});

describe('business-hours on an account', () => {
  let kit: PluginKit;
  beforeAll(async () => {
    kit = await startPluginApp({ plugin: 'business-hours' });
  });
  afterAll(() => kit.close());

  const setHours = (token: string, timeZone: string, hours: { day: string; open: string; close: string }[]) =>
    kit.mutate(token, 'setBusinessHours', {
      accountId: { type: 'ID!', value: kit.accountId },
      timeZone: { type: 'String!', value: timeZone },
      hours: { type: '[BusinessHoursIntervalInput!]!', value: hours },
    }, 'timeZone businessHours { day open close }');

  test('ADMINs set the time zone and weekly hours; bad input names the field; other roles are FORBIDDEN', async () => {
    const hours = ['MON', 'TUE', 'WED', 'THU', 'FRI'].map((day) => ({ day, open: '10:00', close: '18:00' }));
    const set = await setHours(kit.members.admin.token, 'Asia/Tokyo', hours);
    expect(set.data).toMatchObject({ timeZone: 'Asia/Tokyo', businessHours: hours });
    expect(await setHours(kit.members.admin.token, 'Mars/Olympus', hours)).toMatchObject({ __typename: 'ValidationError', field: 'timeZone' });
    expect(await setHours(kit.members.admin.token, 'UTC', [{ day: 'MON', open: '18:00', close: '10:00' }])).toMatchObject({ field: 'hours.0.close' });
    expect((await setHours(kit.members.operator.token, 'UTC', [])).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const audit = await kit.app.db.prisma.auditEvent.findFirst({ where: { action: 'account.business_hours_changed' } });
    expect(audit?.data).toMatchObject({ to: { timeZone: 'Asia/Tokyo' } });
  });

  test('outside the hours the send is refused with the next allowed time; at that time it goes out', async () => {
    // The kit's clock starts Monday 2026-11-23 09:00 UTC: 18:00 in Tokyo, just closed.
    const id = await kit.draft(kit.members.admin.token, 'Evening special');
    expect(await kit.send(kit.members.admin.token, id)).toMatchObject({
      __typename: 'PluginRejectedError',
      pluginId: 'business-hours',
      step: 'send',
      details: { nextAllowedAt: '2026-11-24T01:00:00.000Z', timeZone: 'Asia/Tokyo' },
    });
    kit.clock.advance(16 * 3_600_000); // Tuesday 10:00 JST
    expect((await kit.send(kit.members.admin.token, id)).data.status).toBe('SENT');
  });

  test('without hours set, sends pass unless whenUnset is refuse', async () => {
    await setHours(kit.members.admin.token, 'UTC', []);
    const id = await kit.draft(kit.members.admin.token, 'Anytime');
    await kit.configure({ whenUnset: 'refuse' });
    expect(await kit.send(kit.members.admin.token, id)).toMatchObject({ code: 'PLUGIN_REJECTED', pluginId: 'business-hours' });
    await kit.configure({ whenUnset: 'allow' });
    expect((await kit.send(kit.members.admin.token, id)).data.status).toBe('SENT');
  });
});

describe('business-hours and scheduled sends', () => {
  let kit: PluginKit;
  beforeAll(async () => {
    kit = await startPluginApp({ plugin: 'business-hours' });
    await kit.mutate(kit.members.admin.token, 'setBusinessHours', {
      accountId: { type: 'ID!', value: kit.accountId },
      timeZone: { type: 'String!', value: 'Asia/Tokyo' },
      hours: { type: '[BusinessHoursIntervalInput!]!', value: ['MON', 'TUE', 'WED', 'THU', 'FRI'].map((day) => ({ day, open: '10:00', close: '18:00' })) },
    }, 'timeZone');
  });
  afterAll(() => kit.close());

  const schedule = (id: string, at: Date) =>
    kit.mutate(kit.members.admin.token, 'scheduleDelivery', { deliveryId: { type: 'ID!', value: id }, at: { type: 'DateTime!', value: at.toISOString() } }, 'status scheduledAt');
  const run = (id: string, at: Date) =>
    handleScheduledSend(
      { ...kit.app.deps, config: { ...kit.app.config, narrowcastMinTargets: 50, fanOutBatchSize: 100 } },
      { deliveryId: Buffer.from(id, 'base64url').toString('utf8').split(':')[1]!, scheduledAt: at.toISOString() },
    );
  const statusOf = async (id: string) => (await kit.gql(`query($d: ID!) { node(id: $d) { ... on Delivery { status } } }`, { d: id }, kit.members.admin.token)).data.node.status;

  test('a scheduled send that comes due outside the hours is refused by the plugin then: nothing sent, back to DRAFT, recorded', async () => {
    // Now: Monday 18:00 JST (closed). Due in 2 h: 20:00 JST, still closed.
    const id = await kit.draft(kit.members.admin.token, 'Night owl special');
    const at = new Date(kit.clock.now().getTime() + 2 * 3_600_000);
    expect((await schedule(id, at)).data.status).toBe('SCHEDULED');
    kit.clock.advance(2 * 3_600_000);
    await run(id, at);
    expect(await statusOf(id)).toBe('DRAFT');
    const failed = await kit.app.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'delivery.schedule_failed' } });
    expect(failed.data).toMatchObject({ code: 'PLUGIN_REJECTED' });
    expect(await kit.app.db.prisma.deliveryRecipient.count()).toBe(0);
  });

  test('one that comes due inside the hours is sent', async () => {
    // Tuesday 10:30 JST is inside.
    const id = await kit.draft(kit.members.admin.token, 'Morning special');
    const now = kit.clock.now().getTime();
    const at = new Date(Date.UTC(2026, 10, 24, 1, 30));
    expect(at.getTime()).toBeGreaterThan(now);
    expect((await schedule(id, at)).data.status).toBe('SCHEDULED');
    kit.clock.advance(at.getTime() - now);
    await run(id, at);
    expect(await statusOf(id)).toBe('SENT');
  });
});
