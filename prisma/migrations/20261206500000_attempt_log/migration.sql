-- Each attempt of a run, as the ledger records it: a JSON list of
-- {attempt, startedAt, endedAt?, outcome?, error?, nextAttemptAt?}, the last 25 kept.
-- Null for runs written before this column, which the console shows as their row tells.
-- Added on the partitioned parent: PostgreSQL adds it to every partition. No index, no constraint.
ALTER TABLE "TaskRun" ADD COLUMN "attemptLog" JSONB;
