import type { TestApp } from './test-app.ts';

/** Adds `count` following friends, each with a chat, in two set-based statements (fan-out tests need hundreds). */
export async function seedFollowers(app: TestApp, accountId: string, count: number, label = 'bulk'): Promise<void> {
  const followedAt = new Date(app.clock.now().getTime() - 60_000);
  await app.db.prisma.$executeRaw`
    INSERT INTO "Friend" ("accountId", "displayName", status, "followedAt", "statusChangedAt")
    SELECT ${accountId}::uuid, ${label} || ' ' || n, 'FOLLOWING', ${followedAt}, ${followedAt} FROM generate_series(1, ${count}::int) AS n`;
  await app.db.prisma.$executeRaw`
    INSERT INTO "Chat" ("accountId", "friendId", "createdAt")
    SELECT f."accountId", f.id, ${followedAt} FROM "Friend" f
    WHERE f."accountId" = ${accountId}::uuid AND NOT EXISTS (SELECT 1 FROM "Chat" c WHERE c."friendId" = f.id)`;
}
