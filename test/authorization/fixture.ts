// The seeded world the authorization matrix runs in: one account with a
// member of each role, another account with its ADMIN, a friend with an open
// chat, and one of everything the operations name. Built once per test file
// through the public API (bulk-only rows straight to the database, as
// test/helpers/scenario.ts does), plus `Fresh`: builders of rows a single
// cell may use up (a delivery to approve, a message to recall).
import { randomUUID } from 'node:crypto';
import { hashToken, newToken } from '../../src/auth/token.ts';
import type { Role } from '../../src/generated/prisma/enums.ts';
import { follow, friendSays, send } from '../helpers/chat-scenario.ts';
import { addMember, createAccount, dbId, globalId, invite, seedMembers, signUp, uniqueEmail, type SignedIn } from '../helpers/scenario.ts';
import type { TestApp } from '../helpers/test-app.ts';

/** Who calls, in the matrix's column order. */
export const CALLERS = ['ADMIN', 'OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS', 'OTHER_ADMIN', 'FRIEND', 'ANON'] as const;
export type Caller = (typeof CALLERS)[number];
/** Callers who are members of the seeded account. */
export const MEMBER_CALLERS = ['ADMIN', 'OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const satisfies readonly Role[];
export type MemberCaller = (typeof MEMBER_CALLERS)[number];

export const isMember = (caller: Caller): caller is MemberCaller => (MEMBER_CALLERS as readonly string[]).includes(caller);

export type Fixture = {
  accountId: string;
  /** The app's (fake) clock: it does not move while the matrix runs. */
  now(): Date;
  /** Bearer token per caller; ANON has none. */
  tokens: Record<Caller, string | undefined>;
  /** The signed-in users behind the member callers and OTHER_ADMIN. */
  users: Record<MemberCaller | 'OTHER_ADMIN', SignedIn>;
  memberIds: Record<MemberCaller, string>;
  /** An OPERATOR_NO_SEND who is no caller: author of "someone else's" drafts. */
  colleague: SignedIn;
  otherAccountId: string;
  /** The FRIEND caller: follows the account and has written, so the chat is open (R-CHAT-1). */
  friend: { token: string; friendId: string; chatId: string };
  /** A chat message a member sent the friend: its member-side id, and the id the friend sees. */
  sentMessageId: string;
  friendSideMessageId: string;
  /** A second friend whose chat ends with a message an ADMIN hid (R-DELETE-1). */
  hidden: { friendId: string; chatId: string; messageId: string };
  tagId: string;
  audienceId: string;
  /** A DRAFT written by the colleague. */
  draftId: string;
  /** A broadcast the ADMIN sent: it has statistics (recipientCount, quotaUnits). */
  sentDeliveryId: string;
  /** Installed, disabled: configure / enable / disable act on it. */
  plugin: { pluginId: string; installationId: string };
  /** Pending, addressed to someone who is no caller. */
  invitationId: string;
  /** Its secret code (inviteMember's result), which only its addressee may use. */
  invitationCode: string;
  /** Pending, for revokeInvitation. */
  revocableInvitationId: string;
  /** Members who are no callers, for changeMemberRole and removeMember. */
  victimMemberIds: { role: string; remove: string };
  auditEventId: string;
};

/** Rows one cell may use up, so an allowed write cannot spoil a later cell. */
export type Fresh = {
  /** A broadcast by `author` (default: the colleague) in the given state. */
  delivery(status: 'DRAFT' | 'PENDING_APPROVAL' | 'APPROVED', author?: string): Promise<string>;
  /** The caller's own DRAFT; for callers who cannot draft here, the colleague's. */
  ownDraft(caller: Caller): Promise<string>;
  tag(): Promise<string>;
  /** A chat message the ADMIN just sent the friend (inside the recall window). */
  chatMessage(): Promise<string>;
  /** A new member of the seeded account with the caller's role (its token); undefined for non-members. */
  standIn(caller: Caller): Promise<string | undefined>;
  /** Another token of the caller's own user; undefined for FRIEND and ANON. */
  token(caller: Caller): Promise<string | undefined>;
  /** A new friend who has written (its own token). */
  friend(): Promise<{ token: string; friendId: string }>;
  /** A pending invitation addressed to the caller, into a third account. */
  invitationFor(caller: Caller): Promise<{ id: string; code: string }>;
  /** Installs the plugin (disabled) unless it is installed. */
  installed(pluginId: string): Promise<void>;
  /** A new friend linked as the caller's test recipient by a claimed code (R-SAFE-2); for non-members an unlinked one. Its member-side id. */
  linkedPhone(caller: Caller): Promise<string>;
  /** A fresh one-time test recipient code of the ADMIN. */
  testRecipientCode(): Promise<string>;
  /** A new friend whose chat ends with a message the ADMIN hid (R-DELETE-1): its member-side id. */
  hiddenChat(): Promise<string>;
};

/** Runs a mutation that must succeed (arrange steps) and returns its `data`. */
export async function arrange(app: TestApp, token: string | undefined, field: string, document: string, variables: Record<string, unknown> = {}) {
  const res = await app.gql(document, variables, token);
  const result = res.data?.[field];
  if (res.errors || !result || (typeof result === 'object' && 'code' in result)) {
    throw new Error(`arrange ${field} failed: ${JSON.stringify(res)}`);
  }
  return result.data;
}

const SUCCESS = (field: string, data = 'id') =>
  `__typename ... on Error { code message } ... on Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success { data { ${data} } }`;

export async function seedFixture(app: TestApp): Promise<{ f: Fixture; fresh: Fresh }> {
  const admin = await signUp(app, uniqueEmail('admin'), 'Matrix Admin');
  const accountId = await createAccount(app, admin.token, 'Matrix Cafe');
  const operator = await addMember(app, admin.token, accountId, 'OPERATOR');
  const noSend = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND');
  const noStats = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND_NO_STATS');
  const [colleague] = await seedMembers(app, accountId, 1, 'OPERATOR_NO_SEND');
  await seedMembers(app, accountId, 2, 'OPERATOR');
  const memberRows = await app.db.prisma.member.findMany({ where: { accountId: dbId(accountId) }, orderBy: { createdAt: 'asc' } });
  const callerUserIds = new Set([admin, operator, noSend, noStats, colleague!].map((u) => dbId(u.userId)));
  const victims = memberRows.filter((m) => !callerUserIds.has(m.userId)).map((m) => globalId('Member', m.id));
  const adminMemberId = globalId('Member', memberRows.find((m) => m.userId === dbId(admin.userId))!.id);

  const otherAdmin = await signUp(app, uniqueEmail('other'), 'Other Admin');
  const otherAccountId = await createAccount(app, otherAdmin.token, 'Elsewhere');
  const scratchOwner = await signUp(app, uniqueEmail('scratch'), 'Scratch Owner');
  const scratchAccountId = await createAccount(app, scratchOwner.token, 'Scratch');

  const fan = await follow(app, accountId, 'Yui');
  await friendSays(app, fan.token);
  const chatId = (await app.db.prisma.chat.findUniqueOrThrow({ where: { friendId: dbId(fan.friendId) } })).id;
  const sent = await send(app, admin.token, globalId('Chat', chatId), { text: 'Yes, from today!' });
  const sentMessageId: string = sent.data.sendChatMessage.data.id;
  const friendView = await app.gql(`{ friendChat { messages(last: 1) { edges { node { id } } } } }`, {}, fan.token);
  const friendSideMessageId: string = friendView.data.friendChat.messages.edges[0].node.id;

  const second = await follow(app, accountId, 'Ren');
  await friendSays(app, second.token, { text: 'My address is …' });
  const secondChatId = globalId('Chat', (await app.db.prisma.chat.findUniqueOrThrow({ where: { friendId: dbId(second.friendId) } })).id);
  const toHide = (await send(app, admin.token, secondChatId, { text: 'Internal: call him back' })).data.sendChatMessage.data.id as string;
  await arrange(app, admin.token, 'hideMessage', `mutation($m: ID!) { hideMessage(messageId: $m) { ${SUCCESS('hideMessage')} } }`, { m: toHide });

  const tag = await arrange(app, admin.token, 'createChatTag', `mutation($a: ID!) { createChatTag(accountId: $a, name: "matcha") { ${SUCCESS('createChatTag')} } }`, { a: accountId });
  await arrange(app, admin.token, 'tagFriend', `mutation($f: ID!, $t: ID!) { tagFriend(friendId: $f, tagId: $t) { ${SUCCESS('tagFriend')} } }`, { f: fan.friendId, t: tag.id });
  const audience = await arrange(
    app,
    admin.token,
    'createAudience',
    `mutation($a: ID!, $t: ID!) { createAudience(accountId: $a, name: "Matcha fans", spec: { chatTags: { tagIds: [$t] } }) { ${SUCCESS('createAudience')} } }`,
    { a: accountId, t: tag.id },
  );

  const draftAs = async (token: string) =>
    (await arrange(app, token, 'createDraft', `mutation($a: ID!) { createDraft(accountId: $a, kind: BROADCAST, title: "Winter menu", content: { text: "Hot chocolate is back" }) { ${SUCCESS('createDraft')} } }`, { a: accountId })).id as string;
  const step = (token: string, field: 'submitDraft' | 'approveDelivery', deliveryId: string) =>
    arrange(app, token, field, `mutation($d: ID!) { ${field}(deliveryId: $d) { ${SUCCESS(field)} } }`, { d: deliveryId });
  const draftId = await draftAs(colleague!.token);
  const sentDeliveryId = await draftAs(admin.token);
  await arrange(app, admin.token, 'sendDelivery', `mutation($d: ID!) { sendDelivery(deliveryId: $d, idempotencyKey: "matrix-seed") { ${SUCCESS('sendDelivery', 'id status')} } }`, { d: sentDeliveryId });

  const install = (pluginId: string) =>
    arrange(app, admin.token, 'installPlugin', `mutation($a: ID!, $p: String!) { installPlugin(accountId: $a, pluginId: $p, enabled: false) { ${SUCCESS('installPlugin')} } }`, { a: accountId, p: pluginId });
  const installation = await install('webhook');

  const invitation = await invite(app, admin.token, accountId, uniqueEmail('invitee'), 'OPERATOR');
  const revocable = await invite(app, admin.token, accountId, uniqueEmail('revocable'), 'OPERATOR');
  const auditEvent = await app.db.prisma.auditEvent.findFirstOrThrow({ where: { accountId: dbId(accountId) }, orderBy: { seq: 'asc' } });

  const users = { ADMIN: admin, OPERATOR: operator, OPERATOR_NO_SEND: noSend, OPERATOR_NO_SEND_NO_STATS: noStats, OTHER_ADMIN: otherAdmin };
  const f: Fixture = {
    accountId,
    now: () => app.clock.now(),
    tokens: {
      ADMIN: admin.token,
      OPERATOR: operator.token,
      OPERATOR_NO_SEND: noSend.token,
      OPERATOR_NO_SEND_NO_STATS: noStats.token,
      OTHER_ADMIN: otherAdmin.token,
      FRIEND: fan.token,
      ANON: undefined,
    },
    users,
    memberIds: { ADMIN: adminMemberId, OPERATOR: operator.memberId, OPERATOR_NO_SEND: noSend.memberId, OPERATOR_NO_SEND_NO_STATS: noStats.memberId },
    colleague: colleague!,
    otherAccountId,
    friend: { token: fan.token, friendId: fan.friendId, chatId: globalId('Chat', chatId) },
    sentMessageId,
    friendSideMessageId,
    hidden: { friendId: second.friendId, chatId: secondChatId, messageId: toHide },
    tagId: tag.id,
    audienceId: audience.id,
    draftId,
    sentDeliveryId,
    plugin: { pluginId: 'webhook', installationId: installation.id },
    invitationId: invitation.data.id,
    invitationCode: invitation.data.code,
    revocableInvitationId: revocable.data.id,
    victimMemberIds: { role: victims[0]!, remove: victims[1]! },
    auditEventId: globalId('AuditEvent', auditEvent.id),
  };

  const fresh: Fresh = {
    async delivery(status, author = colleague!.token) {
      const id = await draftAs(author);
      if (status !== 'DRAFT') await step(author, 'submitDraft', id);
      if (status === 'APPROVED') await step(admin.token, 'approveDelivery', id);
      return id;
    },
    ownDraft: (caller) => draftAs(isMember(caller) ? f.tokens[caller]! : colleague!.token),
    async tag() {
      const name = `t${randomUUID().slice(0, 8)}`;
      return (await arrange(app, admin.token, 'createChatTag', `mutation($a: ID!, $n: String!) { createChatTag(accountId: $a, name: $n) { ${SUCCESS('createChatTag')} } }`, { a: accountId, n: name })).id;
    },
    async chatMessage() {
      const res = await send(app, admin.token, f.friend.chatId, { text: 'A reply to take back' });
      if (res.data?.sendChatMessage?.__typename !== 'MutationSendChatMessageSuccess') throw new Error(JSON.stringify(res));
      return res.data.sendChatMessage.data.id;
    },
    async standIn(caller) {
      if (!isMember(caller)) return undefined;
      const [user] = await seedMembers(app, accountId, 1, caller);
      return user!.token;
    },
    async token(caller) {
      if (caller === 'FRIEND' || caller === 'ANON') return undefined;
      const { token } = newToken();
      const now = app.clock.now();
      await app.db.prisma.accessToken.create({
        data: { userId: dbId(users[caller].userId), tokenHash: hashToken(token), createdAt: now, expiresAt: new Date(now.getTime() + 86_400_000) },
      });
      return token;
    },
    async linkedPhone(caller) {
      const phone = await follow(app, accountId, 'Test phone');
      if (isMember(caller)) {
        const { code } = await arrange(app, users[caller].token, 'createTestRecipientCode', `mutation($a: ID!) { createTestRecipientCode(accountId: $a) { ${SUCCESS('createTestRecipientCode', 'code')} } }`, { a: accountId });
        await arrange(app, phone.token, 'friendClaimTestRecipientCode', `mutation($c: String!) { friendClaimTestRecipientCode(code: $c) { ${SUCCESS('friendClaimTestRecipientCode', 'linkedAt')} } }`, { c: code });
      }
      return phone.friendId;
    },
    async hiddenChat() {
      const someone = await follow(app, accountId, 'Hidden chat');
      await friendSays(app, someone.token, { text: 'My address is …' });
      const chatId = globalId('Chat', (await app.db.prisma.chat.findUniqueOrThrow({ where: { friendId: dbId(someone.friendId) } })).id);
      const hidden = (await send(app, users.ADMIN.token, chatId, { text: 'Internal: call him back' })).data.sendChatMessage.data.id as string;
      await arrange(app, users.ADMIN.token, 'hideMessage', `mutation($m: ID!) { hideMessage(messageId: $m) { ${SUCCESS('hideMessage')} } }`, { m: hidden });
      return someone.friendId;
    },
    async testRecipientCode() {
      const { code } = await arrange(app, users.ADMIN.token, 'createTestRecipientCode', `mutation($a: ID!) { createTestRecipientCode(accountId: $a) { ${SUCCESS('createTestRecipientCode', 'code')} } }`, { a: accountId });
      return code;
    },
    async friend() {
      const someone = await follow(app, accountId, 'Stand-in friend');
      await friendSays(app, someone.token, { text: 'hello' });
      return someone;
    },
    async invitationFor(caller) {
      if (caller === 'FRIEND' || caller === 'ANON') return { id: f.invitationId, code: f.invitationCode };
      const invitation = await invite(app, scratchOwner.token, scratchAccountId, users[caller].email, 'OPERATOR');
      return { id: invitation.data.id, code: invitation.data.code };
    },
    async installed(pluginId) {
      const row = await app.db.prisma.pluginInstallation.findUnique({ where: { accountId_pluginId: { accountId: dbId(accountId), pluginId } } });
      if (!row) await install(pluginId);
    },
  };
  return { f, fresh };
}
