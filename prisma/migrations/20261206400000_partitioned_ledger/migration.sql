-- The ledger becomes declaratively partitioned by time, so retention drops a day's partition
-- instead of deleting its rows one by one (docs/scale.md).
--
-- Run ids are UUIDv7: their first 48 bits are the creation time in ms, so their text sorts by
-- time and "TaskRun" is partitioned BY RANGE (id). A delivery lives in the partition of its run
-- ("NotificationDelivery" BY RANGE ("runId"), same bounds): a day's runs and their deliveries go
-- together. The partitions live in the schema "ledger_partitions"; "public" keeps exactly the
-- tables of schema.prisma.
--
-- Written without naming the tables' columns (LIKE ... / SELECT *), so columns that earlier
-- migrations add are carried over. Every index, key, foreign key and trigger of the two tables is
-- recreated below, by name.

CREATE SCHEMA IF NOT EXISTS "ledger_partitions";

-- The smallest UUIDv7 text of a millisecond: partition bounds.
CREATE FUNCTION herald_uuidv7_floor(at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7000-8000-000000000000'
  FROM (SELECT lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') AS h) ms
$$;

ALTER TABLE "NotificationDelivery" RENAME TO "NotificationDelivery_old";
ALTER TABLE "TaskRun" RENAME TO "TaskRun_old";

CREATE TABLE "TaskRun" (LIKE "TaskRun_old" INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING COMMENTS)
  PARTITION BY RANGE (id);
CREATE TABLE "NotificationDelivery" (LIKE "NotificationDelivery_old" INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING COMMENTS)
  PARTITION BY RANGE ("runId");

-- Rows whose id matches no range partition (an id from a clock far off, a range not created
-- yet): a run never fails for want of a partition. The maintenance job moves them into ranges.
CREATE TABLE "ledger_partitions"."TaskRun_default" PARTITION OF "TaskRun" DEFAULT;
CREATE TABLE "ledger_partitions"."NotificationDelivery_default" PARTITION OF "NotificationDelivery" DEFAULT;

-- Ids that are not this era's UUIDv7 go into two permanent ranges, emptied by batched deletes:
-- "_low" below today's first UUIDv7, "_high" from '02000000-…' (a UUIDv7 of 2039) up. They hold
-- the random UUIDv4 ids written before this migration (spread over the whole key space) and the
-- ids BullMQ's job schedulers give scheduled runs ('repeat:…'). The few UUIDv4 ids in between
-- stay in the default partition until the day range that covers them is created, which moves them.
DO $$
DECLARE
  today timestamptz := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  high_start text := '02000000-0000-7000-8000-000000000000';
  day_start timestamptz;
  suffix text;
BEGIN
  EXECUTE format('CREATE TABLE "ledger_partitions"."TaskRun_low" PARTITION OF "TaskRun" FOR VALUES FROM (MINVALUE) TO (%L)', herald_uuidv7_floor(today));
  EXECUTE format('CREATE TABLE "ledger_partitions"."NotificationDelivery_low" PARTITION OF "NotificationDelivery" FOR VALUES FROM (MINVALUE) TO (%L)', herald_uuidv7_floor(today));
  EXECUTE format('CREATE TABLE "ledger_partitions"."TaskRun_high" PARTITION OF "TaskRun" FOR VALUES FROM (%L) TO (MAXVALUE)', high_start);
  EXECUTE format('CREATE TABLE "ledger_partitions"."NotificationDelivery_high" PARTITION OF "NotificationDelivery" FOR VALUES FROM (%L) TO (MAXVALUE)', high_start);
  -- Today and the next two days; the maintenance job keeps a week ahead from then on.
  FOR i IN 0..2 LOOP
    day_start := today + i * interval '1 day';
    suffix := to_char(day_start AT TIME ZONE 'UTC', 'YYYYMMDD');
    EXECUTE format('CREATE TABLE "ledger_partitions".%I PARTITION OF "TaskRun" FOR VALUES FROM (%L) TO (%L)',
      'TaskRun_' || suffix, herald_uuidv7_floor(day_start), herald_uuidv7_floor(day_start + interval '1 day'));
    EXECUTE format('CREATE TABLE "ledger_partitions".%I PARTITION OF "NotificationDelivery" FOR VALUES FROM (%L) TO (%L)',
      'NotificationDelivery_' || suffix, herald_uuidv7_floor(day_start), herald_uuidv7_floor(day_start + interval '1 day'));
  END LOOP;
END $$;

-- Every row moves; the counts in "LedgerCount" already include them (no trigger on the new
-- tables yet).
INSERT INTO "TaskRun" SELECT * FROM "TaskRun_old";
INSERT INTO "NotificationDelivery" SELECT * FROM "NotificationDelivery_old";

-- Below, the two tables' keys, indexes, foreign keys and triggers are recreated from a list. One
-- that a later change added and the list lacks would be lost silently: stop instead.
DO $$
DECLARE
  unknown text;
BEGIN
  SELECT string_agg(name, ', ') INTO unknown FROM (
    SELECT indexrelid::regclass::text AS name FROM pg_index
    WHERE indrelid IN ('"TaskRun_old"'::regclass, '"NotificationDelivery_old"'::regclass)
    UNION ALL SELECT conname FROM pg_constraint
    WHERE conrelid IN ('"TaskRun_old"'::regclass, '"NotificationDelivery_old"'::regclass)
    UNION ALL SELECT tgname FROM pg_trigger
    WHERE tgrelid IN ('"TaskRun_old"'::regclass, '"NotificationDelivery_old"'::regclass) AND NOT tgisinternal
  ) found
  WHERE replace(name, '"', '') NOT IN (
    'TaskRun_pkey', 'TaskRun_organizationId_createdAt_id_idx', 'TaskRun_organizationId_status_createdAt_idx',
    'TaskRun_status_updatedAt_idx', 'TaskRun_parentId_idx', 'TaskRun_finishedAt_idx',
    'TaskRun_organizationId_fkey', 'TaskRun_userId_fkey',
    'TaskRun_count_insert', 'TaskRun_count_update', 'TaskRun_count_delete',
    'NotificationDelivery_pkey', 'NotificationDelivery_idempotencyKey_key', 'NotificationDelivery_runId_idx',
    'NotificationDelivery_digestKey_idx', 'NotificationDelivery_status_createdAt_idx',
    'NotificationDelivery_organizationId_createdAt_idx', 'NotificationDelivery_runId_fkey',
    'NotificationDelivery_organizationId_fkey',
    'NotificationDelivery_count_insert', 'NotificationDelivery_count_update', 'NotificationDelivery_count_delete');
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION 'TaskRun / NotificationDelivery have % that this migration does not recreate: add them to it', unknown;
  END IF;
END $$;

-- Drops the old tables' keys, indexes, foreign keys and triggers with them, freeing the names.
DROP TABLE "NotificationDelivery_old";
DROP TABLE "TaskRun_old";

-- A unique key of a partitioned table must contain the partition key. A run's id is its key as
-- before. A delivery is unique by (id, "runId"), and by ("runId", "idempotencyKey"): the key
-- starts with the run's id, so the guarantee is the one the old unique key gave.
ALTER TABLE "TaskRun" ADD CONSTRAINT "TaskRun_pkey" PRIMARY KEY ("id");
CREATE INDEX "TaskRun_organizationId_createdAt_id_idx" ON "TaskRun"("organizationId", "createdAt" DESC, "id" DESC);
CREATE INDEX "TaskRun_organizationId_status_createdAt_idx" ON "TaskRun"("organizationId", "status", "createdAt" DESC);
CREATE INDEX "TaskRun_status_updatedAt_idx" ON "TaskRun"("status", "updatedAt");
CREATE INDEX "TaskRun_parentId_idx" ON "TaskRun"("parentId");
CREATE INDEX "TaskRun_finishedAt_idx" ON "TaskRun"("finishedAt");

ALTER TABLE "NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_pkey" PRIMARY KEY ("id", "runId");
-- Also serves lookups by "runId" (the former "NotificationDelivery_runId_idx").
CREATE UNIQUE INDEX "NotificationDelivery_runId_idempotencyKey_key" ON "NotificationDelivery"("runId", "idempotencyKey");
CREATE INDEX "NotificationDelivery_digestKey_idx" ON "NotificationDelivery"("digestKey");
CREATE INDEX "NotificationDelivery_status_createdAt_idx" ON "NotificationDelivery"("status", "createdAt");
CREATE INDEX "NotificationDelivery_organizationId_createdAt_idx" ON "NotificationDelivery"("organizationId", "createdAt");

ALTER TABLE "TaskRun" ADD CONSTRAINT "TaskRun_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "TaskRun" ADD CONSTRAINT "TaskRun_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A run's deliveries removed by the cascade of its key are deleted from their partition by name,
-- which fires no statement trigger of "NotificationDelivery": each delivery partition counts those
-- itself. The maintenance job moves rows between partitions by name too, and says so
-- (herald.moving_rows) so they are not counted as removed.
CREATE FUNCTION herald_count_cascaded_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('herald.moving_rows', true) = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO "LedgerCount" (kind, task, status, shard, count)
  SELECT 'delivery', '', status::text, pg_backend_pid() % 16, -count(*) FROM old_rows
  GROUP BY status ORDER BY status
  ON CONFLICT (kind, task, status, shard) DO UPDATE SET count = "LedgerCount".count + EXCLUDED.count;
  RETURN NULL;
END $$;

-- A delivery's run: one foreign key per pair of partitions ("NotificationDelivery_<range>" to
-- "TaskRun_<range>") rather than one between the parents. A run and its deliveries share a range,
-- so it is the same rule; and with it a run partition can be dropped once its delivery partition
-- is gone, without the scan of every delivery that detaching a partition referenced by the parent
-- key makes under an exclusive lock on "TaskRun". The maintenance job adds the key to each pair
-- it creates.
DO $$
DECLARE
  part record;
BEGIN
  FOR part IN
    SELECT substr(c.relname, length('NotificationDelivery_') + 1) AS suffix FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"NotificationDelivery"'::regclass
  LOOP
    EXECUTE format('ALTER TABLE "ledger_partitions".%I ADD CONSTRAINT %I FOREIGN KEY ("runId") REFERENCES "ledger_partitions".%I ("id") ON DELETE CASCADE ON UPDATE CASCADE',
      'NotificationDelivery_' || part.suffix, 'NotificationDelivery_' || part.suffix || '_runId_fkey', 'TaskRun_' || part.suffix);
    EXECUTE format('CREATE TRIGGER "NotificationDelivery_count_cascade" AFTER DELETE ON "ledger_partitions".%I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION herald_count_cascaded_deliveries()',
      'NotificationDelivery_' || part.suffix);
  END LOOP;
END $$;

-- The /metrics counters (20261205200000_ledger_counts_retention). Statement triggers on a
-- partitioned table see the rows of every partition a statement touches.
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
