-- CreateEnum
CREATE TYPE "FriendStatus" AS ENUM ('FOLLOWING', 'BLOCKED', 'UNFOLLOWED');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('INCOMING', 'OUTGOING');

-- CreateEnum
CREATE TYPE "MessageKind" AS ENUM ('CHAT', 'BROADCAST', 'NARROWCAST', 'STEP', 'GREETING', 'AUTO_RESPONSE', 'GROUP', 'API');

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "chatTagCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "Friend" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "accountId" UUID NOT NULL,
    "displayName" TEXT NOT NULL,
    "status" "FriendStatus" NOT NULL DEFAULT 'FOLLOWING',
    "notificationsEnabled" BOOLEAN NOT NULL DEFAULT true,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "tagCount" INTEGER NOT NULL DEFAULT 0,
    "followedAt" TIMESTAMPTZ(3) NOT NULL,
    "statusChangedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Friend_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FriendToken" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "friendId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "FriendToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Chat" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "accountId" UUID NOT NULL,
    "friendId" UUID NOT NULL,
    "openedAt" TIMESTAMPTZ(3),
    "lastMessageAt" TIMESTAMPTZ(3),
    "unreadCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Chat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Message" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seq" BIGSERIAL NOT NULL,
    "accountId" UUID NOT NULL,
    "chatId" UUID NOT NULL,
    "direction" "MessageDirection" NOT NULL,
    "kind" "MessageKind" NOT NULL,
    "senderUserId" UUID,
    "contentType" TEXT NOT NULL,
    "content" JSONB,
    "sentAt" TIMESTAMPTZ(3) NOT NULL,
    "notifiedAt" TIMESTAMPTZ(3),
    "readByFriendAt" TIMESTAMPTZ(3),
    "recalledAt" TIMESTAMPTZ(3),
    "recalledByUserId" UUID,
    "hiddenForAccountAt" TIMESTAMPTZ(3),
    "hiddenByUserId" UUID,

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Report" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "accountId" UUID NOT NULL,
    "messageId" UUID NOT NULL,
    "friendId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdempotencyRecord" (
    "accountId" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "resultId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("accountId","scope","key")
);

-- CreateTable
CREATE TABLE "ChatTag" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "accountId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "nameKey" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ChatTag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FriendTag" (
    "friendId" UUID NOT NULL,
    "tagId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "FriendTag_pkey" PRIMARY KEY ("friendId","tagId")
);

-- CreateIndex
CREATE INDEX "Friend_accountId_status_followedAt_id_idx" ON "Friend"("accountId", "status", "followedAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "FriendToken_tokenHash_key" ON "FriendToken"("tokenHash");

-- CreateIndex
CREATE INDEX "FriendToken_friendId_idx" ON "FriendToken"("friendId");

-- CreateIndex
CREATE UNIQUE INDEX "Chat_friendId_key" ON "Chat"("friendId");

-- CreateIndex
CREATE INDEX "Chat_accountId_lastMessageAt_id_idx" ON "Chat"("accountId", "lastMessageAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Message_chatId_seq_idx" ON "Message"("chatId", "seq");

-- CreateIndex
CREATE INDEX "Message_accountId_idx" ON "Message"("accountId");

-- CreateIndex
CREATE INDEX "Report_accountId_idx" ON "Report"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "Report_messageId_friendId_key" ON "Report"("messageId", "friendId");

-- CreateIndex
CREATE UNIQUE INDEX "ChatTag_accountId_nameKey_key" ON "ChatTag"("accountId", "nameKey");

-- CreateIndex
CREATE INDEX "FriendTag_tagId_idx" ON "FriendTag"("tagId");

-- AddForeignKey
ALTER TABLE "Friend" ADD CONSTRAINT "Friend_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FriendToken" ADD CONSTRAINT "FriendToken_friendId_fkey" FOREIGN KEY ("friendId") REFERENCES "Friend"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Chat" ADD CONSTRAINT "Chat_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Chat" ADD CONSTRAINT "Chat_friendId_fkey" FOREIGN KEY ("friendId") REFERENCES "Friend"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_chatId_fkey" FOREIGN KEY ("chatId") REFERENCES "Chat"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_senderUserId_fkey" FOREIGN KEY ("senderUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Report" ADD CONSTRAINT "Report_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Report" ADD CONSTRAINT "Report_friendId_fkey" FOREIGN KEY ("friendId") REFERENCES "Friend"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatTag" ADD CONSTRAINT "ChatTag_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FriendTag" ADD CONSTRAINT "FriendTag_friendId_fkey" FOREIGN KEY ("friendId") REFERENCES "Friend"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FriendTag" ADD CONSTRAINT "FriendTag_tagId_fkey" FOREIGN KEY ("tagId") REFERENCES "ChatTag"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Tag limits (see src/limits.ts), kept by counters in the same transaction as the rows.
ALTER TABLE "Account" ADD CONSTRAINT "Account_chatTagCount_range" CHECK ("chatTagCount" >= 0 AND "chatTagCount" <= 200);
ALTER TABLE "Friend" ADD CONSTRAINT "Friend_tagCount_range" CHECK ("tagCount" >= 0 AND "tagCount" <= 10);
-- R-RECALL-3: a recalled message has no content.
ALTER TABLE "Message" ADD CONSTRAINT "Message_recalled_has_no_content" CHECK ("recalledAt" IS NULL OR "content" IS NULL);
