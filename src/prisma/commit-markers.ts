/**
 * Commit markers (effectively-once actions). A run's action (and its `onError`) writes one row in
 * its own transaction: `(workflow id, run id, kind)`. If the worker dies after that transaction
 * committed but before Temporal recorded the attempt's result, the next look (the attempt run
 * again, or the workflow asking after an attempt that never returned) finds the row and reports
 * what it did: the action never runs twice and the run never ends `cancelled` because its own
 * write changed the record. Rows older than 7 days are pruned by the worker.
 *
 * A record run's markers are `action` and `onError` (each commits at most once per run). A chunk
 * attempt commits some of its records and leaves others, so its marker is `action:<attempt>` (or
 * `onError:<attempt>`) and carries the attempt's per-record result in `result` (JSON): a retry
 * leaves out what earlier attempts committed, and a lost attempt's result is read back exactly.
 *
 * The table is the user's (a Prisma model, docs/reliability.md); the library reads and writes
 * it with SQL. `defineApp({ commitMarkers: false })` turns markers off.
 */
import type { App } from '../definitions/define';
import { qualifiedTable } from './sql';

/** `action`, `onError`; a chunk attempt's are `action:<attempt>` / `onError:<attempt>`. */
export type MarkerKind = 'action' | 'onError' | `${'action' | 'onError'}:${number}`;

/** Days a marker is kept: longer than any retry of the run it belongs to. */
export const MARKER_RETENTION_DAYS = 7;

function tableOf(app: App): string | undefined {
  if (!app.commitMarkers) return undefined;
  return qualifiedTable(app.commitMarkers.table, app.commitMarkers.schema);
}

type Queryable = { $queryRawUnsafe: (sql: string, ...values: unknown[]) => Promise<unknown>; $executeRawUnsafe: (sql: string, ...values: unknown[]) => Promise<unknown> };

/** Whether the run's `kind` already committed (reads in `db`: a transaction or the client). */
export async function hasCommitted(db: Queryable, app: App, workflowId: string, runId: string, kind: MarkerKind): Promise<boolean> {
  const table = tableOf(app);
  if (!table) return false;
  const rows = (await db.$queryRawUnsafe(`SELECT 1 FROM ${table} WHERE "workflow_id" = $1 AND "run_id" = $2 AND "kind" = $3`, workflowId, runId, kind)) as unknown[];
  return rows.length > 0;
}

/**
 * The kinds the run has committed, and the server process of the transaction asking (one round
 * trip; the process id lets an abandoned attempt's transaction be ended from outside).
 */
export async function committedKinds(tx: Queryable, app: App, workflowId: string, runId: string): Promise<{ pid: number; kinds: Set<string> }> {
  const table = tableOf(app);
  const sql = table
    ? `SELECT pg_backend_pid() AS pid, ARRAY(SELECT "kind" FROM ${table} WHERE "workflow_id" = $1 AND "run_id" = $2) AS kinds`
    : 'SELECT pg_backend_pid() AS pid, ARRAY[]::text[] AS kinds';
  const rows = (await (table ? tx.$queryRawUnsafe(sql, workflowId, runId) : tx.$queryRawUnsafe(sql))) as { pid: number; kinds: string[] }[];
  return { pid: Number(rows[0]?.pid), kinds: new Set(rows[0]?.kinds ?? []) };
}

/**
 * Takes the run's transaction-scoped advisory lock: two attempts of one run (a lost one still
 * running and the next) never overlap, so the second always sees what the first committed.
 * Returns the server process of the transaction.
 */
export async function lockRun(tx: Queryable, workflowId: string, runId: string): Promise<number> {
  const rows = (await tx.$queryRawUnsafe(`SELECT pg_backend_pid() AS pid, pg_advisory_xact_lock(hashtextextended($1, 0))::text AS locked`, `ptt-run:${workflowId}:${runId}`)) as { pid: number }[];
  return Number(rows[0]?.pid);
}

export interface StoredMarker {
  kind: string;
  attempt: number;
  /** The per-record result a chunk attempt stored (null: none, or written by an older version). */
  result: unknown;
}

/** Every marker of the run, with the results chunk attempts stored. */
export async function readMarkers(db: Queryable, app: App, workflowId: string, runId: string): Promise<StoredMarker[]> {
  const table = tableOf(app);
  if (!table) return [];
  const rows = (await db.$queryRawUnsafe(`SELECT "kind", "attempt", "result" FROM ${table} WHERE "workflow_id" = $1 AND "run_id" = $2`, workflowId, runId)) as { kind: string; attempt: number; result: string | null }[];
  return rows.map((r) => ({ kind: r.kind, attempt: Number(r.attempt), result: r.result === null ? null : (JSON.parse(r.result) as unknown) }));
}

/**
 * Writes the marker inside the action's transaction (a second writer for the same run and kind
 * fails on the key). `result` (chunk attempts) is stored as JSON.
 */
export async function markCommitted(tx: Queryable, app: App, workflowId: string, runId: string, kind: MarkerKind, attempt: number, result?: unknown): Promise<void> {
  const table = tableOf(app);
  if (!table) return;
  if (result === undefined) await tx.$executeRawUnsafe(`INSERT INTO ${table} ("workflow_id", "run_id", "kind", "attempt") VALUES ($1, $2, $3, $4)`, workflowId, runId, kind, attempt);
  else await tx.$executeRawUnsafe(`INSERT INTO ${table} ("workflow_id", "run_id", "kind", "attempt", "result") VALUES ($1, $2, $3, $4, $5)`, workflowId, runId, kind, attempt, JSON.stringify(result));
}

/** Deletes markers older than the retention; returns how many. */
export async function pruneCommitMarkers(db: Queryable, app: App, olderThanDays = MARKER_RETENTION_DAYS): Promise<number> {
  const table = tableOf(app);
  if (!table) return 0;
  return Number(await db.$executeRawUnsafe(`DELETE FROM ${table} WHERE "committed_at" < now() - make_interval(days => $1)`, olderThanDays));
}

/**
 * The probe boot runs: throws the database's error when the table is missing, or (`results`: the
 * app has chunk triggers) when it lacks the `result` column chunk attempts store their results in.
 */
export async function probeCommitMarkers(db: Queryable, app: App, results = false): Promise<void> {
  const table = tableOf(app);
  if (table) await db.$queryRawUnsafe(`SELECT "kind"${results ? ', "result"' : ''} FROM ${table} WHERE false`);
}
