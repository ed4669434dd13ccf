-- A schedule may put its planned fire time into each run's input under this key.
ALTER TABLE "Schedule" ADD COLUMN "kickoffTimeInput" TEXT;
