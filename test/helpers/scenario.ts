// Arrange-steps through the public API, plus bulk fixtures written straight
// to the database where the API would be needlessly slow (100 members).
import { hashToken, newToken } from '../../src/auth/token.ts';
import type { Role } from '../../src/generated/prisma/enums.ts';
import { encodeGlobalId } from '../../src/graphql/global-id.ts';
import type { TestApp } from './test-app.ts';

export const PASSWORD = 'correct horse battery';

let counter = 0;
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  return `${label}${counter}-${process.pid}@example.test`;
}

export type SignedIn = { token: string; userId: string; email: string };

export async function signUp(app: TestApp, email = uniqueEmail(), displayName = 'Test User'): Promise<SignedIn> {
  const res = await app.gql(
    `mutation($email: String!, $password: String!, $displayName: String!) {
      signUp(email: $email, password: $password, displayName: $displayName) {
        __typename
        ... on MutationSignUpSuccess { data { token user { id email } } }
        ... on Error { code message }
      }
    }`,
    { email, password: PASSWORD, displayName },
  );
  const result = res.data?.signUp;
  if (result?.__typename !== 'MutationSignUpSuccess') throw new Error(`signUp failed: ${JSON.stringify(res)}`);
  return { token: result.data.token, userId: result.data.user.id, email };
}

export async function createAccount(app: TestApp, token: string, name = 'Cafe Dengon'): Promise<string> {
  const res = await app.gql(
    `mutation($name: String!) { createAccount(name: $name) {
      __typename ... on MutationCreateAccountSuccess { data { id } } ... on Error { code message } } }`,
    { name },
    token,
  );
  if (res.data?.createAccount.__typename !== 'MutationCreateAccountSuccess') throw new Error(`createAccount failed: ${JSON.stringify(res)}`);
  return res.data.createAccount.data.id;
}

/** Selects any typed error by its interface; add per-type spreads where the union has them. */
export const RESULT_FIELDS = `__typename ... on Error { code rule message }`;
export const MEMBER_RESULT_FIELDS = `${RESULT_FIELDS}
  ... on ValidationError { field limit }
  ... on NotFoundError { field }
  ... on LimitReachedError { max: limit }`;

export async function invite(app: TestApp, token: string, accountId: string, email: string, role: Role = 'OPERATOR') {
  const res = await app.gql(
    `mutation($accountId: ID!, $email: String!, $role: Role!) {
      inviteMember(accountId: $accountId, email: $email, role: $role) {
        ${MEMBER_RESULT_FIELDS}
        ... on MutationInviteMemberSuccess { data { id email role status code } }
      }
    }`,
    { accountId, email, role },
    token,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.inviteMember;
}

/** Accepts with the invitation's id and secret code (from invite()'s data). */
export async function accept(app: TestApp, token: string, invitation: { id: string; code: string }) {
  const res = await app.gql(
    `mutation($id: ID!, $code: String!) { acceptInvitation(invitationId: $id, code: $code) {
      ${MEMBER_RESULT_FIELDS}
      ... on MutationAcceptInvitationSuccess { data { id role } }
    } }`,
    { id: invitation.id, code: invitation.code },
    token,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.acceptInvitation;
}

/** Invites and accepts through the API; returns the new member's global id. */
export async function addMember(app: TestApp, adminToken: string, accountId: string, role: Role, user?: SignedIn) {
  const who = user ?? (await signUp(app));
  const invitation = await invite(app, adminToken, accountId, who.email, role);
  const member = await accept(app, who.token, invitation.data);
  if (member.__typename !== 'MutationAcceptInvitationSuccess') throw new Error(JSON.stringify(member));
  return { ...who, memberId: member.data.id as string };
}

export function dbId(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
}

export function globalId(typename: string, id: string): string {
  return encodeGlobalId(typename, id);
}

/**
 * Users with valid tokens, inserted in bulk (scrypt-hashing 100 passwords
 * through signUp would spend seconds on nothing under test).
 */
export async function seedUsers(app: TestApp, count: number, label = 'bulk'): Promise<SignedIn[]> {
  const now = app.clock.now();
  const users: SignedIn[] = [];
  for (let i = 0; i < count; i++) {
    const email = uniqueEmail(label);
    const { token } = newToken();
    const user = await app.db.prisma.user.create({
      data: { email, displayName: `${label} ${i}`, passwordHash: 'not-a-login', createdAt: now },
    });
    await app.db.prisma.accessToken.create({
      data: { userId: user.id, tokenHash: hashToken(token), createdAt: now, expiresAt: new Date(now.getTime() + 86_400_000) },
    });
    users.push({ token, userId: globalId('User', user.id), email });
  }
  return users;
}

/** Adds members straight to the database, keeping the account's counters true. */
export async function seedMembers(app: TestApp, accountGlobalId: string, count: number, role: Role = 'OPERATOR') {
  const accountId = dbId(accountGlobalId);
  const users = await seedUsers(app, count, 'member');
  await app.db.prisma.$transaction(async (tx) => {
    await tx.member.createMany({
      data: users.map((u) => ({ accountId, userId: dbId(u.userId), role, createdAt: app.clock.now() })),
    });
    await tx.account.update({
      where: { id: accountId },
      data: { memberCount: { increment: count }, adminCount: { increment: role === 'ADMIN' ? count : 0 } },
    });
  });
  return users;
}
