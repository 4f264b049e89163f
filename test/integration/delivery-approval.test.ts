import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, dbId, signUp, type SignedIn } from '../helpers/scenario.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const FIELDS = `__typename
  ... on Error { code rule message }
  ... on InvalidTransitionError { status attempted }
  ... on ValidationError { field limit }`;
const DATA = `id status revision title rejectionReason content { ... on TextContent { text } } approvals { revision userId }`;

const call = (token: string, name: string, args: string, params: string, vars: Record<string, unknown>) =>
  app.gql(`mutation(${params}) { ${name}(${args}) { ${FIELDS} ... on Mutation${name[0]!.toUpperCase()}${name.slice(1)}Success { data { ${DATA} } } } }`, vars, token).then((r) => {
    if (r.errors) return { errors: r.errors };
    return r.data[name];
  });

const draft = (token: string, accountId: string, text = 'Autumn sale: 20% off') =>
  call(token, 'createDraft', 'accountId: $a, kind: BROADCAST, title: "Autumn sale", content: { text: $t }', '$a: ID!, $t: String!', { a: accountId, t: text });
const submit = (token: string, id: string) => call(token, 'submitDraft', 'deliveryId: $d', '$d: ID!', { d: id });
const approve = (token: string, id: string) => call(token, 'approveDelivery', 'deliveryId: $d', '$d: ID!', { d: id });
const reject = (token: string, id: string, reason: string) => call(token, 'rejectDelivery', 'deliveryId: $d, reason: $r', '$d: ID!, $r: String!', { d: id, r: reason });
const edit = (token: string, id: string, text: string) => call(token, 'updateDraft', 'deliveryId: $d, content: { text: $t }', '$d: ID!, $t: String!', { d: id, t: text });
const cancel = (token: string, id: string) => call(token, 'cancelDelivery', 'deliveryId: $d', '$d: ID!', { d: id });

let admin: SignedIn;
let accountId: string;
let drafter: SignedIn & { memberId: string };
beforeAll(async () => {
  admin = await signUp(app);
  accountId = await createAccount(app, admin.token);
  drafter = await addMember(app, admin.token, accountId, 'OPERATOR_NO_SEND');
});

describe('R-APPROVAL-2: the delivery lifecycle', () => {
  test('DRAFT → PENDING_APPROVAL → APPROVED, each step by the right member', async () => {
    const created = await draft(drafter.token, accountId);
    expect(created).toMatchObject({ __typename: 'MutationCreateDraftSuccess', data: { status: 'DRAFT', revision: 1 } });
    const id = created.data.id;
    expect((await submit(drafter.token, id)).data.status).toBe('PENDING_APPROVAL');
    const approved = await approve(admin.token, id);
    expect(approved.data).toMatchObject({ status: 'APPROVED', approvals: [{ revision: 1, userId: dbId(admin.userId) }] });
  });

  test('PENDING_APPROVAL → REJECTED with a reason → DRAFT again on edit', async () => {
    const id = (await draft(drafter.token, accountId)).data.id;
    await submit(drafter.token, id);
    const rejected = await reject(admin.token, id, 'Price is wrong');
    expect(rejected.data).toMatchObject({ status: 'REJECTED', rejectionReason: 'Price is wrong' });
    const edited = await edit(drafter.token, id, 'Autumn sale: 15% off');
    expect(edited.data).toMatchObject({ status: 'DRAFT', revision: 2, rejectionReason: null, content: { text: 'Autumn sale: 15% off' } });
  });

  test('editing an approved draft returns it to DRAFT and voids its approvals', async () => {
    const id = (await draft(drafter.token, accountId)).data.id;
    await submit(drafter.token, id);
    await approve(admin.token, id);
    const edited = await edit(drafter.token, id, 'Sneaky change after approval');
    expect(edited.data).toMatchObject({ status: 'DRAFT', revision: 2 });
    // The old approval is for revision 1: it does not count for revision 2.
    expect(edited.data.approvals).toEqual([{ revision: 1, userId: dbId(admin.userId) }]);
    expect((await submit(drafter.token, id)).data.status).toBe('PENDING_APPROVAL');
  });

  test.each([
    ['approve a DRAFT', async (id: string) => approve(admin.token, id), 'DRAFT', 'approved'],
    ['reject a DRAFT', async (id: string) => reject(admin.token, id, 'no'), 'DRAFT', 'rejected'],
  ])('illegal step (%s) is INVALID_TRANSITION naming the current state, and changes nothing', async (_label, step, status, attempted) => {
    const id = (await draft(drafter.token, accountId)).data.id;
    const before = await app.db.prisma.auditEvent.count();
    expect(await step(id)).toMatchObject({ __typename: 'InvalidTransitionError', code: 'INVALID_TRANSITION', rule: 'R-APPROVAL-2', status, attempted });
    expect((await app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).status).toBe('DRAFT');
    expect(await app.db.prisma.auditEvent.count()).toBe(before);
  });

  test('a submitted delivery cannot be submitted twice; a cancelled one cannot be edited', async () => {
    const id = (await draft(drafter.token, accountId)).data.id;
    await submit(drafter.token, id);
    expect(await submit(drafter.token, id)).toMatchObject({ code: 'INVALID_TRANSITION', status: 'PENDING_APPROVAL' });
    expect((await cancel(drafter.token, id)).data.status).toBe('CANCELLED');
    expect(await edit(drafter.token, id, 'x')).toMatchObject({ code: 'INVALID_TRANSITION', status: 'CANCELLED', attempted: 'edited' });
  });
});

describe('R-APPROVAL-1: who may', () => {
  test.each(['OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const)('%s cannot approve or reject (FORBIDDEN), even their own draft', async (role) => {
    const member = await addMember(app, admin.token, accountId, role);
    const id = (await draft(member.token, accountId)).data.id;
    await submit(member.token, id);
    expect((await approve(member.token, id)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await reject(member.token, id, 'x')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.db.prisma.delivery.findUniqueOrThrow({ where: { id: dbId(id) } })).status).toBe('PENDING_APPROVAL');
    expect(await app.db.prisma.deliveryApproval.count({ where: { deliveryId: dbId(id) } })).toBe(0);
  });

  test("members without send permission cannot edit or submit someone else's draft; OPERATORs can approve", async () => {
    const id = (await draft(admin.token, accountId)).data.id;
    expect((await edit(drafter.token, id, 'mine now')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await submit(drafter.token, id)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const operator = await addMember(app, admin.token, accountId, 'OPERATOR');
    await submit(admin.token, id);
    expect((await approve(operator.token, id)).data.status).toBe('APPROVED');
  });

  test('a delivery of another account behaves like a missing one', async () => {
    const id = (await draft(drafter.token, accountId)).data.id;
    const stranger = await signUp(app);
    await createAccount(app, stranger.token);
    const foreign = await approve(stranger.token, id);
    expect(foreign).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });
});

describe('R-APPROVAL-3: every transition is recorded', () => {
  test('history says who did what, when, and what changed', async () => {
    const id = (await draft(drafter.token, accountId, 'v1')).data.id;
    await submit(drafter.token, id);
    app.clock.advance(60_000);
    await reject(admin.token, id, 'typo');
    await edit(drafter.token, id, 'v2');
    const res = await app.gql(`query($d: ID!) { node(id: $d) { ... on Delivery { history { edges { node { action actorUserId data createdAt } } } } } }`, { d: id }, admin.token);
    const history = res.data.node.history.edges.map((e: any) => e.node);
    expect(history.map((h: any) => h.action)).toEqual(['delivery.created', 'delivery.submitted', 'delivery.rejected', 'delivery.updated']);
    expect(history[2]).toMatchObject({ actorUserId: dbId(admin.userId), data: { reason: 'typo', status: 'REJECTED' }, createdAt: app.clock.now().toISOString() });
    expect(history[3]).toMatchObject({
      actorUserId: dbId(drafter.userId),
      data: { from: 'REJECTED', revision: 2, changes: { content: { from: { text: 'v1' }, to: { text: 'v2' } } } },
    });
  });

  test('bad input is a ValidationError and writes nothing', async () => {
    const before = await app.db.prisma.delivery.count();
    expect(await draft(drafter.token, accountId, '')).toMatchObject({ __typename: 'ValidationError', field: 'content.text' });
    const id = (await draft(drafter.token, accountId)).data.id;
    await submit(drafter.token, id);
    expect(await reject(admin.token, id, '   ')).toMatchObject({ __typename: 'ValidationError', field: 'reason' });
    expect(await app.db.prisma.delivery.count()).toBe(before + 1);
  });
});
