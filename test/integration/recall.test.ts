import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, dbId, globalId } from '../helpers/scenario.ts';
import { friendSays, friendView, openChat, recall, send } from '../helpers/chat-scenario.ts';
import type { MessageKind } from '../../src/generated/prisma/enums.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const MINUTE = 60_000;

async function sentMessage(content: Record<string, unknown> = { text: 'Sorry, wrong price: 500 yen' }) {
  const chat = await openChat(app);
  const res = await send(app, chat.admin.token, chat.chatId, content);
  return { ...chat, messageId: res.data.sendChatMessage.data.id as string };
}

/** The id the friend knows the account's latest message by (friend side ids differ from member side ones). */
async function friendSideIdOfLast(friendToken: string): Promise<string> {
  return (await friendView(app, friendToken)).messages.edges.filter((e: any) => e.node.fromAccount).at(-1).node.id;
}

describe('R-RECALL-1: recall window (1 hour by default, from the injected clock)', () => {
  test('at 59:59 after sending the recall succeeds', async () => {
    const { admin, messageId } = await sentMessage();
    app.clock.advance(59 * MINUTE + 59_000);
    const res = await recall(app, admin.token, messageId);
    expect(res.data.recallMessage.__typename).toBe('MutationRecallMessageSuccess');
  });

  test('at 60:01 it fails with RECALL_WINDOW_EXPIRED naming when the window ended, and nothing changes', async () => {
    const { admin, messageId } = await sentMessage();
    const sentAt = app.clock.now();
    app.clock.advance(60 * MINUTE + 1_000);
    const res = await recall(app, admin.token, messageId);
    expect(res.data.recallMessage).toMatchObject({
      __typename: 'RecallWindowExpiredError',
      code: 'RECALL_WINDOW_EXPIRED',
      rule: 'R-RECALL-1',
      sentAt: sentAt.toISOString(),
      windowEndsAt: new Date(sentAt.getTime() + 60 * MINUTE).toISOString(),
    });
    const row = await app.db.prisma.message.findUniqueOrThrow({ where: { id: dbId(messageId) } });
    expect(row.recalledAt).toBeNull();
    expect(row.content).toEqual({ type: 'text', text: 'Sorry, wrong price: 500 yen' });
  });

  test('the window is configurable per deployment (RECALL_WINDOW) and shown on the account', async () => {
    const wide = await createTestApp({ RECALL_WINDOW: '24h' });
    try {
      const chat = await openChat(wide);
      const msg = await send(wide, chat.admin.token, chat.chatId);
      const shown = await wide.gql(`query($a: ID!) { account(id: $a) { recallWindowSeconds } }`, { a: chat.accountId }, chat.admin.token);
      expect(shown.data.account.recallWindowSeconds).toBe(86_400);
      wide.clock.advance(23 * 60 * MINUTE);
      expect((await recall(wide, chat.admin.token, msg.data.sendChatMessage.data.id)).data.recallMessage.__typename).toBe('MutationRecallMessageSuccess');
    } finally {
      await wide.close();
    }
  });

  test.each(['OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const)('%s cannot recall (FORBIDDEN)', async (role) => {
    const { admin, accountId, messageId } = await sentMessage();
    const member = await addMember(app, admin.token, accountId, role);
    const res = await recall(app, member.token, messageId);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.db.prisma.message.findUniqueOrThrow({ where: { id: dbId(messageId) } })).recalledAt).toBeNull();
  });

  test('an OPERATOR can recall a message an ADMIN typed', async () => {
    const { admin, accountId, messageId } = await sentMessage();
    const operator = await addMember(app, admin.token, accountId, 'OPERATOR');
    expect((await recall(app, operator.token, messageId)).data.recallMessage.data.message.recalledByUserId).toBe(dbId(operator.userId));
  });

  test("a friend's own message cannot be recalled by the account", async () => {
    const { admin, chatId } = await openChat(app);
    const incoming = await app.db.prisma.message.findFirstOrThrow({ where: { chatId: dbId(chatId), direction: 'INCOMING' } });
    const res = await recall(app, admin.token, globalId('Message', incoming.id));
    expect(res.data.recallMessage).toMatchObject({ __typename: 'NotRecallableError', code: 'NOT_RECALLABLE', kind: 'CHAT', direction: 'INCOMING' });
  });
});

describe('R-RECALL-2: deliveries can never be recalled', () => {
  test.each(['BROADCAST', 'NARROWCAST', 'STEP', 'GREETING', 'AUTO_RESPONSE', 'API'] as MessageKind[])(
    '%s is NOT_RECALLABLE, naming its kind, even a second after sending',
    async (kind) => {
      const { admin, chatId } = await openChat(app);
      const delivered = await app.db.prisma.message.create({
        data: {
          accountId: (await app.db.prisma.chat.findUniqueOrThrow({ where: { id: dbId(chatId) } })).accountId,
          chatId: dbId(chatId),
          direction: 'OUTGOING',
          kind,
          contentType: 'text',
          content: { type: 'text', text: 'Sale today!' },
          sentAt: app.clock.now(),
        },
      });
      app.clock.advance(1000);
      const res = await recall(app, admin.token, globalId('Message', delivered.id));
      expect(res.data.recallMessage).toMatchObject({ __typename: 'NotRecallableError', code: 'NOT_RECALLABLE', rule: 'R-RECALL-2', kind });
      expect(res.data.recallMessage.message).toContain(kind);
      expect((await app.db.prisma.message.findUniqueOrThrow({ where: { id: delivered.id } })).content).not.toBeNull();
    },
  );
});

describe('R-RECALL-3: both sides see a tombstone', () => {
  test('the content is gone for the member and the friend, who both see UNSENT', async () => {
    const { admin, friend, chatId, messageId } = await sentMessage();
    const res = await recall(app, admin.token, messageId);
    expect(res.data.recallMessage.data.message).toMatchObject({ id: messageId, state: 'UNSENT', content: null, recalledAt: app.clock.now().toISOString() });

    const memberView = await app.gql(`query($c: ID!) { node(id: $c) { ... on Chat { messages { edges { node { id state content { __typename } } } } } } }`, { c: chatId }, admin.token);
    expect(memberView.data.node.messages.edges.at(-1).node).toEqual({ id: messageId, state: 'UNSENT', content: null });

    const theirs = await friendView(app, friend.token);
    const tombstone = theirs.messages.edges.at(-1).node;
    expect(tombstone).toMatchObject({ fromAccount: true, state: 'UNSENT', content: null, contentType: 'text' });
    expect(tombstone.recalledAt).toBe(app.clock.now().toISOString());
    expect(JSON.stringify(theirs)).not.toContain('wrong price');
    expect(await app.db.prisma.message.findUniqueOrThrow({ where: { id: dbId(messageId) }, select: { content: true } })).toEqual({ content: null });
  });

  test.each([
    ['text', { text: 'typo' }],
    ['image', { image: { url: 'https://cdn.example/wrong.jpg', sizeBytes: 10, mimeType: 'image/jpeg' } }],
    ['video', { video: { url: 'https://cdn.example/wrong.mp4', sizeBytes: 10, mimeType: 'video/mp4' } }],
    ['sticker', { sticker: { packageId: '1', stickerId: '2' } }],
    ['file', { file: { url: 'https://cdn.example/wrong.pdf', sizeBytes: 10, mimeType: 'application/pdf' } }],
  ])('works for %s, also after the friend has read it', async (type, content) => {
    const { admin, friend, messageId } = await sentMessage(content);
    await app.gql(`mutation { friendMarkRead }`, {}, friend.token);
    const res = await recall(app, admin.token, messageId);
    expect(res.data.recallMessage.data).toMatchObject({ friendRead: true, message: { state: 'UNSENT', contentType: type, content: null } });
  });

  test('R-RECALL-5: a second recall is ALREADY_RECALLED', async () => {
    const { admin, messageId } = await sentMessage();
    await recall(app, admin.token, messageId);
    const again = await recall(app, admin.token, messageId);
    expect(again.data.recallMessage).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_RECALLED', rule: 'R-RECALL-5' });
  });

  test('two racing recalls: exactly one succeeds and one audit row is written', async () => {
    const { admin, messageId } = await sentMessage();
    const results = await Promise.all([recall(app, admin.token, messageId), recall(app, admin.token, messageId)]);
    expect(results.map((r) => r.data.recallMessage.__typename).sort()).toEqual(['ConflictError', 'MutationRecallMessageSuccess']);
    expect(await app.db.prisma.auditEvent.count({ where: { action: 'message.recalled', subjectId: dbId(messageId) } })).toBe(1);
  });
});

describe('R-RECALL-4: evidence survives the recall', () => {
  test('a report filed before the recall keeps its copy; the audit log keeps who and when', async () => {
    const { admin, friend, messageId } = await sentMessage({ text: 'rude words' });
    const reported = await app.gql(`mutation($m: ID!) { friendReportMessage(messageId: $m, reason: "offensive") { __typename } }`, { m: await friendSideIdOfLast(friend.token) }, friend.token);
    expect(reported.data.friendReportMessage.__typename).toBe('MutationFriendReportMessageSuccess');
    app.clock.advance(5 * MINUTE);
    const res = await recall(app, admin.token, messageId);
    expect(res.data.recallMessage.data.reported).toBe(true);

    const report = await app.db.prisma.report.findFirstOrThrow({ where: { messageId: dbId(messageId) } });
    expect(report).toMatchObject({ reason: 'offensive', contentType: 'text', content: { type: 'text', text: 'rude words' } });
    const audit = await app.db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'message.recalled', subjectId: dbId(messageId) } });
    expect(audit).toMatchObject({ actorUserId: dbId(admin.userId), subjectType: 'Message', createdAt: app.clock.now() });
    expect(audit.data).toMatchObject({ reported: true, friendNotified: true });
  });

  test('a recalled message can no longer be reported', async () => {
    const { admin, friend, messageId } = await sentMessage();
    await recall(app, admin.token, messageId);
    const res = await app.gql(`mutation($m: ID!) { friendReportMessage(messageId: $m, reason: "x") { __typename ... on Error { code } } }`, { m: await friendSideIdOfLast(friend.token) }, friend.token);
    expect(res.data.friendReportMessage).toMatchObject({ code: 'ALREADY_RECALLED' });
  });
});

describe('R-RECALL-6: the result says what could not be taken back', () => {
  test('notification already pushed, not read, not reported', async () => {
    const { admin, messageId } = await sentMessage();
    const res = await recall(app, admin.token, messageId);
    expect(res.data.recallMessage.data).toMatchObject({ friendNotified: true, friendRead: false, reported: false });
  });

  test('with notifications off, nothing was pushed', async () => {
    const { admin, friend, chatId } = await openChat(app);
    await app.gql(`mutation { friendSetNotifications(enabled: false) { notificationsEnabled } }`, {}, friend.token);
    const sent = await send(app, admin.token, chatId);
    expect(sent.data.sendChatMessage.data.notifiedAt).toBeNull();
    const res = await recall(app, admin.token, sent.data.sendChatMessage.data.id);
    expect(res.data.recallMessage.data).toMatchObject({ friendNotified: false, friendRead: false, reported: false });
  });
});

describe('R-DELETE-1: hide is not recall', () => {
  test("hides from the account's view only, at any age; the friend still sees it; ADMINs can list hidden ones", async () => {
    const { admin, accountId, friend, chatId, messageId } = await sentMessage({ text: 'keep for the friend' });
    app.clock.advance(29 * 24 * 60 * MINUTE); // long past the recall window (tokens live 30 days)
    const hidden = await app.gql(`mutation($m: ID!) { hideMessage(messageId: $m) { __typename ... on MutationHideMessageSuccess { data { hiddenForAccountAt state } } } }`, { m: messageId }, admin.token);
    expect(hidden.data.hideMessage.data).toEqual({ hiddenForAccountAt: app.clock.now().toISOString(), state: 'SENT' });

    const list = (token: string, includeHidden: boolean) =>
      app.gql(`query($c: ID!, $h: Boolean) { node(id: $c) { ... on Chat { messages(includeHidden: $h) { edges { node { id } } } } } }`, { c: chatId, h: includeHidden }, token);
    expect((await list(admin.token, false)).data.node.messages.edges.map((e: any) => e.node.id)).not.toContain(messageId);
    expect((await list(admin.token, true)).data.node.messages.edges.map((e: any) => e.node.id)).toContain(messageId);
    const operator = await addMember(app, admin.token, accountId, 'OPERATOR');
    expect((await list(operator.token, true)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const theirs = await friendView(app, friend.token);
    expect(theirs.messages.edges.map((e: any) => e.node.content?.text)).toContain('keep for the friend');
    await friendSays(app, friend.token, { text: 'still here' });
  });

  test('OPERATOR_NO_SEND cannot hide', async () => {
    const { admin, accountId, messageId } = await sentMessage();
    const member = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND');
    const res = await app.gql(`mutation($m: ID!) { hideMessage(messageId: $m) { __typename } }`, { m: messageId }, member.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
