-- AlterEnum
ALTER TYPE "MessageKind" ADD VALUE 'TEST';

-- CreateTable
CREATE TABLE "TestRecipientCode" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "accountId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "codeHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "claimedAt" TIMESTAMPTZ(3),
    "claimedByFriendId" UUID,

    CONSTRAINT "TestRecipientCode_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "TestRecipientCode_codeHash_key" ON "TestRecipientCode"("codeHash");

-- CreateIndex
CREATE INDEX "TestRecipientCode_accountId_userId_idx" ON "TestRecipientCode"("accountId", "userId");

-- CreateIndex
CREATE INDEX "TestRecipient_friendId_idx" ON "TestRecipient"("friendId");

-- R-SAFE-2: a test recipient must be provably the member's own friend
-- account. Links made before codes existed named any friend, unverified:
-- they are dropped, and members link their phones again with a code.
DELETE FROM "TestRecipient";
