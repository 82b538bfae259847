/**
 * What the dashboard shows, read from Temporal (and the database for "matching now"): every
 * trigger and scheduled action, one trigger's runs and their chart, one run. Everything comes
 * from visibility, Schedules and histories: the dashboard keeps no state of its own.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { App, ScheduledAction, Trigger } from '../definitions/define';
import { and, quote } from '../client/visibility';
import { NotFoundError } from '../errors';
import { definitionStatus, OUTCOMES, runsOf, runSummaryOf, type DefinitionStatus, type RunSummary } from '../operations/operations';
import type { AnyPrismaClient } from '../prisma/model-meta';
import { redactText } from '../redact';

export interface DefinitionRow extends DefinitionStatus {
  cron?: string;
  timezone?: string;
  /** Runs closed (or still open) in the last hour, by outcome. */
  outcomes1h: Record<string, number>;
}

/** A run as the dashboard lists it: the `runs` command's summary and the run's tags. */
export interface RunRow extends RunSummary {
  tags: string[];
}

export interface RunFilter {
  outcome?: string;
  record?: string;
  tenant?: string;
  tag?: string;
  /** ISO time: runs started at or after it. */
  since?: string;
  limit?: number;
}

const HOUR = 3_600_000;
const definitions = (app: App): (Trigger | ScheduledAction)[] => [...app.triggers, ...app.scheduledActions];

export function definitionOf(app: App, id: string): Trigger | ScheduledAction {
  const def = definitions(app).find((d) => d.id === id);
  if (!def) throw new NotFoundError(`no trigger or scheduled action ${id} in ${app.name}`);
  return def;
}

/** One row of the overview. `lastError.message` is left out unless `payloads` (it may be a decoded payload). */
export async function definitionRow(client: Client, app: App, def: Trigger | ScheduledAction, prisma: AnyPrismaClient | undefined, payloads: boolean): Promise<DefinitionRow> {
  const since = new Date(Date.now() - HOUR).toISOString();
  const base = runsOf(app, def);
  const [status, ...hour] = await Promise.all([
    definitionStatus(client, app, def, prisma),
    ...OUTCOMES.map(async (o) => (await client.workflow.count(and(base, `TriggerOutcome = ${quote(o)}`, `(CloseTime >= ${quote(since)} OR ExecutionStatus = 'Running')`))).count),
  ]);
  const cron = def.kind === 'trigger' ? (def.schedulerCron === false ? undefined : def.schedulerCron) : def.cron;
  const timezone = def.kind === 'trigger' ? def.schedulerTimezone : def.timezone;
  const lastError = status.lastError ? { ...status.lastError, ...(status.lastError.message !== undefined ? { message: payloads ? redactText(status.lastError.message) : 'hidden: seeing run errors needs the `payloads` permission' } : {}) } : undefined;
  return { ...status, ...(lastError ? { lastError } : {}), ...(cron ? { cron } : {}), ...(timezone ? { timezone } : {}), outcomes1h: Object.fromEntries(OUTCOMES.map((o, i) => [o, hour[i] ?? 0])) };
}

export async function overview(client: Client, app: App, prisma: AnyPrismaClient | undefined, payloads: boolean): Promise<DefinitionRow[]> {
  return Promise.all(definitions(app).map((d) => definitionRow(client, app, d, prisma, payloads)));
}

function runRow(wf: Pick<WorkflowExecutionInfo, 'searchAttributes' | 'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime'>): RunRow {
  const { tenant, ...summary } = runSummaryOf(wf);
  // '-' is the tenant attribute of runs without a tenant
  return { ...summary, ...(tenant && tenant !== '-' ? { tenant } : {}), tags: ((wf.searchAttributes?.TriggerTags ?? []) as unknown[]).map(String) };
}

/** A visibility query's rows, newest first (the stock server's SQL visibility has no ORDER BY). */
async function listRows(client: Client, query: string, max: number): Promise<RunRow[]> {
  const out: RunRow[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: Math.min(max, 1000) })) {
    out.push(runRow(wf));
    if (out.length >= max) break;
  }
  return out.sort((a, b) => b.startTime.localeCompare(a.startTime));
}

export async function runs(client: Client, app: App, def: Trigger | ScheduledAction, f: RunFilter): Promise<RunRow[]> {
  const query = and(
    runsOf(app, def),
    f.outcome !== undefined && `TriggerOutcome = ${quote(f.outcome)}`,
    f.record !== undefined && `TriggerRecordId = ${quote(f.record)}`,
    f.tenant !== undefined && `TriggerTenant = ${quote(f.tenant)}`,
    f.tag !== undefined && `TriggerTags = ${quote(f.tag)}`,
    f.since !== undefined && `StartTime >= ${quote(new Date(f.since).toISOString())}`,
  );
  return (await listRows(client, query, 1000)).slice(0, f.limit ?? 50);
}

/** Runs per minute by outcome over the last hour (closed runs, by close time; open ones now). */
export async function chart(client: Client, app: App, def: Trigger | ScheduledAction): Promise<{ minutes: string[]; series: Record<string, number[]> }> {
  const now = Date.now();
  const start = Math.floor((now - HOUR) / 60_000) * 60_000;
  const minutes = Array.from({ length: 61 }, (_, i) => new Date(start + i * 60_000).toISOString());
  const series: Record<string, number[]> = {};
  const rows = await listRows(client, and(runsOf(app, def), `(CloseTime >= ${quote(new Date(start).toISOString())} OR ExecutionStatus = 'Running')`), 5000);
  for (const r of rows) {
    const at = r.closeTime ? Date.parse(r.closeTime) : now;
    const i = Math.min(60, Math.max(0, Math.floor((at - start) / 60_000)));
    const key = r.outcome ?? r.status;
    (series[key] ??= new Array<number>(61).fill(0))[i]!++;
  }
  return { minutes, series };
}

export interface RunDetail extends RunRow {
  workflowType: string;
  kind?: string;
  trigger?: string;
  /** Attempts started (action activities, local or not), timers (snoozes and backoffs), continue-as-new. */
  attemptsStarted: number;
  timers: number;
  historyEvents: number;
  /** The run's result or failure (attempts, snoozes, error): only with the `payloads` permission. */
  result?: unknown;
  error?: string;
  hidden?: string;
}

/** Whether a history event runs the action: an activity task or a local-activity marker of `pttRunAction`. */
function isAttempt(e: temporal.api.history.v1.IHistoryEvent): boolean {
  if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'pttRunAction') return true;
  const m = e.markerRecordedEventAttributes;
  if (m?.markerName !== 'core_local_activity') return false;
  const data = m.details?.data?.payloads?.[0]?.data;
  return data ? Buffer.from(data).toString('utf8').includes('pttRunAction') : false;
}

export async function runDetail(client: Client, workflowId: string, payloads: boolean): Promise<RunDetail> {
  const handle = client.workflow.getHandle(workflowId);
  let d: Awaited<ReturnType<typeof handle.describe>>;
  try {
    d = await handle.describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new NotFoundError(`no workflow ${workflowId} in this namespace`);
    throw err;
  }
  const history = await client.workflow.getHandle(workflowId, d.runId).fetchHistory();
  const events = history.events ?? [];
  const attr = (k: string): string | undefined => (d.searchAttributes?.[k]?.[0] as string | undefined) ?? undefined;
  const detail: RunDetail = {
    ...runRow(d),
    workflowType: d.type,
    ...(attr('TriggerKind') ? { kind: attr('TriggerKind') } : {}),
    ...(attr('TriggerName') ? { trigger: attr('TriggerName') } : {}),
    attemptsStarted: events.filter(isAttempt).length,
    timers: events.filter((e) => e.timerStartedEventAttributes).length,
    historyEvents: events.length,
  };
  if (d.status.name === 'RUNNING') return detail;
  if (!payloads) return { ...detail, hidden: 'the result and error are hidden: seeing them needs the `payloads` permission' };
  try {
    return { ...detail, result: await client.workflow.getHandle(workflowId, d.runId).result() };
  } catch (err) {
    const e = err as { message?: string; cause?: { message?: string; details?: unknown[] } };
    return { ...detail, error: redactText(e.cause?.message ?? e.message ?? String(err)), ...(e.cause?.details?.[0] !== undefined ? { result: e.cause.details[0] } : {}) };
  }
}
