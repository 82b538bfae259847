/**
 * The set-based update every chunk baseline runs (graphile-worker batch jobs, the Temporal chunk
 * floor, the SQL ceiling): lock the page's records that still match, re-checked under the lock,
 * and update them, in one statement (one transaction, one round trip).
 */
export const CHUNK_UPDATE_SQL = `UPDATE "Ticket" SET status = 'processed', "updatedAt" = now()
  WHERE id IN (SELECT id FROM "Ticket" WHERE id = ANY($1::int[]) AND status = 'open' ORDER BY id FOR UPDATE)`;

/** The per-record update of graphile-worker's one-job-per-record row. */
export const RECORD_UPDATE_SQL = `UPDATE "Ticket" SET status = 'processed', "processedAt" = now() WHERE id = $1`;

/** Keyset page of the ids still to process. */
export const PAGE_SQL = `SELECT id FROM "Ticket" WHERE status = 'open' AND id > $1 ORDER BY id LIMIT $2`;

/**
 * The same statement for a chunk with exactly-once bookkeeping (expert-chunk-db): locked rows are
 * skipped (left to the run holding them, as the library's claim does), and the ids written are
 * returned for the commit marker.
 */
export const CHUNK_UPDATE_ONCE_SQL = `UPDATE "Ticket" SET status = 'processed', "updatedAt" = now()
  WHERE id IN (SELECT id FROM "Ticket" WHERE id = ANY($1::int[]) AND status = 'open' ORDER BY id FOR UPDATE SKIP LOCKED) RETURNING id`;
