-- A paused schedule keeps its row but has no job scheduler until it is resumed.
ALTER TABLE "Schedule" ADD COLUMN "paused" BOOLEAN NOT NULL DEFAULT false;
