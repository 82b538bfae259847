-- AlterTable: chunk attempts store which records they committed (see README, Commit markers)
ALTER TABLE "ptt_run_commit" ADD COLUMN "result" TEXT;
