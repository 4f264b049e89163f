-- CreateEnum
CREATE TYPE "PluginRunStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED');

-- CreateTable
CREATE TABLE "PluginRun" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "accountId" UUID NOT NULL,
    "installationId" UUID NOT NULL,
    "pluginId" TEXT NOT NULL,
    "hook" TEXT NOT NULL,
    "eventId" UUID NOT NULL,
    "eventType" TEXT NOT NULL,
    "eventPayload" JSONB NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "status" "PluginRunStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
    "lastError" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PluginRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PluginRun_status_nextAttemptAt_idx" ON "PluginRun"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "PluginRun_accountId_createdAt_id_idx" ON "PluginRun"("accountId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "PluginRun_installationId_hook_eventId_key" ON "PluginRun"("installationId", "hook", "eventId");

-- AddForeignKey
ALTER TABLE "PluginRun" ADD CONSTRAINT "PluginRun_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PluginRun" ADD CONSTRAINT "PluginRun_installationId_fkey" FOREIGN KEY ("installationId") REFERENCES "PluginInstallation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
