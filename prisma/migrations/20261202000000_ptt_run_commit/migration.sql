-- CreateTable
CREATE TABLE "ptt_run_commit" (
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "committed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ptt_run_commit_pkey" PRIMARY KEY ("workflow_id","run_id","kind")
);

-- CreateIndex
CREATE INDEX "ptt_run_commit_committed_at_idx" ON "ptt_run_commit"("committed_at");

