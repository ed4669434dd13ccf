-- Extra e-mail recipients of one run, or of each run of a schedule (`notify.to`).
ALTER TABLE "TaskRun" ADD COLUMN "notifyTo" JSONB;
ALTER TABLE "Schedule" ADD COLUMN "notifyTo" JSONB;

-- The address a rule or a submission named; null: the run's owner.
ALTER TABLE "NotificationDelivery" ADD COLUMN "recipientAddress" TEXT;

-- Addresses outside an organization's users that unsubscribed from its mails.
CREATE TABLE "EmailSuppression" (
    "organizationId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailSuppression_pkey" PRIMARY KEY ("organizationId","address")
);

ALTER TABLE "EmailSuppression" ADD CONSTRAINT "EmailSuppression_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
