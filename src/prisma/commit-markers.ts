/**
 * Commit markers (effectively-once actions). A run's action (and its `onError`) writes one row in
 * its own transaction: `(workflow id, run id, kind)`. If the worker dies after that transaction
 * committed but before Temporal recorded the attempt's result, the next look (a retried attempt,
 * or the workflow asking after an attempt that never returned) finds the row and reports success:
 * the action never runs twice and the run never ends `cancelled` because its own write changed
 * the record. Rows older than 7 days are pruned by the worker.
 *
 * The table is the user's (a Prisma model, README "Commit markers"); the library reads and writes
 * it with SQL. `defineApp({ commitMarkers: false })` turns markers off.
 */
import type { App } from '../definitions/define';

/** `action`, `onError`; a chunk attempt's are `action:<attempt>` / `onError:<attempt>` (each attempt commits its own records). */
export type MarkerKind = 'action' | 'onError' | `${'action' | 'onError'}:${number}`;

/** Days a marker is kept: longer than any retry of the run it belongs to. */
export const MARKER_RETENTION_DAYS = 7;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function tableOf(app: App): string | undefined {
  if (!app.commitMarkers) return undefined;
  const { table, schema } = app.commitMarkers;
  return schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
}

type Queryable = { $queryRawUnsafe: (sql: string, ...values: unknown[]) => Promise<unknown>; $executeRawUnsafe: (sql: string, ...values: unknown[]) => Promise<unknown> };

/** Whether the run's `kind` already committed (reads in `db`: a transaction or the client). */
export async function hasCommitted(db: Queryable, app: App, workflowId: string, runId: string, kind: MarkerKind): Promise<boolean> {
  const table = tableOf(app);
  if (!table) return false;
  const rows = (await db.$queryRawUnsafe(`SELECT 1 FROM ${table} WHERE "workflow_id" = $1 AND "run_id" = $2 AND "kind" = $3`, workflowId, runId, kind)) as unknown[];
  return rows.length > 0;
}

/** Writes the marker inside the action's transaction (a second writer for the same run fails on the key). */
export async function markCommitted(tx: Queryable, app: App, workflowId: string, runId: string, kind: MarkerKind, attempt: number): Promise<void> {
  const table = tableOf(app);
  if (!table) return;
  await tx.$executeRawUnsafe(`INSERT INTO ${table} ("workflow_id", "run_id", "kind", "attempt") VALUES ($1, $2, $3, $4)`, workflowId, runId, kind, attempt);
}

/** Deletes markers older than the retention; returns how many. */
export async function pruneCommitMarkers(db: Queryable, app: App, olderThanDays = MARKER_RETENTION_DAYS): Promise<number> {
  const table = tableOf(app);
  if (!table) return 0;
  return Number(await db.$executeRawUnsafe(`DELETE FROM ${table} WHERE "committed_at" < now() - make_interval(days => $1)`, olderThanDays));
}

/** The probe boot runs: throws the database's error when the table is missing. */
export async function probeCommitMarkers(db: Queryable, app: App): Promise<void> {
  const table = tableOf(app);
  if (table) await db.$queryRawUnsafe(`SELECT 1 FROM ${table} WHERE false`);
}
