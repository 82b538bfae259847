/**
 * How fault cases prove their fault happened: what the killed worker's connections were doing at
 * the moment of the kill, read from pg_stat_activity by the `application_name` each fault worker
 * process gives its connections.
 */
import { Client } from 'pg';

/** The `application_name` of a fault worker process's database connections. */
export function workerAppName(pid: number | undefined): string {
  return `ptt-fault-${pid ?? 'unknown'}`;
}

export interface Activity {
  /** Connections of the worker inside a transaction (an attempt's, holding its locks). */
  inTransaction: number;
  /** Connections of the worker running a page query on `table` (a scheduler's: it has a LIMIT). */
  querying: number;
}

/** What the worker's connections are doing now. */
export async function activityOf(databaseUrl: string, appName: string, table = 'Ticket'): Promise<Activity> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ in_tx: string; querying: string }>(
      `SELECT count(*) FILTER (WHERE xact_start IS NOT NULL) AS in_tx,
              count(*) FILTER (WHERE state = 'active' AND query ILIKE $2) AS querying
         FROM pg_stat_activity WHERE application_name = $1`,
      [appName, `%FROM%"${table}"%LIMIT%`],
    );
    return { inTransaction: Number(rows[0]?.in_tx ?? 0), querying: Number(rows[0]?.querying ?? 0) };
  } finally {
    await c.end();
  }
}
