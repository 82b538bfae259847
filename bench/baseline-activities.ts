/** The activities of the hand-written Temporal baselines (bench/baseline-workflows.ts), on the app's PrismaClient. */
import type { PrismaClient } from '../example/prisma-client';
import { CHUNK_UPDATE_ONCE_SQL, CHUNK_UPDATE_SQL, PAGE_SQL } from './chunk-sql';

export function createBaselineActivities(prisma: PrismaClient) {
  return {
    async pageIds(afterId: number, take: number): Promise<number[]> {
      const rows = await prisma.$queryRawUnsafe<{ id: number }[]>(PAGE_SQL, afterId, take);
      return rows.map((r) => r.id);
    },
    async markProcessed(id: number): Promise<void> {
      await prisma.ticket.update({ where: { id }, data: { status: 'processed', processedAt: new Date() } });
    },
    /**
     * The library's database semantics written by hand: in one transaction, lock the record while
     * it still matches (lock and re-check in one statement), look up the run's commit marker (an
     * earlier execution that committed is not done again), update, write the marker.
     */
    async markProcessedOnce(id: number, workflowId: string, runId: string): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const locked = await tx.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM "Ticket" WHERE id = $1 AND status = 'open' FOR UPDATE`, id);
        if (locked.length === 0) return;
        const done = await tx.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM ptt_run_commit WHERE workflow_id = $1 AND run_id = $2 AND kind = 'action'`, workflowId, runId);
        if (done.length) return;
        await tx.ticket.update({ where: { id }, data: { status: 'processed', processedAt: new Date() } });
        await tx.$executeRawUnsafe(`INSERT INTO ptt_run_commit (workflow_id, run_id, kind, attempt) VALUES ($1, $2, 'action', 1)`, workflowId, runId);
      });
    },
    async markChunk(ids: number[]): Promise<void> {
      await prisma.$executeRawUnsafe(CHUNK_UPDATE_SQL, ids);
    },
    /**
     * A chunk with the library's exactly-once guarantees written by hand in SQL: in one
     * transaction, take the run's lock (one execution of it at a time), look up its commit marker
     * (an execution whose result was lost is not done again: its stored result is returned), lock
     * the chunk's rows that still match skipping those another run holds, update them in the same
     * statement, and write the marker with the ids written.
     */
    async markChunkOnce(ids: number[], workflowId: string, runId: string): Promise<number[]> {
      return prisma.$transaction(async (tx) => {
        await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text`, `bench:${workflowId}:${runId}`);
        const done = await tx.$queryRawUnsafe<{ result: string }[]>(`SELECT result FROM ptt_run_commit WHERE workflow_id = $1 AND run_id = $2 AND kind = 'action:1'`, workflowId, runId);
        if (done[0]) return JSON.parse(done[0].result) as number[];
        const written = (await tx.$queryRawUnsafe<{ id: number }[]>(CHUNK_UPDATE_ONCE_SQL, ids)).map((r) => r.id);
        await tx.$executeRawUnsafe(`INSERT INTO ptt_run_commit (workflow_id, run_id, kind, attempt, result) VALUES ($1, $2, 'action:1', 1, $3)`, workflowId, runId, JSON.stringify(written));
        return written;
      });
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
