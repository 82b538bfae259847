/**
 * What the operations commands of the CLI do, against Temporal itself (and the database when the
 * app module also exports its `prisma` client): status, pause / resume, run-now, runs, cancel,
 * preview and run. The CLI only parses arguments and prints.
 */
import { ScheduleNotFoundError, WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { lookupActor } from '../runtime/actors';
import { effective } from '../runtime/effective';
import { createTriggerClient, type StartedRun } from '../client/trigger-client';
import { and, quote } from '../client/visibility';
import { scheduleIdFor } from '../definitions/names';
import type { App, ScheduledAction, Trigger } from '../definitions/define';
import { whereFor } from '../definitions/where';
import { ConfigError, NotFoundError } from '../errors';
import type { OverlapPolicy } from '../definitions/options';
import { OVERLAP_POLICIES } from '../worker/sync-schedules';
import { lookupDefinition } from '../client/targets';
import { runtimeModels, type AnyPrismaClient } from '../prisma/model-meta';
import { tenantValue, type Tenant } from '../runtime/tenants';
import { listTenantsOf } from '../../activities/run-scope';

export const OUTCOMES = ['running', 'backoff', 'snoozed', 'success', 'error-handled', 'failure', 'discard', 'cancelled'] as const;

export interface ScheduleState {
  scheduleId: string;
  /** `none`: no Schedule (an on-demand trigger, or not registered yet). */
  state: 'active' | 'paused' | 'none';
  note?: string;
  lastTick?: string;
  nextTick?: string;
}

export interface DefinitionStatus extends ScheduleState {
  id: string;
  kind: 'trigger' | 'scheduled-action';
  workflowType: string;
  /** Runs open now (per-record and chunk runs for a trigger). */
  inFlight: number;
  /** Runs closed or started in the last 24 hours, by `TriggerOutcome`. */
  outcomes24h: Record<string, number>;
  lastError?: { workflowId: string; closedAt?: string; outcome: string; message?: string };
  /** Records matching `where` now, over every tenant (only when the app module exports `prisma`). */
  matching?: number;
  /**
   * Records whose runs failed again and again over the last 24 hours (two or more failed runs:
   * a failed record that still matches is picked up by every tick, as in AshOban), most first.
   */
  repeatedFailures: { workflowId: string; recordId?: string; failures: number; lastAt?: string }[];
}

const typeOfSchedule = (def: Trigger | ScheduledAction): string => (def.kind === 'trigger' ? def.schedulerWorkflowType : def.workflowType);
/** The visibility query of a definition's runs (record and chunk runs of a trigger, or a scheduled action's). */
export const runsOf = (app: App, def: Trigger | ScheduledAction): string =>
  and(`TriggerOwner = ${quote(app.name)}`, `TriggerName = ${quote(def.id)}`, def.kind === 'trigger' ? `TriggerKind IN ('record', 'chunk')` : `TriggerKind = 'scheduled-action'`);

async function collect(client: Client, query: string, max: number): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: Math.min(max, 1000) })) {
    out.push(wf);
    if (out.length >= max) break;
  }
  return out;
}

export async function scheduleState(client: Client, def: Trigger | ScheduledAction): Promise<ScheduleState> {
  const scheduleId = scheduleIdFor(typeOfSchedule(def));
  try {
    const d = await client.schedule.getHandle(scheduleId).describe();
    const last = d.info.recentActions.at(-1)?.takenAt;
    const next = d.info.nextActionTimes[0];
    return { scheduleId, state: d.state.paused ? 'paused' : 'active', ...(d.state.note ? { note: d.state.note } : {}), ...(last ? { lastTick: last.toISOString() } : {}), ...(next ? { nextTick: next.toISOString() } : {}) };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return { scheduleId, state: 'none' };
    throw err;
  }
}

/** The tenants a tick would query and the `where` each would use, as the scheduler resolves them. */
async function wheres(app: App, t: Trigger, prisma: AnyPrismaClient, tenant?: Tenant | null): Promise<{ tenant: Tenant | null; where: unknown }[]> {
  const e = effective(app, t);
  const actor = await lookupActor(undefined, e.actorPersister, e.defaultActor);
  const tenants: (Tenant | null)[] =
    tenant !== undefined ? [tenant] : t.useTenantFromRecord ? [null] : (await listTenantsOf(app, t, prisma)).map((ref) => (ref ? tenantValue(ref.key, ref.value as Tenant | undefined) : null));
  const now = new Date();
  return tenants.map((tn) => ({ tenant: tn, where: whereFor(t, { now, tenant: tn, actor, purpose: 'scan', allTenants: tenant === undefined && t.useTenantFromRecord === true }) ?? {} }));
}

export async function definitionStatus(client: Client, app: App, def: Trigger | ScheduledAction, prisma?: AnyPrismaClient): Promise<DefinitionStatus> {
  const since = new Date(Date.now() - 86_400_000).toISOString();
  const base = runsOf(app, def);
  const count = async (q: string): Promise<number> => (await client.workflow.count(q)).count;
  const [schedule, inFlight, ...counts] = await Promise.all([
    scheduleState(client, def),
    count(and(base, `ExecutionStatus = 'Running'`)),
    ...OUTCOMES.map((o) => count(and(base, `TriggerOutcome = ${quote(o)}`, `(CloseTime >= ${quote(since)} OR ExecutionStatus = 'Running')`))),
  ]);
  let lastError: DefinitionStatus['lastError'];
  // the SQL visibility of the stock server has no ORDER BY: newest by close time, client-side
  const failed = await collect(client, and(base, `TriggerOutcome IN ('failure', 'discard', 'error-handled')`, `CloseTime >= ${quote(since)}`), 1000);
  const latest = failed.sort((a, b) => (b.closeTime?.getTime() ?? 0) - (a.closeTime?.getTime() ?? 0)).slice(0, 1);
  const byRecord = new Map<string, DefinitionStatus['repeatedFailures'][number]>();
  for (const wf of failed) {
    if (String(wf.searchAttributes?.TriggerOutcome?.[0] ?? '') !== 'failure') continue;
    const seen = byRecord.get(wf.workflowId);
    const recordId = wf.searchAttributes?.TriggerRecordId?.[0];
    if (seen) seen.failures++;
    else byRecord.set(wf.workflowId, { workflowId: wf.workflowId, ...(typeof recordId === 'string' ? { recordId } : {}), failures: 1, ...(wf.closeTime ? { lastAt: wf.closeTime.toISOString() } : {}) });
  }
  const repeatedFailures = [...byRecord.values()].filter((r) => r.failures >= 2).sort((a, b) => b.failures - a.failures);
  for (const wf of latest) {
    const outcome = String(wf.searchAttributes?.TriggerOutcome?.[0] ?? '');
    let message: string | undefined;
    try {
      const result = (await client.workflow.getHandle(wf.workflowId, wf.runId).result().catch((e: unknown) => e)) as { lastError?: { message?: string }; message?: string; cause?: { message?: string } } | undefined;
      message = result?.lastError?.message ?? result?.cause?.message ?? result?.message;
    } catch {
      message = undefined;
    }
    lastError = { workflowId: wf.workflowId, outcome, ...(wf.closeTime ? { closedAt: wf.closeTime.toISOString() } : {}), ...(message ? { message } : {}) };
  }
  let matching: number | undefined;
  if (prisma && def.kind === 'trigger') {
    matching = 0;
    for (const w of await wheres(app, def, prisma)) matching += Number(await prisma[def.resource.delegate].count({ where: w.where }));
  }
  return {
    id: def.id,
    kind: def.kind,
    workflowType: def.workflowType,
    ...schedule,
    inFlight,
    outcomes24h: Object.fromEntries(OUTCOMES.map((o, i) => [o, counts[i] ?? 0])),
    ...(lastError ? { lastError } : {}),
    ...(matching !== undefined ? { matching } : {}),
    repeatedFailures,
  };
}

export async function pause(client: Client, def: Trigger | ScheduledAction, note: string | undefined, paused: boolean): Promise<ScheduleState> {
  const before = await scheduleState(client, def);
  if (before.state === 'none') throw new NotFoundError(`${def.id} has no Schedule (${def.kind === 'trigger' && def.schedulerCron === false ? 'schedulerCron: false' : 'the worker has not registered it yet'}): there is nothing to ${paused ? 'pause' : 'resume'}`);
  const handle = client.schedule.getHandle(before.scheduleId);
  if (paused) await handle.pause(note ?? 'paused from the command line');
  else if (note !== undefined) await handle.unpause(note);
  // resumed without a note: the pause's note is cleared (an unpause always leaves one)
  else await handle.update((prev) => ({ ...prev, state: { ...prev.state, paused: false, note: undefined } }));
  return scheduleState(client, def);
}

/** Starts a tick now: through the Schedule when there is one (its overlap policy applies), else directly. */
export async function runNow(client: Client, app: App, def: Trigger | ScheduledAction): Promise<{ via: 'schedule' | 'direct'; workflowId?: string }> {
  const s = await scheduleState(client, def);
  if (s.state !== 'none') {
    await client.schedule.getHandle(s.scheduleId).trigger();
    return { via: 'schedule' };
  }
  const handle = await createTriggerClient({ client, app }).schedule(def);
  return { via: 'direct', workflowId: handle.workflowId };
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  status: string;
  outcome?: string;
  recordId?: string;
  tenant?: string;
  startTime: string;
  closeTime?: string;
}

/** A run as `runs` (and the dashboard) list it, from its visibility record. */
export function runSummaryOf(wf: Pick<WorkflowExecutionInfo, 'searchAttributes' | 'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime'>): RunSummary {
  const attr = (k: string): string | undefined => (wf.searchAttributes?.[k]?.[0] as string | undefined) ?? undefined;
  const outcome = attr('TriggerOutcome');
  const recordId = attr('TriggerRecordId');
  const tenant = attr('TriggerTenant');
  return {
    workflowId: wf.workflowId,
    runId: wf.runId,
    status: wf.status.name.toLowerCase(),
    ...(outcome ? { outcome } : {}),
    ...(recordId ? { recordId } : {}),
    ...(tenant ? { tenant } : {}),
    startTime: wf.startTime.toISOString(),
    ...(wf.closeTime ? { closeTime: wf.closeTime.toISOString() } : {}),
  };
}

export async function listRuns(client: Client, app: App, def: Trigger | ScheduledAction, opts: { outcome?: string; limit?: number }): Promise<RunSummary[]> {
  if (opts.outcome !== undefined && !(OUTCOMES as readonly string[]).includes(opts.outcome)) throw new ConfigError(`--outcome "${opts.outcome}" is not an outcome: use one of ${OUTCOMES.join(', ')}`);
  const limit = opts.limit ?? 20;
  const out: RunSummary[] = [];
  const query = and(runsOf(app, def), opts.outcome !== undefined && `TriggerOutcome = ${quote(opts.outcome)}`);
  const found = (await collect(client, query, Math.max(limit, 1000))).sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  for (const wf of found) {
    out.push(runSummaryOf(wf));
    if (out.length >= limit) break;
  }
  return out;
}

export async function cancelRun(client: Client, workflowId: string): Promise<'cancel requested' | 'not running'> {
  try {
    const handle = client.workflow.getHandle(workflowId);
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return 'not running';
    await handle.cancel();
    return 'cancel requested';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no workflow ${workflowId} in this namespace`);
    throw err;
  }
}

/** A dry run of a tick: how many records it would start and the first keys, per tenant. */
export async function preview(app: App, t: Trigger, prisma: AnyPrismaClient, opts: { limit?: number; tenant?: Tenant | null }): Promise<{ tenant: Tenant | null; matching: number; wouldStart: number; first: Record<string, unknown>[] }[]> {
  const limit = opts.limit ?? 10;
  const select = Object.fromEntries(t.resource.primaryKey.map((f) => [f, true]));
  const orderBy = [...(Array.isArray(t.sort) ? t.sort : t.sort ? [t.sort] : []), ...t.resource.primaryKey.map((f) => ({ [f]: 'asc' }))];
  const out = [];
  for (const w of await wheres(app, t, prisma, opts.tenant)) {
    const delegate = prisma[t.resource.delegate];
    const matching = Number(await delegate.count({ where: w.where }));
    const first = (await delegate.findMany({ where: w.where, select, orderBy, take: limit })) as Record<string, unknown>[];
    out.push({ tenant: w.tenant, matching, wouldStart: t.recordLimit !== undefined ? Math.min(matching, t.recordLimit) : matching, first });
  }
  return out;
}

/** Starts the trigger's run for one record, read by its primary key (`12`, or `acme,3` for a compound key). */
export async function runRecord(client: Client, app: App, t: Trigger, prisma: AnyPrismaClient, id: string, opts: { tenant?: Tenant | null } = {}): Promise<StartedRun> {
  const fields = t.resource.primaryKey;
  const parts = fields.length === 1 ? [id] : id.split(',');
  if (parts.length !== fields.length) throw new ConfigError(`${t.id}: the record id "${id}" must give ${fields.join(', ')} separated by commas`);
  const delegate = prisma[t.resource.delegate];
  const where = keyWhere(t, prisma, parts);
  const record = (await delegate.findFirst({ where })) as Record<string, unknown> | null;
  if (!record) throw new NotFoundError(`${t.id}: no ${t.resource.model} with ${describeKey(where)}`);
  return createTriggerClient({ client, app }).runTrigger(record, t, opts.tenant !== undefined ? { tenant: opts.tenant } : {});
}

/** The key fields with the values given on the command line, in the fields' own types (from the client's model metadata). */
export function keyWhere(t: Trigger, prisma: AnyPrismaClient, parts: string[]): Record<string, unknown> {
  const fields = new Map((runtimeModels(prisma)?.[t.resource.model]?.fields ?? []).map((f) => [f.name, f.type]));
  return Object.fromEntries(
    t.resource.primaryKey.map((f, i) => {
      const raw = parts[i]!;
      const type = fields.get(f);
      if (type === 'Int' || type === 'Float' || type === 'Decimal') {
        const n = Number(raw);
        if (!Number.isFinite(n) || raw.trim() === '') throw new ConfigError(`${t.id}: ${f} is a number (${type}); "${raw}" is not one`);
        return [f, n];
      }
      if (type === 'BigInt') {
        if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${t.id}: ${f} is a BigInt; "${raw}" is not a whole number`);
        return [f, BigInt(raw)];
      }
      return [f, raw];
    }),
  );
}

/** `{"id":99}`: a key as JSON, BigInts as their digits. */
export function describeKey(where: Record<string, unknown>): string {
  return JSON.stringify(where, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) <= Number.MAX_SAFE_INTEGER ? Number(v) : v.toString() : v));
}

/** Starts the ticks the Schedule would have started between `from` and `to` (one after the other by default). */
export async function backfill(client: Client, def: Trigger | ScheduledAction, from: Date, to: Date, overlap: OverlapPolicy = 'bufferAll'): Promise<ScheduleState> {
  if (!(from.getTime() < to.getTime())) throw new ConfigError(`backfill: --from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  const s = await scheduleState(client, def);
  if (s.state === 'none') throw new NotFoundError(`${def.id} has no Schedule to backfill (${def.kind === 'trigger' && def.schedulerCron === false ? 'schedulerCron: false' : 'the worker has not registered it yet'})`);
  await client.schedule.getHandle(s.scheduleId).backfill({ start: from, end: to, overlap: OVERLAP_POLICIES[overlap] });
  return s;
}

/** Starts a closed per-record run again for the same record (its trigger, record id and tenant from the run's search attributes). */
export async function retryRun(client: Client, app: App, prisma: AnyPrismaClient, workflowId: string): Promise<StartedRun> {
  let d: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['describe']>>;
  try {
    d = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError(`no workflow ${workflowId} in this namespace`);
    throw err;
  }
  if (d.status.name === 'RUNNING') throw new ConfigError(`${workflowId} is still running; cancel it first or wait for it`);
  const attr = (k: string): string | undefined => (d.searchAttributes?.[k]?.[0] as string | undefined) ?? undefined;
  const kind = attr('TriggerKind');
  const name = attr('TriggerName');
  const recordId = attr('TriggerRecordId');
  if (kind !== 'record' || !name || !recordId) throw new ConfigError(`${workflowId} is not a per-record run of this library (TriggerKind ${kind ?? 'none'}); retry takes a record run's workflow id (see \`runs\`)`);
  const def = lookupDefinition(app, name);
  if (def.kind !== 'trigger') throw new ConfigError(`${name} is not a trigger`);
  const tenant = attr('TriggerTenant');
  return runRecord(client, app, def, prisma, recordId, tenant !== undefined && tenant !== '-' ? { tenant } : {});
}
