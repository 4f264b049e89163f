import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.ts';
import { accept, createAccount, dbId, invite, seedMembers, seedUsers, signUp } from '../helpers/scenario.ts';

// R-MEMBER-1 under concurrency. On PostgreSQL (CI's second run) the 20
// accepts really run in parallel on a connection pool; on PGlite they queue.

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

test('R-MEMBER-1: 20 concurrent acceptInvitation at 95 members end with exactly 100 members and 15 MEMBER_LIMIT_REACHED', async () => {
  const admin = await signUp(app);
  const accountId = await createAccount(app, admin.token);
  await seedMembers(app, accountId, 94); // 95 with the admin
  const invitees = await seedUsers(app, 20, 'racer');
  const invitations: { id: string; code: string }[] = [];
  for (const user of invitees) invitations.push((await invite(app, admin.token, accountId, user.email)).data);

  const results = await Promise.all(invitees.map((user, i) => accept(app, user.token, invitations[i]!)));

  const joined = results.filter((r) => r.__typename === 'MutationAcceptInvitationSuccess');
  const refused = results.filter((r) => r.__typename === 'LimitReachedError');
  expect(joined).toHaveLength(5);
  expect(refused).toHaveLength(15);
  for (const r of refused) expect(r).toMatchObject({ code: 'MEMBER_LIMIT_REACHED', rule: 'R-MEMBER-1', max: 100 });

  const id = dbId(accountId);
  expect(await app.db.prisma.member.count({ where: { accountId: id } })).toBe(100);
  expect((await app.db.prisma.account.findUniqueOrThrow({ where: { id } })).memberCount).toBe(100);
  // Refused accepts leave their invitations pending and write no audit row.
  expect(await app.db.prisma.invitation.count({ where: { accountId: id, status: 'PENDING' } })).toBe(15);
  expect(await app.db.prisma.auditEvent.count({ where: { accountId: id, action: 'member.joined' } })).toBe(5);
});
