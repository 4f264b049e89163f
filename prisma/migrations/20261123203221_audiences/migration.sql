-- CreateEnum
CREATE TYPE "AudienceKind" AS ENUM ('CHAT_TAG', 'ATTRIBUTE', 'FRIEND_LIST');

-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "audienceId" UUID;

-- CreateTable
CREATE TABLE "Audience" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "accountId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AudienceKind" NOT NULL,
    "spec" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Audience_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Audience_accountId_createdAt_idx" ON "Audience"("accountId", "createdAt");

-- AddForeignKey
ALTER TABLE "Audience" ADD CONSTRAINT "Audience_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delivery" ADD CONSTRAINT "Delivery_audienceId_fkey" FOREIGN KEY ("audienceId") REFERENCES "Audience"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
