import { afterAll, beforeAll, expect, test } from 'vitest';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import type { Listening } from '../../src/server.ts';
import { openChat } from '../helpers/chat-scenario.ts';
import { connect, listenApp, subscribe, subscribed, type Live } from '../helpers/live.ts';
import { dbId } from '../helpers/scenario.ts';
import { createTestApp, TEST_RUNTIME, type TestApp } from '../helpers/test-app.ts';

// Several instances behind a load balancer: a subscriber on instance A
// receives a change made through instance B. Only with REDIS_URL (CI's
// second run); in memory there is nothing between instances to test.

const redisUrl = process.env.REDIS_URL;

let a: TestApp;
let b: Runtime;
let server: Listening;
let live: Live;
beforeAll(async () => {
  if (!redisUrl) return;
  a = await createTestApp({ REDIS_URL: redisUrl });
  // Instance B: its own app, publisher and Redis connections over the same database.
  b = await createRuntime({ ...TEST_RUNTIME, config: a.config, clock: a.clock, database: { shared: a.db } });
  server = await listenApp(a);
});
afterAll(async () => {
  if (!redisUrl) return;
  await live?.dispose();
  await server.close();
  await b?.close();
  await a.close();
});

test.skipIf(!redisUrl)('a subscriber on instance A receives a message sent through instance B', async () => {
  const { admin, accountId, friend } = await openChat(a);
  // A publishes nothing itself, so the event can only come through Redis.
  await a.events.publisher.stop();
  live = connect(server, admin.token);
  const stream = subscribe(live, `subscription($a: ID!) { chatEvents(accountId: $a) { kind message { content { ... on TextContent { text } } } } }`, {
    a: accountId,
  });
  await subscribed(a, dbId(accountId));

  const res = await b.yoga.fetch('http://instance-b/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${friend.token}` },
    body: JSON.stringify({ query: `mutation { friendSendMessage(content: { text: "via B" }) { __typename } }` }),
  });
  expect((await res.json()).data.friendSendMessage.__typename).toBe('MutationFriendSendMessageSuccess');
  expect((await stream.next()).data.chatEvents).toEqual({ kind: 'MESSAGE_RECEIVED', message: { content: { text: 'via B' } } });
  await b.deps.events.publisher.idle();
  expect(await a.db.prisma.outboxEvent.count({ where: { accountId: dbId(accountId), publishedAt: null } })).toBe(0);
});
