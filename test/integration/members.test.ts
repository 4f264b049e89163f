import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import {
  accept,
  addMember,
  createAccount,
  dbId,
  invite,
  MEMBER_RESULT_FIELDS,
  seedMembers,
  signUp,
  type SignedIn,
  uniqueEmail,
} from '../helpers/scenario.ts';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ INVITATION_TTL: '7d' });
});
afterAll(() => app.close());

const MEMBERS = `query($id: ID!) { account(id: $id) { memberCount members(first: 100) { edges { node { id role user { email } } } } } }`;

const mutation = (name: string, args: string, params: string) => `mutation(${params}) { ${name}(${args}) {
  ${MEMBER_RESULT_FIELDS}
  ... on Mutation${name[0]!.toUpperCase()}${name.slice(1)}Success { data { id role } }
} }`;
const CHANGE_ROLE = mutation('changeMemberRole', 'memberId: $id, role: $role', '$id: ID!, $role: Role!');
const REMOVE = mutation('removeMember', 'memberId: $id', '$id: ID!');
const LEAVE = mutation('leaveAccount', 'accountId: $id', '$id: ID!');

async function memberIdOf(accountId: string, user: SignedIn): Promise<string> {
  const res = await app.gql(MEMBERS, { id: accountId }, user.token);
  return res.data.account.members.edges.find((e: any) => e.node.user.email === user.email).node.id;
}

describe('createAccount', () => {
  test('the creator becomes the first ADMIN and sees the account', async () => {
    const owner = await signUp(app);
    const accountId = await createAccount(app, owner.token, 'Ramen Ichiban');
    const res = await app.gql(`query($id: ID!) { account(id: $id) { name viewerRole memberCount memberLimit recallWindowSeconds
      members { edges { node { role user { email } } } } } }`, { id: accountId }, owner.token);
    expect(res.data.account).toEqual({
      name: 'Ramen Ichiban',
      viewerRole: 'ADMIN',
      memberCount: 1,
      memberLimit: 100,
      recallWindowSeconds: 3600,
      members: { edges: [{ node: { role: 'ADMIN', user: { email: owner.email } } }] },
    });
  });

  test('an over-long name is refused and nothing is created', async () => {
    const owner = await signUp(app);
    const before = await app.db.prisma.account.count();
    const res = await app.gql(`mutation($n: String!) { createAccount(name: $n) { __typename ... on ValidationError { field limit code } } }`,
      { n: 'x'.repeat(101) }, owner.token);
    expect(res.data.createAccount).toEqual({ __typename: 'ValidationError', field: 'name', limit: 100, code: 'INVALID_INPUT' });
    expect(await app.db.prisma.account.count()).toBe(before);
  });
});

describe('invitations', () => {
  test('invite then accept makes a member with the invited role', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const invitee = await signUp(app);
    const invitation = await invite(app, admin.token, accountId, invitee.email.toUpperCase(), 'OPERATOR_NO_SEND');
    expect(invitation.data).toMatchObject({ email: invitee.email, role: 'OPERATOR_NO_SEND', status: 'PENDING' });
    const mine = await app.gql(`{ viewer { invitations { edges { node { id accountName } } } } }`, {}, invitee.token);
    expect(mine.data.viewer.invitations.edges.map((e: any) => e.node.id)).toEqual([invitation.data.id]);

    const joined = await accept(app, invitee.token, invitation.data);
    expect(joined).toMatchObject({ __typename: 'MutationAcceptInvitationSuccess', data: { role: 'OPERATOR_NO_SEND' } });
    const again = await accept(app, invitee.token, invitation.data);
    expect(again).toMatchObject({ __typename: 'ConflictError', code: 'INVITATION_NOT_PENDING' });
    expect((await app.gql(MEMBERS, { id: accountId }, admin.token)).data.account.memberCount).toBe(2);
  });

  test('only the invited email can accept; to anyone else the invitation does not exist', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const invitation = await invite(app, admin.token, accountId, uniqueEmail('someone'));
    const stranger = await signUp(app);
    const res = await accept(app, stranger.token, invitation.data);
    expect(res).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'invitationId' });
  });

  // Issue 14 row 1: the email was the only proof, and anyone can sign up with it.
  test('a stranger who signs up with the invited email cannot accept without the code: nothing is written', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const invited = uniqueEmail('new-cfo');
    const invitation = await invite(app, admin.token, accountId, invited, 'ADMIN');
    const hijacker = await signUp(app, invited);
    const listed = await app.gql(`{ viewer { invitations { edges { node { id code } } } } }`, {}, hijacker.token);
    expect(listed.data.viewer.invitations.edges).toEqual([{ node: { id: invitation.data.id, code: null } }]);

    for (const code of ['', 'dgni_guess', invitation.data.code.slice(0, -1) + (invitation.data.code.endsWith('A') ? 'B' : 'A')]) {
      const res = await accept(app, hijacker.token, { id: invitation.data.id, code });
      expect(res).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'invitationId' });
    }
    expect((await app.gql(MEMBERS, { id: accountId }, admin.token)).data.account.memberCount).toBe(1);
    expect((await app.db.prisma.invitation.findUniqueOrThrow({ where: { id: dbId(invitation.data.id) } })).status).toBe('PENDING');
  });

  test('the code is shown once and only its hash is stored; re-inviting issues a new code and the old one stops working', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const invitee = await signUp(app);
    const first = await invite(app, admin.token, accountId, invitee.email);
    expect(first.data.code).toMatch(/^dgni_[A-Za-z0-9_-]{43}$/);
    const stored = await app.db.prisma.invitation.findUniqueOrThrow({ where: { id: dbId(first.data.id) } });
    expect(stored.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(first.data.code.slice(5));
    const node = await app.gql(`query($id: ID!) { node(id: $id) { ... on Invitation { code } } }`, { id: first.data.id }, admin.token);
    expect(node.data.node).toEqual({ code: null });

    const second = await invite(app, admin.token, accountId, invitee.email);
    expect(second.data.id).toBe(first.data.id);
    expect(second.data.code).not.toBe(first.data.code);
    expect(await accept(app, invitee.token, first.data)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await accept(app, invitee.token, second.data)).toMatchObject({ __typename: 'MutationAcceptInvitationSuccess' });
  });

  test('the code alone is not enough: another user holding it cannot accept', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const invitation = await invite(app, admin.token, accountId, uniqueEmail('meant-for'));
    const other = await signUp(app);
    expect(await accept(app, other.token, invitation.data)).toMatchObject({ __typename: 'NotFoundError', field: 'invitationId' });
  });

  test('an expired invitation cannot be accepted', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const invitee = await signUp(app);
    const invitation = await invite(app, admin.token, accountId, invitee.email);
    app.clock.advance(7 * 86_400_000);
    expect(await accept(app, invitee.token, invitation.data)).toMatchObject({ __typename: 'ConflictError', code: 'INVITATION_EXPIRED' });
  });

  test('inviting an existing member is ALREADY_MEMBER; a malformed email is a ValidationError', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    expect(await invite(app, admin.token, accountId, admin.email)).toMatchObject({ __typename: 'ConflictError', code: 'ALREADY_MEMBER' });
    expect(await invite(app, admin.token, accountId, 'nope')).toMatchObject({ __typename: 'ValidationError', field: 'email' });
  });

  test('a revoked invitation cannot be accepted', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const invitee = await signUp(app);
    const invitation = await invite(app, admin.token, accountId, invitee.email);
    const revoked = await app.gql(`mutation($id: ID!) { revokeInvitation(invitationId: $id) { __typename } }`, { id: invitation.data.id }, admin.token);
    expect(revoked.data.revokeInvitation.__typename).toBe('MutationRevokeInvitationSuccess');
    expect(await accept(app, invitee.token, invitation.data)).toMatchObject({ code: 'INVITATION_NOT_PENDING' });
  });
});

describe('R-MEMBER-1: at most 100 members', () => {
  test('the 100th member joins; the 101st invitation and accept are refused with MEMBER_LIMIT_REACHED', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    await seedMembers(app, accountId, 98); // 99 with the admin
    const late = await signUp(app);
    const lateInvitation = await invite(app, admin.token, accountId, late.email);

    await addMember(app, admin.token, accountId, 'OPERATOR'); // the 100th
    const full = (await app.gql(MEMBERS, { id: accountId }, admin.token)).data.account;
    expect(full.memberCount).toBe(100);
    expect(full.members.edges).toHaveLength(100);

    const refusedInvite = await invite(app, admin.token, accountId, uniqueEmail());
    expect(refusedInvite).toMatchObject({ __typename: 'LimitReachedError', code: 'MEMBER_LIMIT_REACHED', rule: 'R-MEMBER-1', max: 100 });
    const refusedAccept = await accept(app, late.token, lateInvitation.data);
    expect(refusedAccept).toMatchObject({ __typename: 'LimitReachedError', code: 'MEMBER_LIMIT_REACHED', max: 100 });

    const account = await app.db.prisma.account.findUniqueOrThrow({ where: { id: dbId(accountId) } });
    expect(account.memberCount).toBe(100);
    expect(await app.db.prisma.member.count({ where: { accountId: account.id } })).toBe(100);
    // The refused accept left the invitation pending: nothing half-written.
    expect((await app.db.prisma.invitation.findUniqueOrThrow({ where: { id: dbId(lateInvitation.data.id) } })).status).toBe('PENDING');
  });

  test('the database itself refuses a 101st member count (CHECK constraint)', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    await expect(
      app.db.prisma.account.update({ where: { id: dbId(accountId) }, data: { memberCount: 101 } }),
    ).rejects.toThrow(/check constraint|Account_memberCount_range/i);
  });
});

describe('R-MEMBER-2: roles', () => {
  test.each(['OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'] as const)(
    '%s cannot invite, change roles or remove members (FORBIDDEN), and nothing changes',
    async (role) => {
      const admin = await signUp(app);
      const accountId = await createAccount(app, admin.token);
      const member = await addMember(app, admin.token, accountId, role);
      const adminMemberId = await memberIdOf(accountId, admin);
      const auditBefore = await app.db.prisma.auditEvent.count();

      const inviteRes = await app.gql(`mutation($a: ID!) { inviteMember(accountId: $a, email: "x@example.test", role: ADMIN) { __typename } }`,
        { a: accountId }, member.token);
      expect(inviteRes.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const promote = await app.gql(CHANGE_ROLE, { id: member.memberId, role: 'ADMIN' }, member.token);
      expect(promote.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const remove = await app.gql(REMOVE, { id: adminMemberId }, member.token);
      expect(remove.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const audit = await app.gql(`query($id: ID!) { account(id: $id) { auditEvents { edges { node { action } } } } }`, { id: accountId }, member.token);
      expect(audit.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      expect(await app.db.prisma.invitation.count({ where: { email: 'x@example.test' } })).toBe(0);
      expect((await app.db.prisma.member.findUniqueOrThrow({ where: { id: dbId(member.memberId) } })).role).toBe(role);
      expect(await app.db.prisma.auditEvent.count()).toBe(auditBefore);
    },
  );

  test('an ADMIN changes roles and removes members; every member can list members', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const member = await addMember(app, admin.token, accountId, 'OPERATOR');
    expect((await app.gql(CHANGE_ROLE, { id: member.memberId, role: 'OPERATOR_NO_SEND_NO_STATS' }, admin.token)).data.changeMemberRole)
      .toMatchObject({ data: { role: 'OPERATOR_NO_SEND_NO_STATS' } });
    expect((await app.gql(MEMBERS, { id: accountId }, member.token)).data.account.members.edges).toHaveLength(2);
    expect((await app.gql(REMOVE, { id: member.memberId }, admin.token)).data.removeMember.__typename).toBe('MutationRemoveMemberSuccess');
    expect((await app.gql(MEMBERS, { id: accountId }, member.token)).data.account).toBeNull();
    expect((await app.gql(MEMBERS, { id: accountId }, admin.token)).data.account.memberCount).toBe(1);
  });

  test('a role change takes effect on the next request', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const member = await addMember(app, admin.token, accountId, 'ADMIN');
    await app.gql(CHANGE_ROLE, { id: member.memberId, role: 'OPERATOR' }, admin.token);
    const res = await app.gql(`mutation($a: ID!) { inviteMember(accountId: $a, email: "y@example.test", role: ADMIN) { __typename } }`,
      { a: accountId }, member.token);
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('R-MEMBER-3: an account always keeps an ADMIN', () => {
  test('the last ADMIN can neither leave, be removed nor be demoted', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    await addMember(app, admin.token, accountId, 'OPERATOR');
    const adminMemberId = await memberIdOf(accountId, admin);
    const lastAdmin = { __typename: 'LastAdminError', code: 'LAST_ADMIN', rule: 'R-MEMBER-3' };

    expect((await app.gql(LEAVE, { id: accountId }, admin.token)).data.leaveAccount).toMatchObject(lastAdmin);
    expect((await app.gql(REMOVE, { id: adminMemberId }, admin.token)).data.removeMember).toMatchObject(lastAdmin);
    expect((await app.gql(CHANGE_ROLE, { id: adminMemberId, role: 'OPERATOR' }, admin.token)).data.changeMemberRole).toMatchObject(lastAdmin);

    const account = await app.db.prisma.account.findUniqueOrThrow({ where: { id: dbId(accountId) }, include: { members: true } });
    expect(account).toMatchObject({ memberCount: 2, adminCount: 1 });
    expect(account.members.find((m) => m.id === dbId(adminMemberId))?.role).toBe('ADMIN');
  });

  test('with a second ADMIN, the first may leave', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const second = await addMember(app, admin.token, accountId, 'ADMIN');
    expect((await app.gql(LEAVE, { id: accountId }, admin.token)).data.leaveAccount.__typename).toBe('MutationLeaveAccountSuccess');
    // …and now the second is the last one.
    expect((await app.gql(LEAVE, { id: accountId }, second.token)).data.leaveAccount).toMatchObject({ code: 'LAST_ADMIN' });
    expect(await app.db.prisma.account.findUniqueOrThrow({ where: { id: dbId(accountId) } })).toMatchObject({ memberCount: 1, adminCount: 1 });
  });

  test('two ADMINs demoting each other at once leave one ADMIN', async () => {
    const a = await signUp(app);
    const accountId = await createAccount(app, a.token);
    const b = await addMember(app, a.token, accountId, 'ADMIN');
    const aId = await memberIdOf(accountId, a);
    const results = await Promise.all([
      app.gql(CHANGE_ROLE, { id: aId, role: 'OPERATOR' }, b.token),
      app.gql(CHANGE_ROLE, { id: b.memberId, role: 'OPERATOR' }, a.token),
    ]);
    const typenames = results.map((r) => r.data?.changeMemberRole?.__typename ?? r.errors?.[0]?.extensions?.code).sort();
    // One wins; the other is refused as last admin, or as no longer an ADMIN.
    expect(typenames[0]).toBe('FORBIDDEN' === typenames[0] ? 'FORBIDDEN' : 'LastAdminError');
    expect(await app.db.prisma.member.count({ where: { accountId: dbId(accountId), role: 'ADMIN' } })).toBe(1);
  });
});

describe('audit log', () => {
  test('member and role changes are recorded and readable by ADMINs, newest first', async () => {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token);
    const member = await addMember(app, admin.token, accountId, 'OPERATOR');
    await app.gql(CHANGE_ROLE, { id: member.memberId, role: 'OPERATOR_NO_SEND' }, admin.token);
    await app.gql(REMOVE, { id: member.memberId }, admin.token);
    const res = await app.gql(`query($id: ID!) { account(id: $id) { auditEvents(first: 10) { edges { node { action actorUserId subjectType data createdAt } } } } }`,
      { id: accountId }, admin.token);
    const events = res.data.account.auditEvents.edges.map((e: any) => e.node);
    expect(events.map((e: any) => e.action)).toEqual([
      'member.removed', 'member.role_changed', 'member.joined', 'member.invited', 'account.created',
    ]);
    expect(events[1]).toMatchObject({ actorUserId: dbId(admin.userId), subjectType: 'Member', data: { from: 'OPERATOR', to: 'OPERATOR_NO_SEND' } });
    expect(events[2].actorUserId).toBe(dbId(member.userId));
    expect(events[0].createdAt).toBe(app.clock.now().toISOString());
  });
});
