import type { AppDeps } from './deps.ts';
import { hashPassword } from './auth/password.ts';
import { FRIEND_TOKEN_PREFIX, newToken } from './auth/token.ts';
import { encodeGlobalId } from './graphql/global-id.ts';
import type { Role } from './generated/prisma/enums.ts';

const DEMO_ACCOUNT = 'Dengon Demo Cafe';
const DEMO_FRIEND = 'Yui (demo friend)';
const DEMO_PASSWORD = 'demo-password-123';
const ROLES: Role[] = ['ADMIN', 'OPERATOR', 'OPERATOR_NO_SEND', 'OPERATOR_NO_SEND_NO_STATS'];

/**
 * Fills the database with a demo account and one member per role, and
 * returns a printable sheet of fresh tokens. Running it again reuses the
 * same users and account and just issues new tokens.
 */
export async function seedDemo(deps: Pick<AppDeps, 'db' | 'clock' | 'config'>): Promise<string> {
  const { prisma } = deps.db;
  const now = deps.clock.now();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const rows = await prisma.$transaction(async (tx) => {
    const users = [];
    for (const role of ROLES) {
      const email = `${role.toLowerCase().replaceAll('_', '-')}@demo.dengon.dev`;
      const user =
        (await tx.user.findUnique({ where: { email } })) ??
        (await tx.user.create({ data: { email, displayName: `Demo ${role}`, passwordHash, createdAt: now } }));
      users.push({ role, user });
    }
    const account =
      (await tx.account.findFirst({ where: { name: DEMO_ACCOUNT } })) ??
      (await tx.account.create({
        data: {
          name: DEMO_ACCOUNT,
          createdAt: now,
          memberCount: users.length,
          adminCount: users.filter((u) => u.role === 'ADMIN').length,
          members: { create: users.map(({ role, user }) => ({ userId: user.id, role, createdAt: now })) },
        },
      }));
    const sheet = [];
    for (const { role, user } of users) {
      const { token, hash } = newToken();
      await tx.accessToken.create({
        data: { userId: user.id, tokenHash: hash, createdAt: now, expiresAt: new Date(now.getTime() + deps.config.tokenTtlMs) },
      });
      sheet.push({ role, email: user.email, token });
    }
    // A friend who has written once, so the chat is open (R-CHAT-1) and members can reply.
    let friend = await tx.friend.findFirst({ where: { accountId: account.id, displayName: DEMO_FRIEND } });
    if (!friend) {
      friend = await tx.friend.create({
        data: { accountId: account.id, displayName: DEMO_FRIEND, followedAt: now, statusChangedAt: now, chat: { create: { accountId: account.id, createdAt: now, openedAt: now } } },
      });
      const chat = await tx.chat.findUniqueOrThrow({ where: { friendId: friend.id } });
      const hello = await tx.message.create({
        data: { accountId: account.id, chatId: chat.id, direction: 'INCOMING', kind: 'CHAT', contentType: 'text', content: { type: 'text', text: 'Hi! Is the matcha latte back?' }, sentAt: now },
      });
      await tx.chat.update({ where: { id: chat.id }, data: { lastMessageAt: now, lastMessageId: hello.id, unreadCount: 1 } });
    }
    const friendToken = newToken(FRIEND_TOKEN_PREFIX);
    await tx.friendToken.create({ data: { friendId: friend.id, tokenHash: friendToken.hash, createdAt: now } });
    return { account, sheet, friendToken: friendToken.token };
  });
  const lines = rows.sheet.map((r) => `  ${r.role.padEnd(26)} ${r.email.padEnd(40)} ${r.token}`);
  return [
    `Demo account "${DEMO_ACCOUNT}" is ready. Password for every demo user: ${DEMO_PASSWORD}`,
    'In GraphiQL, open "Headers" and paste {"Authorization": "Bearer <token>"} with one of these tokens:',
    ...lines,
    `  ${'FRIEND (chat widget side)'.padEnd(26)} ${DEMO_FRIEND.padEnd(40)} ${rows.friendToken}`,
    `Account id: ${encodeGlobalId('Account', rows.account.id)}`,
  ].join('\n');
}
