-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "businessHours" JSONB,
ADD COLUMN     "timeZone" TEXT NOT NULL DEFAULT 'UTC';

-- CreateTable
CREATE TABLE "ApprovalRequest" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "deliveryId" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "requiredApprovals" INTEGER NOT NULL,
    "roles" "Role"[],
    "excludeAuthor" BOOLEAN NOT NULL,
    "sources" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ApprovalRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PluginInstallation" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "accountId" UUID NOT NULL,
    "pluginId" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "config" JSONB NOT NULL,
    "version" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PluginInstallation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PluginState" (
    "installationId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PluginState_pkey" PRIMARY KEY ("installationId","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApprovalRequest_deliveryId_revision_key" ON "ApprovalRequest"("deliveryId", "revision");

-- CreateIndex
CREATE UNIQUE INDEX "PluginInstallation_accountId_pluginId_key" ON "PluginInstallation"("accountId", "pluginId");

-- AddForeignKey
ALTER TABLE "ApprovalRequest" ADD CONSTRAINT "ApprovalRequest_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "Delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PluginInstallation" ADD CONSTRAINT "PluginInstallation_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PluginState" ADD CONSTRAINT "PluginState_installationId_fkey" FOREIGN KEY ("installationId") REFERENCES "PluginInstallation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-added: the plugin state store stays small (limits in src/limits.ts).
ALTER TABLE "PluginState" ADD CONSTRAINT "PluginState_key_length" CHECK (char_length("key") BETWEEN 1 AND 100);
ALTER TABLE "PluginState" ADD CONSTRAINT "PluginState_value_size" CHECK (octet_length("value"::text) <= 4096);
ALTER TABLE "ApprovalRequest" ADD CONSTRAINT "ApprovalRequest_required_nonnegative" CHECK ("requiredApprovals" >= 0);
