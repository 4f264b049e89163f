import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { dbId } from '../../test/helpers/scenario.ts';
import { RETRY_BACKOFF_MS } from '../../src/plugin-system/after-hooks.ts';
import { startPluginApp, type PluginKit } from '../../test/plugins/kit.ts';

// A receiver on 127.0.0.1 (random port) that records every request and
// answers with the next queued status (200 once the queue is empty).
type Received = { headers: Record<string, string | string[] | undefined>; body: string };
const received: Received[] = [];
const statuses: number[] = [];
let server: Server;
let url: string;

const SECRET = 'whsec-0123456789abcdef-never-shown';
let kit: PluginKit;
const responses: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/dengon`;
  kit = await startPluginApp({ plugin: 'webhook', config: { url, secret: SECRET } });
});
afterAll(async () => {
  await kit?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(async () => {
  await kit.runAfterHooks();
  received.length = 0;
  statuses.length = 0;
});

const verify = (r: Received) => createHmac('sha256', SECRET).update(r.body).digest('base64') === r.headers['x-dengon-signature'];

async function configure(config: Record<string, unknown>) {
  const res = await kit.configure(config);
  responses.push(res);
  return res;
}
async function runs() {
  const res = await kit.gql(
    `query($id: ID!) { node(id: $id) { ... on Account {
      plugins { pluginId config secretsSet }
      pluginRuns(first: 20) { edges { node { pluginId hook eventId eventType status attempts lastError } } } } } }`,
    { id: kit.accountId },
    kit.members.admin.token,
  );
  responses.push(res);
  expect(res.errors).toBeUndefined();
  return res.data.node;
}

describe('webhook', () => {
  test('posts each event signed with the secret; a 500 is retried with backoff, then delivered; the secret is never shown', async () => {
    statuses.push(500);
    const deliveryId = await kit.draft(kit.members.drafter.token, 'Hello webhook');
    const submitted = await kit.submit(kit.members.drafter.token, deliveryId);
    responses.push(submitted);
    expect(submitted.data.status).toBe('PENDING_APPROVAL');

    expect(await kit.runAfterHooks()).toBe(1);
    expect(received).toHaveLength(1);
    let view = await runs();
    const [failed] = view.pluginRuns.edges.map((e: any) => e.node);
    expect(failed).toMatchObject({ pluginId: 'webhook', hook: 'onSubmitted', eventType: 'delivery.submitted', status: 'PENDING', attempts: 1, lastError: 'THREW: Error: the receiver answered HTTP 500' });

    kit.clock.advance(RETRY_BACKOFF_MS[0]);
    expect(await kit.runAfterHooks()).toBe(1);
    expect(received).toHaveLength(2);
    view = await runs();
    expect(view.pluginRuns.edges[0].node).toMatchObject({ eventId: failed.eventId, status: 'SUCCEEDED', attempts: 2, lastError: null });

    // Both attempts carried the same event, signed, identified for de-duplication.
    for (const r of received) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['x-dengon-event-id']).toBe(failed.eventId);
      expect(verify(r)).toBe(true);
    }
    expect(received[1]!.body).toBe(received[0]!.body);
    const body = JSON.parse(received[0]!.body);
    expect(body).toMatchObject({
      id: failed.eventId,
      type: 'delivery.submitted',
      accountId: dbId(kit.accountId),
      data: { id: dbId(deliveryId), kind: 'BROADCAST', status: 'PENDING_APPROVAL', content: { type: 'text', text: 'Hello webhook' } },
    });
    expect(new Date(body.occurredAt).toISOString()).toBe(body.occurredAt);

    // A signature made with another key does not verify (the check above can fail).
    expect(createHmac('sha256', 'another-secret-value').update(received[0]!.body).digest('base64')).not.toBe(received[0]!.headers['x-dengon-signature']);

    expect(view.plugins[0]).toMatchObject({ pluginId: 'webhook', secretsSet: ['secret'] });
    expect(view.plugins[0].config).not.toHaveProperty('secret');
    const text = JSON.stringify(responses);
    expect(text).toContain(url);
    expect(text).not.toContain(SECRET);
  });

  test('a receiver that cannot be reached is retried like a 500, and its error does not show the secret', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect((await configure({ url: `http://127.0.0.1:${deadPort}/nobody` })).__typename).toBe('MutationConfigurePluginSuccess');
    try {
      const deliveryId = await kit.draft(kit.members.drafter.token, 'Nobody home');
      await kit.submit(kit.members.drafter.token, deliveryId);
      expect(await kit.runAfterHooks()).toBe(1);
      const run = (await runs()).pluginRuns.edges[0].node;
      expect(run).toMatchObject({ status: 'PENDING', attempts: 1 });
      expect(run.lastError).toMatch(/^THREW: TypeError: fetch failed/);
      expect(await kit.app.db.prisma.pluginRun.count({ where: { lastError: { contains: SECRET } } })).toBe(0);
    } finally {
      expect((await configure({ url })).__typename).toBe('MutationConfigurePluginSuccess');
    }
    // The retry reaches the receiver now that the url is right again.
    kit.clock.advance(RETRY_BACKOFF_MS[0]);
    expect(await kit.runAfterHooks()).toBe(1);
    expect(received).toHaveLength(1);
    expect(verify(received[0]!)).toBe(true);
    expect(JSON.stringify(responses)).not.toContain(SECRET);
  });

  test('with `events`, other events are not posted', async () => {
    expect((await configure({ events: ['delivery.approved'] })).__typename).toBe('MutationConfigurePluginSuccess');
    try {
      const deliveryId = await kit.draft(kit.members.drafter.token, 'Only decisions');
      await kit.submit(kit.members.drafter.token, deliveryId);
      await kit.runAfterHooks();
      expect(received).toHaveLength(0);
      expect((await kit.approve(kit.members.admin.token, deliveryId)).data.status).toBe('APPROVED');
      await kit.runAfterHooks();
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'delivery.approved', data: { deliveryId: dbId(deliveryId), decision: 'APPROVED' } });
    } finally {
      expect((await configure({ events: null })).__typename).toBe('MutationConfigurePluginSuccess');
    }
  });

  test('plain http only to this machine; a short or missing secret is refused', async () => {
    for (const config of [{ url: 'http://example.com/hook' }, { url: 'ftp://127.0.0.1/x' }, { url: 'not a url' }, { secret: 'short' }, { secret: null }]) {
      const res = await configure(config);
      expect(res.__typename).toBe('ValidationError');
    }
    expect((await configure({ url: 'https://example.com/hook' })).__typename).toBe('MutationConfigurePluginSuccess');
    expect((await configure({ url })).__typename).toBe('MutationConfigurePluginSuccess');
  });
});
