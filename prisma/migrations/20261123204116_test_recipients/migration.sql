-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "testSendCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "TestRecipient" (
    "accountId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "friendId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TestRecipient_pkey" PRIMARY KEY ("accountId","userId","friendId")
);
