/**
 * # The authorization matrix (issue 13, part 5)
 *
 * Who may call what: one row per operation, seven columns, one per caller.
 * matrix.test.ts runs every cell on the seeded account of fixture.ts and
 * fails when an operation in the schema has no row, or a row names one that
 * is gone. The rules are DOMAIN.md R-MEMBER-2 and R-APPROVAL-1: everyone
 * drafts and submits; only ADMIN and OPERATOR send, schedule, approve,
 * reject, recall and hide; only ADMIN manages members, invitations, plugins,
 * settings and reads the audit log; OPERATOR_NO_SEND_NO_STATS sees no
 * statistics (R-STATS-1); a friend token reaches only friend* operations and
 * a member token never does; signUp, signIn and friendFollow are public.
 *
 * ## A row
 *
 *     row('Mutation.approveDelivery',
 *       //  ADMIN  OPERATOR  NO_SEND    NO_STATS   OTHER_ADMIN FRIEND  ANON
 *         'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
 *       doc: M('approveDelivery(deliveryId: $d)', '$d: ID!'),
 *       prepare: make(({ fresh }) => fresh.delivery('PENDING_APPROVAL')),
 *       vars: (_f, p) => ({ d: p.id }),
 *     }),
 *
 * - `op`: `Type.field` as in schema.graphql. Every field of Mutation, Query,
 *   Subscription and Account needs a row; `Query.node` needs one per type
 *   implementing Node (variant = the type name). Fields of other types may
 *   have rows where access differs by role (`Chat.messages`).
 * - The expectation: seven words, in the order of the comment above
 *   (ADMIN, OPERATOR, OPERATOR_NO_SEND, OPERATOR_NO_SEND_NO_STATS, an ADMIN
 *   of another account, the seeded friend's token, no token):
 *   - `ok`: a success payload (a payload error listed in `okCodes`, about
 *     the state rather than about the caller, counts too);
 *   - `forbidden`: a GraphQL error FORBIDDEN (a member whose role does not allow it);
 *   - `notFound`: a NotFoundError payload, a null lookup or NOT_FOUND, exactly
 *     what a missing id gives (the runner checks that, byte for byte);
 *     required of OTHER_ADMIN on everything account-scoped;
 *   - `unauth`: UNAUTHENTICATED (no token, or the wrong kind of token);
 *     also independent of whether the ids exist;
 *   - `hidden`: a field withheld (null, or FORBIDDEN): statistics (R-STATS-1), hidden messages (R-DELETE-1).
 *   Every refused cell (forbidden, notFound, unauth, hidden) must leave the
 *   database exactly as it was, and so must every cell of a read.
 * - `doc` and `vars(f, p)`: the GraphQL document and its variables, from
 *   the fixture `f` and what `prepare` made (`p.id`); `p.caller` is the caller.
 * - `path`: where the result sits in `data` (default: the field name).
 * - `prepare({ f, fresh }, caller)`: runs before the cell; use `fresh` for a
 *   row the cell may use up, so an allowed write cannot change a later
 *   cell; `token` replaces the caller's token (a stand-in with the same role).
 * - `known`: a cell the code gets wrong today, with what it does now and who
 *   fixes it. The expectation above stays the rule; the runner asserts the
 *   current outcome and fails once the code follows the rule, so the entry
 *   cannot outlive the fix.
 *
 * Within a row, refused cells run before allowed ones.
 */
import { randomUUID } from 'node:crypto';
import { dbId, globalId, PASSWORD } from '../helpers/scenario.ts';
import { CALLERS, type Caller, type Fixture, type Fresh } from './fixture.ts';
import type { Outcome } from './cells.ts';

export type Prepared = { token?: string; id?: string; code?: string };
export type Row = {
  op: string;
  variant?: string;
  expect: Record<Caller, Outcome>;
  doc: string;
  vars?: (f: Fixture, p: Prepared & { caller: Caller }) => Record<string, unknown>;
  path?: string[];
  okCodes?: string[];
  prepare?: (world: { f: Fixture; fresh: Fresh }, caller: Caller) => Promise<Prepared>;
  known?: Partial<Record<Caller, { now: string; why: string }>>;
};

const OUTCOMES: readonly Outcome[] = ['ok', 'forbidden', 'notFound', 'unauth', 'hidden'];

function row(op: string, expectation: string, spec: Omit<Row, 'op' | 'expect'>): Row {
  const words = expectation.trim().split(/\s+/);
  if (words.length !== CALLERS.length || !words.every((w) => (OUTCOMES as readonly string[]).includes(w))) {
    throw new Error(`${op}: the expectation needs ${CALLERS.length} of ${OUTCOMES.join(', ')}; got "${expectation}"`);
  }
  return { op, expect: Object.fromEntries(CALLERS.map((c, i) => [c, words[i] as Outcome])) as Record<Caller, Outcome>, ...spec };
}

/** A mutation returning a result union. */
const M = (call: string, params = '') => `mutation${params ? `(${params})` : ''} { ${call} { __typename ... on Error { code message } } }`;
/** A field of the seeded account. */
const A = (selection: string) => `query($a: ID!) { account(id: $a) { id ${selection} } }`;
const NODE = `query($id: ID!) { node(id: $id) { __typename id } }`;
/** A prepare step that puts what `build` made into `p.id` (or `p.token`). */
const make = (build: (world: { f: Fixture; fresh: Fresh }, caller: Caller) => Promise<string | undefined>, key: 'id' | 'token' = 'id') =>
  async (world: { f: Fixture; fresh: Fresh }, caller: Caller): Promise<Prepared> => ({ [key]: await build(world, caller) });
const unique = (prefix: string) => `${prefix}${randomUUID().slice(0, 8)}`;
const text = { text: 'Hot chocolate is back' };


// Account fields any member reads alike; their access follows account(id).
const PLAIN_ACCOUNT_FIELDS: Record<string, string> = {
  id: '',
  name: 'name',
  plan: 'plan',
  createdAt: 'createdAt',
  memberCount: 'memberCount',
  memberLimit: 'memberLimit',
  viewerRole: 'viewerRole',
  recallWindowSeconds: 'recallWindowSeconds',
  timeZone: 'timeZone',
  businessHours: 'businessHours { day open close }',
  chatTagCount: 'chatTagCount',
  members: 'members(first: 5) { edges { node { id role } } }',
  friends: 'friends(first: 5) { edges { node { id } } }',
  chats: 'chats(first: 5) { edges { node { id } } }',
  deliveries: 'deliveries(first: 5) { edges { node { id status } } }',
  chatTags: 'chatTags(first: 5) { edges { node { id name } } }',
  audiences: 'audiences(first: 5) { edges { node { id name } } }',
};

export const MATRIX: Row[] = [
  // --- Public -------------------------------------------------------------
  //                           ADMIN  OPERATOR  NO_SEND    NO_STATS   OTHER_ADMIN FRIEND     ANON
  row('Mutation.signUp',      'ok     ok        ok         ok         ok          unauth         ok', {
    doc: M('signUp(email: $e, password: $p, displayName: "New")', '$e: String!, $p: String!'),
    vars: () => ({ e: `${unique('new')}@example.test`, p: PASSWORD }),
  }),
  row('Mutation.signIn',      'ok     ok        ok         ok         ok          unauth         ok', {
    doc: M('signIn(email: $e, password: $p)', '$e: String!, $p: String!'),
    vars: (f) => ({ e: f.users.ADMIN.email, p: PASSWORD }),
  }),
  row('Mutation.friendFollow', 'unauth    unauth        unauth         unauth         unauth          ok         ok', {
    doc: M('friendFollow(accountId: $a, displayName: "Walk-in")', '$a: ID!'),
    vars: (f) => ({ a: f.accountId }),
  }),

  // --- Signed-in users, not account-scoped --------------------------------
  row('Mutation.createAccount', 'ok   ok        ok         ok         ok          unauth     unauth', {
    doc: M('createAccount(name: "Side business")'),
  }),
  row('Mutation.signOut',     'ok     ok        ok         ok         ok          unauth     unauth', {
    doc: `mutation { signOut }`,
    // Its own token each time: signing out the caller's would end every later cell.
    prepare: make(({ fresh }, caller) => fresh.token(caller), 'token'),
  }),
  row('Query.viewer',         'ok     ok        ok         ok         ok          unauth   notFound', {
    doc: `{ viewer { id email } }`,
  }),
  row('Query.availablePlugins', 'ok   ok        ok         ok         ok          unauth     unauth', {
    doc: `{ availablePlugins { id } }`,
  }),
  row('Mutation.acceptInvitation', 'notFound notFound notFound notFound notFound unauth   unauth', {
    variant: 'addressed to someone else',
    // The right code from the wrong account: the email must match too.
    doc: M('acceptInvitation(invitationId: $i, code: $c)', '$i: ID!, $c: String!'),
    vars: (f) => ({ i: f.invitationId, c: f.invitationCode }),
  }),
  row('Mutation.acceptInvitation', 'ok   ok        ok         ok         ok          unauth     unauth', {
    variant: 'addressed to the caller',
    doc: M('acceptInvitation(invitationId: $i, code: $c)', '$i: ID!, $c: String!'),
    prepare: ({ fresh }, caller) => fresh.invitationFor(caller),
    vars: (_f, p) => ({ i: p.id, c: p.code }),
  }),

  // --- Members and settings: ADMIN only -----------------------------------
  //                              ADMIN  OPERATOR  NO_SEND    NO_STATS   OTHER_ADMIN FRIEND  ANON
  row('Mutation.inviteMember',   'ok     forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('inviteMember(accountId: $a, email: $e, role: OPERATOR)', '$a: ID!, $e: String!'),
    vars: (f) => ({ a: f.accountId, e: `${unique('invited')}@example.test` }),
  }),
  row('Mutation.revokeInvitation', 'ok   forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('revokeInvitation(invitationId: $i)', '$i: ID!'),
    vars: (f) => ({ i: f.revocableInvitationId }),
  }),
  row('Mutation.changeMemberRole', 'ok   forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('changeMemberRole(memberId: $m, role: OPERATOR_NO_SEND)', '$m: ID!'),
    vars: (f) => ({ m: f.victimMemberIds.role }),
  }),
  row('Mutation.removeMember',   'ok     forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('removeMember(memberId: $m)', '$m: ID!'),
    vars: (f) => ({ m: f.victimMemberIds.remove }),
  }),
  row('Mutation.leaveAccount',   'ok     ok        ok         ok         notFound    unauth  unauth', {
    doc: M('leaveAccount(accountId: $a)', '$a: ID!'),
    // A new member with the caller's role leaves, so the caller stays for later cells.
    prepare: make(({ fresh }, caller) => fresh.standIn(caller), 'token'),
    vars: (f) => ({ a: f.accountId }),
  }),
  row('Mutation.setBusinessHours', 'ok   forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('setBusinessHours(accountId: $a, timeZone: "Asia/Tokyo", hours: [])', '$a: ID!'),
    vars: (f) => ({ a: f.accountId }),
  }),
  row('Mutation.installPlugin',  'ok     forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('installPlugin(accountId: $a, pluginId: "content-check", enabled: false)', '$a: ID!'),
    vars: (f) => ({ a: f.accountId }),
  }),
  row('Mutation.configurePlugin', 'ok    forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('configurePlugin(accountId: $a, pluginId: $p, config: {})', '$a: ID!, $p: String!'),
    vars: (f) => ({ a: f.accountId, p: f.plugin.pluginId }),
  }),
  row('Mutation.enablePlugin',   'ok     forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('enablePlugin(accountId: $a, pluginId: $p)', '$a: ID!, $p: String!'),
    vars: (f) => ({ a: f.accountId, p: f.plugin.pluginId }),
  }),
  row('Mutation.disablePlugin',  'ok     forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('disablePlugin(accountId: $a, pluginId: $p)', '$a: ID!, $p: String!'),
    vars: (f) => ({ a: f.accountId, p: f.plugin.pluginId }),
  }),
  row('Mutation.uninstallPlugin', 'ok    forbidden forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('uninstallPlugin(accountId: $a, pluginId: "business-hours")', '$a: ID!'),
    prepare: async ({ fresh }) => (await fresh.installed('business-hours'), {}),
    vars: (f) => ({ a: f.accountId }),
  }),

  // --- Chats ---------------------------------------------------------------
  //                              ADMIN  OPERATOR  NO_SEND    NO_STATS   OTHER_ADMIN FRIEND  ANON
  row('Mutation.sendChatMessage', 'ok    ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('sendChatMessage(chatId: $c, content: { text: "Yes!" }, idempotencyKey: $k)', '$c: ID!, $k: String!'),
    vars: (f) => ({ c: f.friend.chatId, k: unique('key-') }),
  }),
  row('Mutation.recallMessage',  'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('recallMessage(messageId: $m)', '$m: ID!'),
    prepare: make(({ fresh }) => fresh.chatMessage()),
    vars: (_f, p) => ({ m: p.id }),
  }),
  row('Mutation.hideMessage',    'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('hideMessage(messageId: $m)', '$m: ID!'),
    prepare: make(({ fresh }) => fresh.chatMessage()),
    vars: (_f, p) => ({ m: p.id }),
  }),
  row('Mutation.markChatRead',   'ok     ok        ok         ok         notFound    unauth  unauth', {
    doc: M('markChatRead(chatId: $c)', '$c: ID!'),
    vars: (f) => ({ c: f.friend.chatId }),
  }),

  // --- Chat tags and audiences --------------------------------------------
  row('Mutation.createChatTag',  'ok     ok        ok         ok         notFound    unauth  unauth', {
    doc: M('createChatTag(accountId: $a, name: $n)', '$a: ID!, $n: String!'),
    vars: (f) => ({ a: f.accountId, n: unique('t') }),
  }),
  row('Mutation.renameChatTag',  'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('renameChatTag(tagId: $t, name: $n)', '$t: ID!, $n: String!'),
    prepare: make(({ fresh }) => fresh.tag()),
    vars: (_f, p) => ({ t: p.id, n: unique('r') }),
  }),
  row('Mutation.deleteChatTag',  'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('deleteChatTag(tagId: $t)', '$t: ID!'),
    prepare: make(({ fresh }) => fresh.tag()),
    vars: (_f, p) => ({ t: p.id }),
  }),
  row('Mutation.tagFriend',      'ok     ok        ok         ok         notFound    unauth  unauth', {
    doc: M('tagFriend(friendId: $f, tagId: $t)', '$f: ID!, $t: ID!'),
    vars: (f) => ({ f: f.friend.friendId, t: f.tagId }),
  }),
  row('Mutation.untagFriend',    'ok     ok        ok         ok         notFound    unauth  unauth', {
    doc: M('untagFriend(friendId: $f, tagId: $t)', '$f: ID!, $t: ID!'),
    prepare: make(({ fresh }) => fresh.tag()),
    vars: (f, p) => ({ f: f.friend.friendId, t: p.id }),
  }),
  row('Mutation.createAudience', 'ok     ok        ok         ok         notFound    unauth  unauth', {
    doc: M('createAudience(accountId: $a, name: "Fans", spec: { chatTags: { tagIds: [$t] } })', '$a: ID!, $t: ID!'),
    vars: (f) => ({ a: f.accountId, t: f.tagId }),
  }),

  // --- Deliveries (R-APPROVAL-1): everyone drafts; senders approve, send, schedule
  //                              ADMIN  OPERATOR  NO_SEND    NO_STATS   OTHER_ADMIN FRIEND  ANON
  row('Mutation.createDraft',    'ok     ok        ok         ok         notFound    unauth  unauth', {
    doc: M('createDraft(accountId: $a, kind: BROADCAST, title: "Spring", content: $c)', '$a: ID!, $c: MessageContentInput!'),
    vars: (f) => ({ a: f.accountId, c: text }),
  }),
  row('Mutation.updateDraft',    'ok     ok        ok         ok         notFound    unauth  unauth', {
    variant: 'own draft',
    doc: M('updateDraft(deliveryId: $d, title: "Edited")', '$d: ID!'),
    prepare: make(({ fresh }, caller) => fresh.ownDraft(caller)),
    vars: (_f, p) => ({ d: p.id }),
  }),
  row('Mutation.updateDraft',    'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    variant: "a colleague's draft",
    doc: M('updateDraft(deliveryId: $d, title: "Edited")', '$d: ID!'),
    prepare: make(({ fresh }) => fresh.delivery('DRAFT')),
    vars: (_f, p) => ({ d: p.id }),
  }),
  row('Mutation.submitDraft',    'ok     ok        ok         ok         notFound    unauth  unauth', {
    variant: 'own draft',
    doc: M('submitDraft(deliveryId: $d)', '$d: ID!'),
    prepare: make(({ fresh }, caller) => fresh.ownDraft(caller)),
    vars: (_f, p) => ({ d: p.id }),
  }),
  row('Mutation.submitDraft',    'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    variant: "a colleague's draft",
    doc: M('submitDraft(deliveryId: $d)', '$d: ID!'),
    prepare: make(({ fresh }) => fresh.delivery('DRAFT')),
    vars: (_f, p) => ({ d: p.id }),
  }),
  row('Mutation.cancelDelivery', 'ok     ok        ok         ok         notFound    unauth  unauth', {
    variant: 'own draft',
    doc: M('cancelDelivery(deliveryId: $d)', '$d: ID!'),
    prepare: make(({ fresh }, caller) => fresh.ownDraft(caller)),
    vars: (_f, p) => ({ d: p.id }),
  }),
  row('Mutation.cancelDelivery', 'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    variant: "a colleague's draft",
    doc: M('cancelDelivery(deliveryId: $d)', '$d: ID!'),
    prepare: make(({ fresh }) => fresh.delivery('DRAFT')),
    vars: (_f, p) => ({ d: p.id }),
  }),
  row('Mutation.approveDelivery', 'ok    ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('approveDelivery(deliveryId: $d)', '$d: ID!'),
    prepare: make(({ fresh }) => fresh.delivery('PENDING_APPROVAL')),
    vars: (_f, p) => ({ d: p.id }),
  }),
  row('Mutation.rejectDelivery', 'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('rejectDelivery(deliveryId: $d, reason: "Wrong price")', '$d: ID!'),
    prepare: make(({ fresh }) => fresh.delivery('PENDING_APPROVAL')),
    vars: (_f, p) => ({ d: p.id }),
  }),
  row('Mutation.sendDelivery',   'ok     ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('sendDelivery(deliveryId: $d, idempotencyKey: $k)', '$d: ID!, $k: String!'),
    prepare: make(({ fresh }) => fresh.delivery('APPROVED')),
    vars: (_f, p) => ({ d: p.id, k: unique('send-') }),
  }),
  row('Mutation.scheduleDelivery', 'ok   ok        forbidden  forbidden  notFound    unauth  unauth', {
    doc: M('scheduleDelivery(deliveryId: $d, at: $at)', '$d: ID!, $at: DateTime!'),
    prepare: make(({ fresh }) => fresh.delivery('APPROVED')),
    vars: (f, p) => ({ d: p.id, at: new Date(f.now().getTime() + 86_400_000).toISOString() }),
  }),
  row('Mutation.previewDelivery', 'ok    ok        ok         ok         notFound    unauth  unauth', {
    doc: M('previewDelivery(deliveryId: $d)', '$d: ID!'),
    vars: (f) => ({ d: f.draftId }),
  }),
  // R-SAFE-2: every member links and tests on their own phones only.
  row('Mutation.createTestRecipientCode', 'ok ok       ok         ok         notFound    unauth  unauth', {
    doc: M('createTestRecipientCode(accountId: $a)', '$a: ID!'),
    vars: (f) => ({ a: f.accountId }),
  }),
  row('Mutation.removeTestRecipient', 'ok   ok        ok         ok         notFound    unauth  unauth', {
    doc: M('removeTestRecipient(accountId: $a, friendId: $f)', '$a: ID!, $f: ID!'),
    prepare: make(({ fresh }, caller) => fresh.linkedPhone(caller)),
    vars: (f, p) => ({ a: f.accountId, f: p.id }),
  }),
  row('User.testRecipients',          'ok   ok        ok         ok         ok          unauth notFound', {
    // Your own list: another account's ADMIN gets an empty one, never ours.
    doc: `query($a: ID!) { viewer { testRecipients(accountId: $a) { id } } }`,
    vars: (f) => ({ a: f.accountId }),
    path: ['viewer'],
  }),
  row('Mutation.sendTestDelivery', 'ok   ok        ok         ok         notFound    unauth  unauth', {
    doc: M('sendTestDelivery(deliveryId: $d)', '$d: ID!'),
    vars: (f) => ({ d: f.draftId }),
    okCodes: ['NO_TEST_RECIPIENTS'],
  }),

  // --- Friend side: friend tokens only ------------------------------------
  //                                   ADMIN  OPERATOR NO_SEND NO_STATS OTHER_ADMIN FRIEND  ANON
  row('Query.friendChat',             'unauth unauth   unauth  unauth   unauth      ok      unauth', {
    doc: `{ friendChat { accountName } }`,
  }),
  row('Mutation.friendSendMessage',   'unauth unauth   unauth  unauth   unauth      ok      unauth', {
    doc: M('friendSendMessage(content: { text: "Still open?" })'),
  }),
  row('Mutation.friendMarkRead',      'unauth unauth   unauth  unauth   unauth      ok      unauth', {
    doc: `mutation { friendMarkRead }`,
  }),
  row('Mutation.friendClaimTestRecipientCode', 'unauth unauth unauth unauth unauth ok    unauth', {
    doc: M('friendClaimTestRecipientCode(code: $c)', '$c: String!'),
    prepare: make(({ fresh }) => fresh.testRecipientCode()),
    vars: (_f, p) => ({ c: p.id }),
  }),
  row('Mutation.friendReportMessage', 'unauth unauth   unauth  unauth   unauth      ok      unauth', {
    doc: M('friendReportMessage(messageId: $m, reason: "spam")', '$m: ID!'),
    // The id the friend was given: FriendMessage.id from friendChat.
    vars: (f) => ({ m: f.friendSideMessageId }),
  }),
  row('Mutation.friendSetNotifications', 'unauth unauth unauth  unauth   unauth      ok      unauth', {
    doc: `mutation { friendSetNotifications(enabled: true) { __typename status } }`,
  }),
  // Block, unblock and unfollow act on a new friend each time (unfollow revokes the token).
  row('Mutation.friendBlock',         'unauth unauth   unauth  unauth   unauth      ok      unauth', {
    doc: `mutation { friendBlock { __typename status } }`,
    prepare: async ({ fresh }, caller) => (caller === 'FRIEND' ? { token: (await fresh.friend()).token } : {}),
  }),
  row('Mutation.friendUnblock',       'unauth unauth   unauth  unauth   unauth      ok      unauth', {
    doc: `mutation { friendUnblock { __typename status } }`,
    prepare: async ({ fresh }, caller) => (caller === 'FRIEND' ? { token: (await fresh.friend()).token } : {}),
  }),
  row('Mutation.friendUnfollow',      'unauth unauth   unauth  unauth   unauth      ok      unauth', {
    doc: `mutation { friendUnfollow { __typename status } }`,
    prepare: async ({ fresh }, caller) => (caller === 'FRIEND' ? { token: (await fresh.friend()).token } : {}),
  }),

  // --- Lookups: null for anything the caller may not read ------------------
  //                      ADMIN    OPERATOR NO_SEND  NO_STATS OTHER_ADMIN FRIEND   ANON
  row('Query.account',   'ok       ok       ok       ok       notFound    unauth notFound', {
    doc: `query($a: ID!) { account(id: $a) { id name } }`,
    vars: (f) => ({ a: f.accountId }),
  }),
  row('Query.friend',    'ok       ok       ok       ok       notFound    unauth notFound', {
    // A friend token asking for its own Friend would see the account's internals about it.
    doc: `query($id: ID!) { friend(id: $id) { id attributes } }`,
    vars: (f) => ({ id: f.friend.friendId }),
  }),
  row('Query.nodes',     'ok       ok       ok       ok       notFound    notFound notFound', {
    doc: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
    vars: (f) => ({ ids: [f.accountId, f.draftId] }),
  }),
  row('Query.node',      'ok       ok       ok       ok       notFound    notFound notFound', { variant: 'Account', doc: NODE, vars: (f) => ({ id: f.accountId }) }),
  row('Query.node',      'ok       ok       ok       ok       notFound    notFound notFound', { variant: 'Member', doc: NODE, vars: (f) => ({ id: f.memberIds.OPERATOR }) }),
  row('Query.node',      'ok       notFound notFound notFound notFound    notFound notFound', { variant: 'Invitation', doc: NODE, vars: (f) => ({ id: f.invitationId }) }),
  row('Query.node',      'ok       notFound notFound notFound notFound    notFound notFound', { variant: 'AuditEvent', doc: NODE, vars: (f) => ({ id: f.auditEventId }) }),
  row('Query.node',      'ok       ok       ok       ok       ok          notFound notFound', {
    variant: 'User (the caller)',
    doc: NODE,
    vars: (f, p) => ({ id: f.users[p.caller === 'FRIEND' || p.caller === 'ANON' ? 'ADMIN' : p.caller].userId }),
  }),
  row('Query.node',      'ok       ok       ok       ok       notFound    notFound notFound', {
    variant: 'Friend',
    doc: `query($id: ID!) { node(id: $id) { __typename id ... on Friend { attributes } } }`,
    vars: (f) => ({ id: f.friend.friendId }),
  }),
  row('Query.node',      'ok       ok       ok       ok       notFound    notFound notFound', {
    variant: 'Chat',
    doc: NODE,
    vars: (f) => ({ id: f.friend.chatId }),
  }),
  row('Query.node',      'ok       ok       ok       ok       notFound    notFound notFound', { variant: 'Message', doc: NODE, vars: (f) => ({ id: f.sentMessageId }) }),
  row('Query.node',      'ok       notFound notFound notFound notFound    notFound notFound', {
    variant: 'Message (hidden, R-DELETE-1)',
    doc: NODE,
    vars: (f) => ({ id: f.hidden.messageId }),
  }),
  row('Query.node',      'ok       ok       ok       ok       notFound    notFound notFound', { variant: 'ChatTag', doc: NODE, vars: (f) => ({ id: f.tagId }) }),
  row('Query.node',      'ok       ok       ok       ok       notFound    notFound notFound', { variant: 'Delivery', doc: NODE, vars: (f) => ({ id: f.draftId }) }),
  row('Query.node',      'ok       ok       ok       ok       notFound    notFound notFound', { variant: 'Audience', doc: NODE, vars: (f) => ({ id: f.audienceId }) }),
  // Friend-side types: the friend's own only, and never to a member token.
  row('Query.node',      'notFound notFound notFound notFound notFound  ok       notFound', {
    variant: 'FriendSelf',
    doc: NODE,
    vars: (f) => ({ id: globalId('FriendSelf', dbId(f.friend.friendId)) }),
  }),
  row('Query.node',      'notFound notFound notFound notFound notFound  ok       notFound', {
    variant: 'FriendChat',
    doc: NODE,
    vars: (f) => ({ id: globalId('FriendChat', dbId(f.friend.chatId)) }),
  }),
  row('Query.node',      'notFound notFound notFound notFound notFound  ok       notFound', { variant: 'FriendMessage', doc: NODE, vars: (f) => ({ id: f.friendSideMessageId }) }),
  row('Query.node',      'ok       notFound notFound notFound notFound    notFound notFound', {
    variant: 'PluginInstallation',
    doc: NODE,
    vars: (f) => ({ id: f.plugin.installationId }),
  }),

  // --- Account fields -------------------------------------------------------
  //                                 ADMIN  OPERATOR  NO_SEND    NO_STATS   OTHER_ADMIN FRIEND    ANON
  ...Object.entries(PLAIN_ACCOUNT_FIELDS).map(([field, selection]) =>
    row(`Account.${field}`,         'ok     ok        ok         ok         notFound    unauth  notFound', {
      doc: A(selection),
      vars: (f) => ({ a: f.accountId }),
      path: ['account'],
    }),
  ),
  row('Account.auditEvents',        'ok     forbidden forbidden  forbidden  notFound    unauth  notFound', {
    doc: A('auditEvents(first: 5) { edges { node { id action } } }'),
    vars: (f) => ({ a: f.accountId }),
    path: ['account', 'auditEvents'],
  }),
  row('Account.invitations',        'ok     forbidden forbidden  forbidden  notFound    unauth  notFound', {
    doc: A('invitations(first: 5) { edges { node { id email } } }'),
    vars: (f) => ({ a: f.accountId }),
    path: ['account', 'invitations'],
  }),
  row('Account.plugins',            'ok     forbidden forbidden  forbidden  notFound    unauth  notFound', {
    doc: A('plugins { id pluginId }'),
    vars: (f) => ({ a: f.accountId }),
    path: ['account', 'plugins'],
  }),
  row('Account.pluginRuns',         'ok     forbidden forbidden  forbidden  notFound    unauth  notFound', {
    doc: A('pluginRuns(first: 5) { edges { node { id status } } }'),
    vars: (f) => ({ a: f.accountId }),
    path: ['account', 'pluginRuns'],
  }),
  row('Account.quota',              'ok     ok        ok         hidden     notFound    unauth  notFound', {
    // The plan's limit is no statistic; what was used and what remains are (R-STATS-1).
    doc: A('quota { used limit remaining }'),
    vars: (f) => ({ a: f.accountId }),
    path: ['account', 'quota', 'used'],
  }),

  // --- Fields of other member-side types whose access differs by role -------
  //                                 ADMIN  OPERATOR  NO_SEND    NO_STATS   OTHER_ADMIN FRIEND    ANON
  row('Chat.messages',              'ok     forbidden forbidden  forbidden  notFound    unauth  notFound', {
    variant: 'includeHidden: true (R-DELETE-1)',
    doc: `query($id: ID!) { friend(id: $id) { chat { messages(includeHidden: true, first: 5) { edges { node { id } } } } } }`,
    vars: (f) => ({ id: f.hidden.friendId }),
    path: ['friend', 'chat', 'messages'],
  }),
  row('Chat.lastMessage',           'ok     hidden    hidden     hidden     notFound    unauth  notFound', {
    variant: 'a hidden message (R-DELETE-1)',
    doc: `query($id: ID!) { friend(id: $id) { chat { lastMessage { id } } } }`,
    // A chat of its own: a broadcast sent by an earlier row would be every chat's latest message.
    prepare: make(({ fresh }) => fresh.hiddenChat()),
    vars: (_f, p) => ({ id: p.id }),
    path: ['friend', 'chat', 'lastMessage'],
  }),
  row('Delivery.recipientCount',    'ok     ok        ok         hidden     notFound    notFound  notFound', {
    doc: `query($id: ID!) { node(id: $id) { ... on Delivery { recipientCount } } }`,
    vars: (f) => ({ id: f.sentDeliveryId }),
    path: ['node', 'recipientCount'],
  }),
  row('Delivery.quotaUnits',        'ok     ok        ok         hidden     notFound    notFound  notFound', {
    doc: `query($id: ID!) { node(id: $id) { ... on Delivery { quotaUnits } } }`,
    vars: (f) => ({ id: f.sentDeliveryId }),
    path: ['node', 'quotaUnits'],
  }),
  row('Audience.size',              'ok     ok        ok         hidden     notFound    notFound  notFound', {
    doc: `query($id: ID!) { node(id: $id) { ... on Audience { size } } }`,
    vars: (f) => ({ id: f.audienceId }),
    path: ['node', 'size'],
  }),
  row('ChatTag.friendCount',        'ok     ok        ok         hidden     notFound    notFound  notFound', {
    doc: `query($id: ID!) { node(id: $id) { ... on ChatTag { friendCount } } }`,
    vars: (f) => ({ id: f.tagId }),
    path: ['node', 'friendCount'],
  }),

  // --- Subscriptions (over SSE; ok = the subscription went live) -----------
  //                                    ADMIN  OPERATOR NO_SEND NO_STATS OTHER_ADMIN FRIEND  ANON
  row('Subscription.chatEvents',       'ok     ok       ok      ok       notFound    unauth  unauth', {
    doc: `subscription($a: ID!) { chatEvents(accountId: $a) { id } }`,
    vars: (f) => ({ a: f.accountId }),
  }),
  row('Subscription.approvalEvents',   'ok     ok       ok      ok       notFound    unauth  unauth', {
    doc: `subscription($a: ID!) { approvalEvents(accountId: $a) { id } }`,
    vars: (f) => ({ a: f.accountId }),
  }),
  row('Subscription.deliveryEvents',   'ok     ok       ok      ok       notFound    unauth  unauth', {
    variant: 'accountId',
    doc: `subscription($a: ID!) { deliveryEvents(accountId: $a) { id } }`,
    vars: (f) => ({ a: f.accountId }),
  }),
  row('Subscription.deliveryEvents',   'ok     ok       ok      ok       notFound    unauth  unauth', {
    variant: 'deliveryId',
    doc: `subscription($d: ID!) { deliveryEvents(deliveryId: $d) { id } }`,
    vars: (f) => ({ d: f.draftId }),
  }),
  row('Subscription.friendChatEvents', 'unauth unauth   unauth  unauth   unauth      ok      unauth', {
    doc: `subscription { friendChatEvents { id } }`,
  }),
];
