import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { createAccount, dbId, signUp, type SignedIn } from '../helpers/scenario.ts';
import { follow, friendView } from '../helpers/chat-scenario.ts';

let app: TestApp;
let admin: SignedIn;
let accountId: string;
let gold: { token: string; friendId: string }[];
let other: { token: string; friendId: string };

beforeAll(async () => {
  app = await createTestApp();
  admin = await signUp(app);
  accountId = await createAccount(app, admin.token);
  gold = [];
  for (let i = 0; i < 49; i++) gold.push(await follow(app, accountId, `Gold ${i}`));
  other = await follow(app, accountId, 'Silver');
  // Attributes come from integrations (no member API yet): set them directly.
  await app.db.prisma.friend.updateMany({ where: { id: { in: gold.map((f) => dbId(f.friendId)) } }, data: { attributes: { plan: 'gold' } } });
});
afterAll(() => app.close());

const createAudience = (spec: Record<string, unknown>, name = 'Audience') =>
  app.gql(`mutation($a: ID!, $n: String!, $s: AudienceSpecInput!) { createAudience(accountId: $a, name: $n, spec: $s) {
    __typename ... on MutationCreateAudienceSuccess { data { id kind size } } ... on Error { code message } ... on NotFoundError { field } } }`,
    { a: accountId, n: name, s: spec }, admin.token).then((r) => r.data.createAudience);

const narrowcast = async (audienceId: string, text: string) => {
  const d = await app.gql(`mutation($a: ID!, $au: ID!, $t: String!) { createDraft(accountId: $a, kind: NARROWCAST, audienceId: $au, title: "N", content: { text: $t }) {
    __typename ... on MutationCreateDraftSuccess { data { id } } ... on ValidationError { field message } } }`, { a: accountId, au: audienceId, t: text }, admin.token);
  return app.gql(`mutation($d: ID!, $k: String!) { sendDelivery(deliveryId: $d, idempotencyKey: $k) { __typename
    ... on MutationSendDeliverySuccess { data { status recipientCount } }
    ... on AudienceTooSmallError { code rule minimum count } ... on Error { code message } } }`, { d: d.data.createDraft.data.id, k: `send-${text}` }, admin.token)
    .then((r) => r.data.sendDelivery);
};

describe('R-TAG-2: audience minimums', () => {
  test('a 49-friend attribute audience is refused (minimum 50) and nothing is written', async () => {
    const audience = await createAudience({ attributes: { plan: 'gold' } });
    expect(audience).toMatchObject({ __typename: 'MutationCreateAudienceSuccess', data: { kind: 'ATTRIBUTE', size: 49 } });
    const before = await app.db.prisma.message.count();
    const res = await narrowcast(audience.data.id, 'Gold members only');
    expect(res).toMatchObject({ __typename: 'AudienceTooSmallError', code: 'AUDIENCE_TOO_SMALL', rule: 'R-TAG-2', minimum: 50, count: 49 });
    expect(await app.db.prisma.message.count()).toBe(before);
  });

  test('a 1-friend chat-tag audience sends (no minimum), only to that friend', async () => {
    const tag = await app.gql(`mutation($a: ID!) { createChatTag(accountId: $a, name: "asked about matcha") { ... on MutationCreateChatTagSuccess { data { id } } } }`, { a: accountId }, admin.token);
    const tagId = tag.data.createChatTag.data.id;
    await app.gql(`mutation($f: ID!, $t: ID!) { tagFriend(friendId: $f, tagId: $t) { __typename } }`, { f: other.friendId, t: tagId }, admin.token);
    const audience = await createAudience({ chatTags: { tagIds: [tagId] } });
    expect(audience.data).toMatchObject({ kind: 'CHAT_TAG', size: 1 });
    expect(await narrowcast(audience.data.id, 'Matcha is back')).toMatchObject({ data: { status: 'SENT', recipientCount: 1 } });
    expect(JSON.stringify(await friendView(app, other.token))).toContain('Matcha is back');
    expect(JSON.stringify(await friendView(app, gold[0]!.token))).not.toContain('Matcha is back');
  });

  test('a friend-list audience reaches exactly those friends', async () => {
    const audience = await createAudience({ friendIds: [gold[0]!.friendId, gold[1]!.friendId] });
    expect(await narrowcast(audience.data.id, 'Just you two')).toMatchObject({ data: { recipientCount: 2 } });
  });

  test('at 50 friends the attribute audience sends', async () => {
    await app.db.prisma.friend.update({ where: { id: dbId(other.friendId) }, data: { attributes: { plan: 'gold', city: 'Osaka' } } });
    const audience = await createAudience({ attributes: { plan: 'gold' } });
    expect(await narrowcast(audience.data.id, 'Fifty')).toMatchObject({ data: { status: 'SENT', recipientCount: 50 } });
  });
});

describe('audience input', () => {
  test('tags or friends of another account are NOT_FOUND; a NARROWCAST needs an audience', async () => {
    const stranger = await signUp(app);
    const theirs = await createAccount(app, stranger.token);
    const theirFriend = await follow(app, theirs);
    expect(await createAudience({ friendIds: [theirFriend.friendId] })).toMatchObject({ __typename: 'NotFoundError', field: 'spec.friendIds' });
    const res = await app.gql(`mutation($a: ID!) { createDraft(accountId: $a, kind: NARROWCAST, title: "N", content: { text: "x" }) {
      __typename ... on ValidationError { field } } }`, { a: accountId }, admin.token);
    expect(res.data.createDraft).toEqual({ __typename: 'ValidationError', field: 'audienceId' });
  });
});

describe('R-SAFE-1: previewDelivery', () => {
  const preview = (token: string, id: string) =>
    app.gql(`mutation($d: ID!) { previewDelivery(deliveryId: $d) { __typename ... on MutationPreviewDeliverySuccess { data {
      recipientCount quotaUnits quotaRemaining approvalRequired approverUserIds
      blockers { code rule details } } } } }`, { d: id }, token)
      .then((r) => r.data.previewDelivery.data);

  test('shows recipients, quota, approval and what would block the send, and writes nothing', async () => {
    const small = await createAudience({ attributes: { city: 'Nagoya' } });
    const draft = await app.gql(`mutation($a: ID!, $au: ID!) { createDraft(accountId: $a, kind: NARROWCAST, audienceId: $au, title: "P", content: { text: "x" }) {
      ... on MutationCreateDraftSuccess { data { id } } } }`, { a: accountId, au: small.data.id }, admin.token);
    const id = draft.data.createDraft.data.id;
    const before = { messages: await app.db.prisma.message.count(), audit: await app.db.prisma.auditEvent.count() };
    const shown = await preview(admin.token, id);
    expect(shown).toMatchObject({
      recipientCount: 0,
      quotaUnits: 0,
      approvalRequired: false,
      approverUserIds: [dbId(admin.userId)],
      blockers: [{ code: 'AUDIENCE_TOO_SMALL', rule: 'R-TAG-2', details: { minimum: 50, count: 0 } }],
    });
    expect(await app.db.prisma.message.count()).toBe(before.messages);
    expect(await app.db.prisma.auditEvent.count()).toBe(before.audit);
  });

  test('a broadcast by a member without send permission needs approval, and counts every following friend', async () => {
    const drafter = await (await import('../helpers/scenario.ts')).addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND');
    const draft = await app.gql(`mutation($a: ID!) { createDraft(accountId: $a, kind: BROADCAST, title: "B", content: { text: "all" }) {
      ... on MutationCreateDraftSuccess { data { id } } } }`, { a: accountId }, drafter.token);
    const shown = await preview(drafter.token, draft.data.createDraft.data.id);
    expect(shown).toMatchObject({ recipientCount: 50, quotaUnits: 50, approvalRequired: true, blockers: [] });
  });
});
