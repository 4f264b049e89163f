-- CreateIndex
CREATE INDEX "PluginRun_status_updatedAt_idx" ON "PluginRun"("status", "updatedAt");
