-- Several channels of a kind per organization, each under a name; '' is the default one.
ALTER TABLE "NotificationChannel" ADD COLUMN "name" TEXT NOT NULL DEFAULT '';

-- DropIndex
DROP INDEX "NotificationChannel_organizationId_kind_key";

-- CreateIndex
CREATE UNIQUE INDEX "NotificationChannel_organizationId_kind_name_key" ON "NotificationChannel"("organizationId", "kind", "name");
