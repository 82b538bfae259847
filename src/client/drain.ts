/**
 * Draining (`scheduleAndRunTriggers({ drain: true })`, and `drainRuns` from the testing entry): waiting for runs and counting how they
 * ended, as AshOban's drain does. A tick's runs are found through visibility (its children name it
 * as their parent), so nothing about draining rides in a production tick's input or history.
 */
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { App, ScheduledAction, Trigger } from '../definitions/define';
import { TriggerError } from '../errors';
import { runStateQuery } from '../../workflows/messages';
import { TriggerKind, TriggerName, TriggerRecordId, TriggerTenant } from '../../workflows/search-attributes';
import { FAILURE_TYPE, type ChunkCounts, type ChunkRunResult, type RecordRunResult, type ScheduledActionResult, type SchedulerResult } from '../../workflows/types';
import { and, quote } from './visibility';
import { schedule, startScheduler, type ScheduleOptions } from './schedule';

/** Outcome counts of drained runs. */
export interface DrainCounts {
  success: number;
  failure: number;
  discard: number;
  cancelled: number;
  snoozed: number;
}

/** One run a drain waited for, and how it ended. */
export interface DrainedRun {
  workflowId: string;
  /** `scheduler`, `record`, `chunk` or `scheduled-action`. */
  kind: string;
  /** The trigger or scheduled action (`Ticket.process`). */
  name?: string;
  /** A record run: its record's id (compound keys `a,b`); a chunk run: `first..last`. */
  recordId?: string;
  tenant?: string;
  /** How it ended; `running` when the drain timed out first. */
  outcome: keyof DrainCounts | 'running';
  /** A chunk run: how its records ended, one by one. */
  records?: ChunkCounts;
}

/**
 * What `scheduleAndRunTriggers({ drain: true })` returns. As in AshOban (whose drain runs the
 * scheduler jobs and then the worker jobs and sums both), the totals count every run drained:
 * each scheduler (success; `cancelled` when its trigger is paused or deleted; `failure` when it
 * failed), each per-record run and each scheduled action. `byKind` splits them.
 */
export interface DrainResult extends DrainCounts {
  /** Ids of runs still running (not snoozed) when the drain timed out. */
  notDrained: string[];
  /** Every run drained, in the order each was settled (AshOban's counts, run by run). */
  runs: DrainedRun[];
  byKind: { scheduler: DrainCounts; record: DrainCounts; scheduledAction: DrainCounts };
}

export type RunKind = keyof DrainResult['byKind'];

/** At most this many runs are tracked by one drain of one trigger. */
export const MAX_DRAINED = 10_000;

const emptyCounts = (): DrainCounts => ({ success: 0, failure: 0, discard: 0, cancelled: 0, snoozed: 0 });
export const emptyDrainResult = (): DrainResult => ({ ...emptyCounts(), notDrained: [], runs: [], byKind: { scheduler: emptyCounts(), record: emptyCounts(), scheduledAction: emptyCounts() } });

export function count(into: DrainResult, kind: RunKind, outcome: keyof DrainCounts): void {
  into[outcome]++;
  into.byKind[kind][outcome]++;
}

/**
 * Runs one definition now and waits for what it started: a scheduled action (and its per-tenant
 * runs), or a trigger's scheduler of its own and every run of that tick (see {@link runsOfTick}).
 */
export async function drainDefinition(
  client: Client,
  app: App,
  def: Trigger | ScheduledAction,
  opts: ScheduleOptions & { tenantKey: string | null },
  deadline: number,
  into: DrainResult = emptyDrainResult(),
): Promise<DrainResult> {
  const { tenantKey, ...scheduleOpts } = opts;
  if (def.kind === 'scheduled-action') {
    const handle = await schedule(client, app, def, scheduleOpts);
    await drainOne(client, handle.workflowId, deadline, into, 'scheduledAction');
    // run over two or more tenants: one run per tenant, each drained too
    const perTenant = ((await handle.result().catch(() => undefined)) as ScheduledActionResult | undefined)?.tenants ?? [];
    return drainRuns(client, perTenant, deadline, into, 'scheduledAction');
  }
  const handle = await startScheduler(client, app, def, scheduleOpts, true);
  let stats: SchedulerResult | undefined;
  try {
    stats = (await handle.result()) as SchedulerResult;
    count(into, 'scheduler', stats.cancelled ? 'cancelled' : 'success');
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    count(into, 'scheduler', 'failure');
  }
  into.runs.push({ workflowId: handle.workflowId, kind: 'scheduler', name: def.id, ...(tenantKey !== null ? { tenant: tenantKey } : {}), outcome: stats ? (stats.cancelled ? 'cancelled' : 'success') : 'failure' });
  const since = new Date(stats?.now ?? Date.now());
  const runs = await runsOfTick(client, app, def, { schedulerWorkflowId: handle.workflowId, started: stats?.started ?? 0, since, tenant: tenantKey }, deadline);
  return drainRuns(client, runs, deadline, into);
}

/**
 * The per-record runs a drained tick must wait for: every run its scheduler started (children
 * whose parent is `schedulerWorkflowId`: waited for until visibility lists all `started` of them),
 * plus every run of the trigger that was open at the tick or closed since it began (the runs the
 * scheduler skipped because they were in flight, as Oban's drain runs the whole queue).
 */
export async function runsOfTick(
  client: Client,
  app: App,
  t: Trigger,
  tick: { schedulerWorkflowId: string; started: number; since: Date; tenant: string | null },
  deadline: number,
): Promise<string[]> {
  const list = async (query: string): Promise<string[]> => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) {
      ids.push(wf.workflowId);
      if (ids.length > MAX_DRAINED) throw new TriggerError('DRAIN_TOO_LARGE', `${t.id}: more than ${MAX_DRAINED.toLocaleString('en')} runs to drain; drain a smaller set (recordLimit, or fewer records in the test).`);
    }
    return ids;
  };
  const children = `ParentWorkflowId = ${quote(tick.schedulerWorkflowId)}`;
  let started = await list(children);
  // Visibility is written asynchronously: wait until it lists every child the tick started.
  while (started.length < tick.started && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    started = await list(children);
  }
  const others = await list(
    and(
      `TriggerOwner = ${quote(app.name)}`,
      `TriggerName = ${quote(t.id)}`,
      `(TriggerKind = 'record' OR TriggerKind = 'chunk')`,
      tick.tenant !== null && `TriggerTenant = ${quote(tick.tenant)}`,
      `(ExecutionStatus = 'Running' OR CloseTime >= ${quote(tick.since.toISOString())})`,
    ),
  );
  return [...new Set([...started, ...others])];
}

/** Waits for the given runs and adds their outcomes to `into`. */
export async function drainRuns(client: Client, workflowIds: string[], deadline: number, into: DrainResult = emptyDrainResult(), kind: RunKind = 'record'): Promise<DrainResult> {
  for (let i = 0; i < workflowIds.length; i += 50) {
    await Promise.all(workflowIds.slice(i, i + 50).map((id) => drainOne(client, id, deadline, into, kind)));
  }
  return into;
}

/** Waits for one run: counted by how it ended, or `snoozed` as soon as it sleeps on a snooze. */
export async function drainOne(client: Client, workflowId: string, deadline: number, into: DrainResult, kind: RunKind): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    const desc = await handle.describe();
    const run = (outcome: DrainedRun['outcome'], records?: ChunkCounts): void => {
      const attr = desc.typedSearchAttributes;
      const [name, recordId, tenant] = [attr.get(TriggerName), attr.get(TriggerRecordId), attr.get(TriggerTenant)];
      into.runs.push({ workflowId, kind: attr.get(TriggerKind) ?? (kind === 'scheduledAction' ? 'scheduled-action' : kind), ...(name ? { name } : {}), ...(recordId ? { recordId } : {}), ...(tenant ? { tenant } : {}), outcome, ...(records ? { records } : {}) });
    };
    if (desc.status.name !== 'RUNNING') {
      const chunk = await chunkCountsOf(handle, desc.status.name);
      // a chunk run: its records' outcomes, one by one (those in flight elsewhere count in their own run)
      if (chunk) {
        for (const o of ['success', 'failure', 'discard', 'cancelled'] as const) for (let i = 0; i < chunk[o]; i++) count(into, kind, o);
        run(chunk.failure ? 'failure' : chunk.discard ? 'discard' : chunk.success || chunk.inFlight ? 'success' : 'cancelled', chunk);
      } else {
        const outcome = await outcomeOf(handle, desc.status.name);
        count(into, kind, outcome);
        run(outcome);
      }
      return;
    }
    const state = await handle.query(runStateQuery).catch(() => 'running');
    if (state === 'snoozed') {
      count(into, kind, 'snoozed');
      run('snoozed');
      return;
    }
    if (Date.now() > deadline) {
      into.notDrained.push(workflowId);
      run('running');
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The per-record counts of a closed chunk run (from its result, or its failure's details), else undefined. */
async function chunkCountsOf(handle: WorkflowHandle, status: string): Promise<ChunkCounts | undefined> {
  if (status !== 'COMPLETED' && status !== 'FAILED') return undefined;
  try {
    return ((await handle.result()) as Partial<ChunkRunResult>)?.chunk;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) return (err.cause.details?.[0] as Partial<ChunkRunResult> | undefined)?.chunk;
    return undefined;
  }
}

async function outcomeOf(handle: WorkflowHandle, status: string): Promise<'success' | 'failure' | 'discard' | 'cancelled'> {
  if (status === 'TERMINATED' || status === 'CANCELLED') return 'cancelled';
  if (status === 'TIMED_OUT') return 'failure';
  try {
    const r = (await handle.result()) as RecordRunResult;
    return r?.outcome === 'cancelled' ? 'cancelled' : 'success';
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      if (err.cause.type === FAILURE_TYPE.discard) return 'discard';
      if (err.cause.type === FAILURE_TYPE.cancelled) return 'cancelled';
    }
    return 'failure';
  }
}
