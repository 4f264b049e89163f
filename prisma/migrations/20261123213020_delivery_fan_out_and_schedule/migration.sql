-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN     "fanOutCursor" UUID,
ADD COLUMN     "quotaReserved" INTEGER,
ADD COLUMN     "scheduledAt" TIMESTAMPTZ(3),
ADD COLUMN     "scheduledByUserId" UUID,
ADD COLUMN     "sendStartedAt" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "Delivery_status_scheduledAt_idx" ON "Delivery"("status", "scheduledAt");

-- CreateIndex
CREATE INDEX "Friend_accountId_status_id_idx" ON "Friend"("accountId", "status", "id");
