-- CreateIndex
CREATE INDEX "TaskRun_status_updatedAt_idx" ON "TaskRun"("status", "updatedAt");
