-- Retention: finished runs are found by when they finished.
CREATE INDEX "TaskRun_finishedAt_idx" ON "TaskRun"("finishedAt");

-- Counts of runs (by task and status) and deliveries (by status) for /metrics, kept by the
-- statement-level triggers below so a scrape reads a few rows instead of counting the ledger.
-- Each backend adds to its own shard (pg_backend_pid() % 16): concurrent writers rarely wait on
-- the same counter row. A reader sums the shards.
CREATE TABLE "LedgerCount" (
    "kind" TEXT NOT NULL,
    "task" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "LedgerCount_pkey" PRIMARY KEY ("kind","task","status","shard")
);

-- One function per table; the transition tables it reads depend on the event (TG_OP).
-- Rows are upserted in key order so two writers sharing a shard lock them in the same order.
CREATE FUNCTION herald_count_task_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "LedgerCount" (kind, task, status, shard, count)
    SELECT 'run', task, status::text, pg_backend_pid() % 16, count(*) FROM new_rows
    GROUP BY task, status ORDER BY task, status
    ON CONFLICT (kind, task, status, shard) DO UPDATE SET count = "LedgerCount".count + EXCLUDED.count;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "LedgerCount" (kind, task, status, shard, count)
    SELECT 'run', task, status::text, pg_backend_pid() % 16, -count(*) FROM old_rows
    GROUP BY task, status ORDER BY task, status
    ON CONFLICT (kind, task, status, shard) DO UPDATE SET count = "LedgerCount".count + EXCLUDED.count;
  ELSE
    INSERT INTO "LedgerCount" (kind, task, status, shard, count)
    SELECT 'run', d.task, d.status, pg_backend_pid() % 16, sum(d.delta) FROM (
      SELECT task, status::text AS status, 1 AS delta FROM new_rows
      UNION ALL SELECT task, status::text, -1 FROM old_rows
    ) d GROUP BY d.task, d.status HAVING sum(d.delta) <> 0 ORDER BY d.task, d.status
    ON CONFLICT (kind, task, status, shard) DO UPDATE SET count = "LedgerCount".count + EXCLUDED.count;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION herald_count_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "LedgerCount" (kind, task, status, shard, count)
    SELECT 'delivery', '', status::text, pg_backend_pid() % 16, count(*) FROM new_rows
    GROUP BY status ORDER BY status
    ON CONFLICT (kind, task, status, shard) DO UPDATE SET count = "LedgerCount".count + EXCLUDED.count;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "LedgerCount" (kind, task, status, shard, count)
    SELECT 'delivery', '', status::text, pg_backend_pid() % 16, -count(*) FROM old_rows
    GROUP BY status ORDER BY status
    ON CONFLICT (kind, task, status, shard) DO UPDATE SET count = "LedgerCount".count + EXCLUDED.count;
  ELSE
    INSERT INTO "LedgerCount" (kind, task, status, shard, count)
    SELECT 'delivery', '', d.status, pg_backend_pid() % 16, sum(d.delta) FROM (
      SELECT status::text AS status, 1 AS delta FROM new_rows
      UNION ALL SELECT status::text, -1 FROM old_rows
    ) d GROUP BY d.status HAVING sum(d.delta) <> 0 ORDER BY d.status
    ON CONFLICT (kind, task, status, shard) DO UPDATE SET count = "LedgerCount".count + EXCLUDED.count;
  END IF;
  RETURN NULL;
END $$;

-- A trigger with transition tables takes one event (a PostgreSQL rule): three per table.
CREATE TRIGGER "TaskRun_count_insert" AFTER INSERT ON "TaskRun"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_count_task_runs();
CREATE TRIGGER "TaskRun_count_update" AFTER UPDATE ON "TaskRun"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_count_task_runs();
CREATE TRIGGER "TaskRun_count_delete" AFTER DELETE ON "TaskRun"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_count_task_runs();
CREATE TRIGGER "NotificationDelivery_count_insert" AFTER INSERT ON "NotificationDelivery"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_count_deliveries();
CREATE TRIGGER "NotificationDelivery_count_update" AFTER UPDATE ON "NotificationDelivery"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_count_deliveries();
CREATE TRIGGER "NotificationDelivery_count_delete" AFTER DELETE ON "NotificationDelivery"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_count_deliveries();

-- The rows already there, counted once. CREATE TRIGGER holds a lock that keeps writers out
-- until this migration commits, so no write falls between the triggers and the count.
INSERT INTO "LedgerCount" (kind, task, status, shard, count)
SELECT 'run', task, status::text, 0, count(*) FROM "TaskRun" GROUP BY task, status;
INSERT INTO "LedgerCount" (kind, task, status, shard, count)
SELECT 'delivery', '', status::text, 0, count(*) FROM "NotificationDelivery" GROUP BY status;
