-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "quotaOverride" INTEGER;

-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "quotaUnits" INTEGER,
ADD COLUMN     "recipientCount" INTEGER,
ADD COLUMN     "sentAt" TIMESTAMPTZ(3),
ADD COLUMN     "sentByUserId" UUID;

-- CreateTable
CREATE TABLE "DeliveryRecipient" (
    "deliveryId" UUID NOT NULL,
    "friendId" UUID NOT NULL,
    "messageId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DeliveryRecipient_pkey" PRIMARY KEY ("deliveryId","friendId")
);

-- CreateTable
CREATE TABLE "QuotaUsage" (
    "accountId" UUID NOT NULL,
    "month" DATE NOT NULL,
    "used" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "QuotaUsage_pkey" PRIMARY KEY ("accountId","month")
);

-- AddForeignKey
ALTER TABLE "DeliveryRecipient" ADD CONSTRAINT "DeliveryRecipient_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "Delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- R-QUOTA-1: usage never negative (the limit depends on the plan and is checked in the same UPDATE).
ALTER TABLE "QuotaUsage" ADD CONSTRAINT "QuotaUsage_used_range" CHECK ("used" >= 0);
