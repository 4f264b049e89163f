import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Listening } from '../../src/server.ts';
import { chatIdOf, follow, friendSays, openChat, recall, send } from '../helpers/chat-scenario.ts';
import { connect, listenApp, subscribe, subscribed, type Live } from '../helpers/live.ts';
import { dbId } from '../helpers/scenario.ts';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';

let app: TestApp;
let server: Listening;
const lives: Live[] = [];
beforeAll(async () => {
  app = await createTestApp();
  server = await listenApp(app);
});
afterAll(async () => {
  await Promise.all(lives.map((l) => l.dispose()));
  await server.close();
  await app.close();
});

function live(token?: string, params?: Record<string, unknown>): Live {
  const l = connect(server, token, params);
  lives.push(l);
  return l;
}

const CHAT_EVENTS = `subscription($a: ID!, $c: ID) { chatEvents(accountId: $a, chatId: $c) {
  id kind messageId chat { id unreadCount } message { id state direction content { ... on TextContent { text } } } } }`;

describe('chatEvents', () => {
  test('a member sees the friend write, a colleague reply, the recall tombstone, hide and read marks', async () => {
    const { admin, accountId, friend, chatId } = await openChat(app);
    const stream = subscribe(live(admin.token), CHAT_EVENTS, { a: accountId });
    await subscribed(app, dbId(accountId));

    await friendSays(app, friend.token, { text: 'Hello?' });
    const received = await stream.next();
    expect(received.errors).toBeUndefined();
    expect(received.data.chatEvents).toMatchObject({ kind: 'MESSAGE_RECEIVED', chat: { id: chatId }, message: { direction: 'INCOMING', content: { text: 'Hello?' } } });

    const sent = await send(app, admin.token, chatId, { text: 'Welcome!' });
    const messageId = sent.data.sendChatMessage.data.id;
    expect((await stream.next()).data.chatEvents).toMatchObject({ kind: 'MESSAGE_SENT', messageId, message: { id: messageId, state: 'SENT' } });

    await recall(app, admin.token, messageId);
    expect((await stream.next()).data.chatEvents).toMatchObject({ kind: 'MESSAGE_RECALLED', messageId, message: { state: 'UNSENT', content: null } });
  });
});
