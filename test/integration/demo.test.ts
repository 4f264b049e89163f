import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedDemo } from '../../src/demo.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

test('npm run demo: one member of each role, each with a working token; running it twice reuses them', async () => {
  const deps = { db: app.db, clock: app.clock, config: app.config, logger: createLogger('silent'), plugins: app.plugins };
  await seedDemo(deps);
  const sheet = await seedDemo(deps);
  const tokens = [...sheet.matchAll(/^\s+(\w+)\s+\S+@demo\.dengon\.dev\s+(dgn_\S+)$/gm)].map((m) => ({ role: m[1], token: m[2]! }));
  expect(tokens.map((t) => t.role)).toEqual(['ADMIN', 'OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS']);
  for (const { role, token } of tokens) {
    const res = await app.gql(`{ viewer { memberships { role account { name memberCount } } } }`, {}, token);
    expect(res.data.viewer.memberships).toEqual([{ role, account: { name: 'Dengon Demo Cafe', memberCount: 4 } }]);
  }
  expect(await app.db.prisma.account.count({ where: { name: 'Dengon Demo Cafe' } })).toBe(1);

  // The demo friend's chat is open: an OPERATOR can reply, the friend sees it.
  const friendToken = /(dgnf_\S+)/.exec(sheet)![1]!;
  const operator = tokens.find((t) => t.role === 'OPERATOR')!.token;
  const accountId = /Account id: (\S+)/.exec(sheet)![1]!;
  const chats = await app.gql(`query($a: ID!) { account(id: $a) { chats { edges { node { id unreadCount } } } } }`, { a: accountId }, operator);
  expect(chats.data.account.chats.edges).toHaveLength(1);
  const reply = await app.gql(`mutation($c: ID!) { sendChatMessage(chatId: $c, content: { text: "Yes!" }, idempotencyKey: "demo-1") { __typename } }`,
    { c: chats.data.account.chats.edges[0].node.id }, operator);
  expect(reply.data.sendChatMessage.__typename).toBe('MutationSendChatMessageSuccess');
  const seen = await app.gql(`{ friendChat { messages { edges { node { content { ... on TextContent { text } } } } } } }`, {}, friendToken);
  expect(seen.data.friendChat.messages.edges.map((e: any) => e.node.content.text)).toEqual(['Hi! Is the matcha latte back?', 'Yes!']);
});
