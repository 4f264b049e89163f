import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { addMember, createAccount, globalId, invite, signUp, type SignedIn } from '../helpers/scenario.ts';

// An id from an account you are not a member of behaves exactly like a
// missing id: same response, byte for byte, for every query and mutation.

let app: TestApp;
let outsider: SignedIn;
let foreign: { accountId: string; memberId: string; adminMemberId: string; invitationId: string; invitationCode: string };
let missing: typeof foreign;

beforeAll(async () => {
  app = await createTestApp();
  const owner = await signUp(app);
  const accountId = await createAccount(app, owner.token, 'Someone Else');
  const member = await addMember(app, owner.token, accountId, 'OPERATOR');
  const invitation = await invite(app, owner.token, accountId, 'pending@example.test');
  const adminMemberId = (await app.gql(`query($id: ID!) { account(id: $id) { members { edges { node { id role } } } } }`, { id: accountId }, owner.token))
    .data.account.members.edges.find((e: any) => e.node.role === 'ADMIN').node.id;
  foreign = { accountId, memberId: member.memberId, adminMemberId, invitationId: invitation.data.id, invitationCode: invitation.data.code };
  missing = {
    accountId: globalId('Account', randomUUID()),
    memberId: globalId('Member', randomUUID()),
    adminMemberId: globalId('Member', randomUUID()),
    invitationId: globalId('Invitation', randomUUID()),
    invitationCode: 'dgni_unknown',
  };
  outsider = await signUp(app);
  await createAccount(app, outsider.token, 'My Own');
});
afterAll(() => app.close());

const CASES: [string, string, (ids: typeof foreign) => Record<string, unknown>][] = [
  ['account(id)', `query($id: ID!) { account(id: $id) { id name } }`, (ids) => ({ id: ids.accountId })],
  ['node(account)', `query($id: ID!) { node(id: $id) { id } }`, (ids) => ({ id: ids.accountId })],
  ['node(member)', `query($id: ID!) { node(id: $id) { id } }`, (ids) => ({ id: ids.memberId })],
  ['node(invitation)', `query($id: ID!) { node(id: $id) { id } }`, (ids) => ({ id: ids.invitationId })],
  ['inviteMember', `mutation($id: ID!) { inviteMember(accountId: $id, email: "z@example.test", role: OPERATOR) { __typename ... on Error { code message } } }`, (ids) => ({ id: ids.accountId })],
  ['changeMemberRole', `mutation($id: ID!) { changeMemberRole(memberId: $id, role: ADMIN) { __typename ... on Error { code message } } }`, (ids) => ({ id: ids.memberId })],
  ['removeMember', `mutation($id: ID!) { removeMember(memberId: $id) { __typename ... on Error { code message } } }`, (ids) => ({ id: ids.adminMemberId })],
  ['leaveAccount', `mutation($id: ID!) { leaveAccount(accountId: $id) { __typename ... on Error { code message } } }`, (ids) => ({ id: ids.accountId })],
  ['revokeInvitation', `mutation($id: ID!) { revokeInvitation(invitationId: $id) { __typename ... on Error { code message } } }`, (ids) => ({ id: ids.invitationId })],
  ['acceptInvitation', `mutation($id: ID!, $code: String!) { acceptInvitation(invitationId: $id, code: $code) { __typename ... on Error { code message } } }`, (ids) => ({ id: ids.invitationId, code: ids.invitationCode })],
];

describe('tenancy: a foreign id is a missing id', () => {
  test.each(CASES)('%s', async (_name, query, vars) => {
    const auditBefore = await app.db.prisma.auditEvent.count();
    const membersBefore = await app.db.prisma.member.findMany({ orderBy: { id: 'asc' } });
    const onForeign = await app.gql(query, vars(foreign), outsider.token);
    const onMissing = await app.gql(query, vars(missing), outsider.token);
    expect(onForeign).toEqual(onMissing);
    expect(JSON.stringify(onForeign)).not.toContain('Someone Else');
    // Nothing changed in the other account.
    expect(await app.db.prisma.auditEvent.count()).toBe(auditBefore);
    expect(await app.db.prisma.member.findMany({ orderBy: { id: 'asc' } })).toEqual(membersBefore);
  });

  test('listing shows only your own accounts', async () => {
    const res = await app.gql(`{ viewer { memberships { account { name } } } }`, {}, outsider.token);
    expect(res.data.viewer.memberships).toEqual([{ account: { name: 'My Own' } }]);
  });
});
