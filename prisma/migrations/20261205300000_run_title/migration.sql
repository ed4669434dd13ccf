-- AlterTable
ALTER TABLE "TaskRun" ADD COLUMN "title" TEXT;
