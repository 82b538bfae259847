/**
 * Starting runs from application code: `runTrigger` / `runTriggers` (one record now), `buildTrigger`
 * (the start options, without starting), `schedule` (a trigger's scheduler or a scheduled action,
 * now) and `scheduleAndRunTriggers` (whole resources or apps; with `drain: true` it waits for every
 * run it started: the helper tests are written with).
 */
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  type Client,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Duration } from '@temporalio/common';
import type { App, Resource, ScheduledAction, Trigger } from '../definitions/define';
import { ConfigError, DefinitionError, TriggerError } from '../errors';
import { encodeKey, fingerprint, recordIdOf, stableStringify, tenantIdPart } from '../../workflows/primary-key';
import { runStateQuery } from '../../workflows/messages';
import { temporalPriority } from '../../workflows/priority';
import { recordRun, recordSearchAttributes } from '../../workflows/record-run';
import { roleMemo } from '../../workflows/registry';
import { TriggerKind, TriggerName, TriggerOutcome, TriggerOwner } from '../../workflows/search-attributes';
import { FAILURE_TYPE, SCHEDULER_TASK_TIMEOUT, type RecordRunResult, type SchedulerResult } from '../../workflows/types';
import { parseOptions, runTriggerOptionsSchema, scheduleAndRunOptionsSchema, scheduleOptionsSchema } from './options-schema';
import { recordPlan, scheduledActionInput, schedulerInput } from './plan';

export interface RunTriggerOptions {
  /** Arguments merged over the trigger's `actionInput` and handed to the action as `ctx.args`. They make the run unique. */
  actionArguments?: Record<string, unknown>;
  /** Extra arguments: part of the run's identity, given to the action as `ctx.extraArgs` (the trigger's `extraArgs` win). */
  args?: Record<string, unknown>;
  /** The tenant of the run (part of its workflow id). */
  tenant?: string | null;
  /** Who the run acts for (stored with the run). */
  actor?: unknown;
  /** Start the run after this delay (`'5 minutes'`, ms). */
  startDelay?: Duration;
  /**
   * Other Temporal start options (memo, priority, retry, ...). The ones the library owns
   * (`searchAttributes`, `typedSearchAttributes`, `workflowIdReusePolicy`,
   * `workflowIdConflictPolicy`) are refused: they carry the run's filters and its uniqueness.
   */
  startOptions?: Partial<Omit<WorkflowStartOptions, 'args' | 'taskQueue' | 'workflowId'>>;
}

/** A run handle from `runTrigger`, telling whether it was started now. */
export type StartedRun = WorkflowHandle & {
  /** A run for the same record and arguments was in flight: this is its handle. */
  alreadyRunning: boolean;
  /** `triggerOnce`: a run for the same record and arguments already completed: this is its handle. */
  alreadyCompleted: boolean;
};

export interface BuiltTrigger {
  workflowType: string;
  options: WorkflowStartOptions;
}

/** A trigger or scheduled action by object, or by id `Resource.name`. */
export type TriggerRef = Trigger | string;
export type ScheduleTarget = Trigger | ScheduledAction | string;
/** What `scheduleAndRunTriggers` accepts. */
export type Triggerable = App | Resource | Trigger | ScheduledAction | [Resource, string] | string | Triggerable[];

/** Outcome counts of drained runs. */
export interface DrainCounts {
  success: number;
  failure: number;
  discard: number;
  cancelled: number;
  snoozed: number;
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
  byKind: { scheduler: DrainCounts; record: DrainCounts; scheduledAction: DrainCounts };
}

export interface ScheduleAndRunOptions {
  /** Wait for every run started and count outcomes. Default false. */
  drain?: boolean;
  /** Also run the scheduled actions of the targets. Default false (true for an explicitly named one). */
  scheduledActions?: boolean;
  /** Include triggers. Default true. */
  triggers?: boolean;
  actionArguments?: Record<string, unknown>;
  actor?: unknown;
  tenant?: string | null;
  /** Give up draining after this many ms. Default 120 000. */
  drainTimeoutMs?: number;
}

export interface ScheduleOptions {
  actionArguments?: Record<string, unknown>;
  actor?: unknown;
  tenant?: string | null;
  /** Return the ids of the runs the scheduler starts (used by draining). */
  collect?: boolean;
  /** Scheduler tuning: runs started per workflow run before continue-as-new (default 1500). */
  childrenPerRun?: number;
}

const emptyCounts = (): DrainCounts => ({ success: 0, failure: 0, discard: 0, cancelled: 0, snoozed: 0 });
export const emptyDrainResult = (): DrainResult => ({ ...emptyCounts(), notDrained: [], byKind: { scheduler: emptyCounts(), record: emptyCounts(), scheduledAction: emptyCounts() } });

type RunKind = keyof DrainResult['byKind'];
const count = (into: DrainResult, kind: RunKind, outcome: keyof DrainCounts): void => {
  into[outcome]++;
  into.byKind[kind][outcome]++;
};

/** Start options the library sets itself (refused in `startOptions`). */
const OWNED_START_OPTIONS = ['searchAttributes', 'typedSearchAttributes', 'workflowIdReusePolicy', 'workflowIdConflictPolicy'];

export class TriggerClient {
  constructor(
    readonly client: Client,
    readonly app: App,
  ) {}

  private triggerOf(ref: TriggerRef): Trigger {
    return typeof ref === 'string' ? this.app.trigger(ref) : ref;
  }

  /** The start options of the per-record run for `record`, without starting it. */
  buildTrigger(record: Record<string, unknown>, ref: TriggerRef, opts: RunTriggerOptions = {}): BuiltTrigger {
    parseOptions(runTriggerOptionsSchema, opts, 'runTrigger/buildTrigger options');
    const t = this.triggerOf(ref);
    const pk = t.resource.primaryKey;
    let key;
    try {
      key = encodeKey(record, pk);
    } catch (err) {
      throw new DefinitionError(`${t.id}`, `buildTrigger: ${(err as Error).message} (pass the record, or at least its primary key ${pk.join(', ')})`);
    }
    const recordId = recordIdOf(key, pk);
    const tenant = opts.tenant ?? null;
    const plan = recordPlan(this.app, t);
    const owned = Object.keys(opts.startOptions ?? {}).filter((k) => OWNED_START_OPTIONS.includes(k));
    if (owned.length) {
      throw new ConfigError(
        `runTrigger/buildTrigger options: startOptions.${owned[0]} is set by the library (search attributes make runs filterable in the UI; the id policies are how in-flight runs and triggerOnce are deduplicated). Use triggerOnce for the policy, or set it on the returned options of buildTrigger if you really mean to.`,
      );
    }
    const staticExtra = typeof t.extraArgs === 'function' ? t.extraArgs(record) : t.extraArgs;
    const extraArgs = { ...(opts.args ?? {}), ...(staticExtra ?? {}) };
    const run = recordRun(
      plan,
      { key, recordId, metadata: t.readMetadata ? t.readMetadata(record) : undefined, extraArgs: Object.keys(extraArgs).length ? extraArgs : undefined },
      tenant,
      opts.actionArguments ?? {},
      opts.actor,
    );
    return {
      workflowType: t.workflowType,
      options: {
        workflowId: run.workflowId,
        taskQueue: t.queue,
        args: [run.input],
        workflowIdReusePolicy: t.triggerOnce ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: recordSearchAttributes(plan, recordId, tenant),
        priority: temporalPriority(t.workerPriority),
        ...(opts.startDelay !== undefined ? { startDelay: opts.startDelay } : {}),
        ...opts.startOptions,
        memo: { ...opts.startOptions?.memo, ...roleMemo('record') },
      },
    };
  }

  /**
   * Starts the per-record run for `record` now. When a run for the same record (and arguments) is
   * already in flight, returns that run's handle instead (`alreadyRunning: true`); with
   * `triggerOnce`, when one already completed, returns its handle with `alreadyCompleted: true`.
   */
  async runTrigger(record: Record<string, unknown>, ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<StartedRun> {
    const built = this.buildTrigger(record, ref, opts);
    try {
      const handle = await this.client.workflow.start(built.workflowType, built.options);
      return Object.assign(handle, { alreadyRunning: false, alreadyCompleted: false });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const handle = this.client.workflow.getHandle(built.options.workflowId);
      const status = (await handle.describe()).status.name;
      if (status === 'RUNNING') return Object.assign(handle, { alreadyRunning: true, alreadyCompleted: false });
      const t = this.triggerOf(ref);
      if (t.triggerOnce && status === 'COMPLETED') return Object.assign(handle, { alreadyRunning: false, alreadyCompleted: true });
      // The run in flight closed between our start and describe: start again.
      return this.runTrigger(record, ref, opts);
    }
  }

  /** `runTrigger` for each record. */
  async runTriggers(records: Record<string, unknown>[], ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<StartedRun[]> {
    const out: StartedRun[] = [];
    for (let i = 0; i < records.length; i += 50) {
      out.push(...(await Promise.all(records.slice(i, i + 50).map((r) => this.runTrigger(r, ref, opts)))));
    }
    return out;
  }

  /**
   * Runs a trigger's scheduler (also for `schedulerCron: false`) or a scheduled action, now. As in
   * AshOban these are unique while running: a scheduler per trigger and tenant, a scheduled action
   * per tenant and arguments; a call while one runs returns the running one's handle.
   */
  async schedule(target: ScheduleTarget, opts: ScheduleOptions = {}): Promise<WorkflowHandle> {
    parseOptions(scheduleOptionsSchema, opts, 'schedule options');
    const def = typeof target === 'string' ? this.lookup(target) : target;
    const tenant = opts.tenant ?? null;
    if (def.kind === 'trigger') {
      // One manual scheduler per trigger and tenant at a time (AshOban's scheduler is unique while
      // incomplete): a second call while one runs gets the running one's handle.
      return this.client.workflow.start(def.schedulerWorkflowType, {
        // A draining caller needs a scheduler of its own (it reads the runs that one started).
        workflowId: `${def.schedulerWorkflowType}/manual/${tenantIdPart(tenant)}${opts.collect ? `/drain-${randomUUID()}` : ''}`,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        taskQueue: def.schedulerQueue,
        workflowTaskTimeout: SCHEDULER_TASK_TIMEOUT,
        memo: roleMemo('scheduler'),
        priority: temporalPriority(def.schedulerPriority),
        args: [schedulerInput(this.app, def, { tenant, actionArguments: opts.actionArguments, actor: opts.actor, collect: opts.collect, childrenPerRun: opts.childrenPerRun })],
        typedSearchAttributes: [
          { key: TriggerOwner, value: this.app.name },
          { key: TriggerKind, value: 'scheduler' },
          { key: TriggerName, value: def.id },
        ],
      });
    }
    return this.client.workflow.start(def.workflowType, {
      // Unique while running per tenant and arguments (AshOban's ActionWorker keys), like schedulers.
      workflowId: `${def.workflowType}/manual/${tenantIdPart(tenant)}/${fingerprint(stableStringify(opts.actionArguments ?? {}))}`,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      taskQueue: def.queue,
      priority: temporalPriority(def.priority),
      memo: roleMemo('scheduled-action'),
      args: [scheduledActionInput(this.app, def, { tenant, actionArguments: opts.actionArguments, actor: opts.actor })],
      typedSearchAttributes: [
        { key: TriggerOwner, value: this.app.name },
        { key: TriggerKind, value: 'scheduled-action' },
        { key: TriggerName, value: def.id },
        { key: TriggerOutcome, value: 'running' },
      ],
    });
  }

  private lookup(id: string): Trigger | ScheduledAction {
    const t = this.app.triggers.find((x) => x.id === id);
    if (t) return t;
    const a = this.app.scheduledActions.find((x) => x.id === id);
    if (a) return a;
    return this.app.trigger(id); // throws UNKNOWN_TRIGGER with suggestions
  }

  private resolveTargets(target: Triggerable, opts: ScheduleAndRunOptions): (Trigger | ScheduledAction)[] {
    const out: (Trigger | ScheduledAction)[] = [];
    const wantTriggers = opts.triggers ?? true;
    const wantActions = opts.scheduledActions ?? false;
    const visit = (x: Triggerable): void => {
      if (Array.isArray(x)) {
        if (x.length === 2 && typeof x[1] === 'string' && typeof x[0] === 'object' && x[0] !== null && 'triggers' in x[0] && 'model' in x[0]) {
          const [resource, name] = x as [Resource, string];
          const found = resource.triggers.find((t) => t.name === name) ?? resource.scheduledActions.find((a) => a.name === name);
          if (!found) throw new DefinitionError(`${resource.model}.${name}`, 'no such trigger or scheduled action');
          out.push(found);
          return;
        }
        (x as Triggerable[]).forEach(visit);
        return;
      }
      if (typeof x === 'string') {
        out.push(this.lookup(x));
        return;
      }
      if ('kind' in x && (x.kind === 'trigger' || x.kind === 'scheduled-action')) {
        out.push(x);
        return;
      }
      const resources = 'resources' in x ? x.resources : [x as Resource];
      for (const r of resources) {
        // Paused and deleted triggers too: their scheduler does nothing and counts `cancelled`, as in AshOban.
        if (wantTriggers) out.push(...r.triggers);
        if (wantActions) out.push(...r.scheduledActions.filter((a) => a.state === 'active'));
      }
    };
    visit(target);
    return [...new Set(out)];
  }

  /**
   * Runs the schedulers of the targets now (every trigger, including `schedulerCron: false`;
   * scheduled actions when asked or named). With `drain: true`, waits for every run they started,
   * for runs of those triggers already in flight (which a scheduler skips, as Oban's drain runs the
   * whole queue), and returns the outcome counts: see {@link DrainResult}.
   */
  async scheduleAndRunTriggers(target: Triggerable, opts: ScheduleAndRunOptions = {}): Promise<DrainResult> {
    parseOptions(scheduleAndRunOptionsSchema, opts, 'scheduleAndRunTriggers options');
    const result = emptyDrainResult();
    const deadline = Date.now() + (opts.drainTimeoutMs ?? 120_000);
    for (const def of this.resolveTargets(target, opts)) {
      const handle = await this.schedule(def, { actionArguments: opts.actionArguments, actor: opts.actor, tenant: opts.tenant, collect: opts.drain === true });
      if (!opts.drain) continue;
      if (def.kind === 'scheduled-action') {
        await this.drainOne(handle.workflowId, deadline, result, 'scheduledAction');
        continue;
      }
      let stats: SchedulerResult | undefined;
      try {
        stats = (await handle.result()) as SchedulerResult;
        count(result, 'scheduler', stats.cancelled ? 'cancelled' : 'success');
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        count(result, 'scheduler', 'failure');
      }
      if (stats?.collectTruncated) {
        throw new TriggerError('DRAIN_TOO_LARGE', `${def.id}: the tick started or skipped more runs (${stats.started} + ${stats.skipped}) than drain tracks (10,000); drain a smaller set (recordLimit, or fewer records in the test).`);
      }
      const started = new Set([...(stats?.collected ?? []), ...(await this.openRunIds(def, opts.tenant ?? null))]);
      await this.drainMany([...started], deadline, result);
      // Skipped runs count when they were in flight; not when they had completed before this tick (triggerOnce).
      const since = stats?.now !== undefined ? new Date(stats.now) : undefined;
      await this.drainMany((stats?.skippedIds ?? []).filter((id) => !started.has(id)), deadline, result, since);
    }
    return result;
  }

  /** Ids of this app's per-record runs of `t` (for `tenant`, when given) still open, from the visibility store. */
  private async openRunIds(t: Trigger, tenant: string | null): Promise<string[]> {
    const ids: string[] = [];
    const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const query = [
      `TriggerOwner = ${quote(this.app.name)}`,
      `TriggerName = ${quote(t.id)}`,
      `TriggerKind = 'record'`,
      `ExecutionStatus = 'Running'`,
      ...(tenant !== null ? [`TriggerTenant = ${quote(tenant)}`] : []),
    ].join(' AND ');
    for await (const wf of this.client.workflow.list({ query })) {
      ids.push(wf.workflowId);
      if (ids.length > 10_000) throw new TriggerError('DRAIN_TOO_LARGE', `${t.id}: more than 10,000 runs are open; drain cannot wait for them all.`);
    }
    return ids;
  }

  /**
   * Waits for the given per-record runs and adds their outcomes to `into`. With `closedSince`, a
   * run that had already closed before that time is left out.
   */
  async drainMany(workflowIds: string[], deadline: number, into: DrainResult = emptyDrainResult(), closedSince?: Date): Promise<DrainResult> {
    for (let i = 0; i < workflowIds.length; i += 50) {
      await Promise.all(workflowIds.slice(i, i + 50).map((id) => this.drainOne(id, deadline, into, 'record', closedSince)));
    }
    return into;
  }

  private async drainOne(workflowId: string, deadline: number, into: DrainResult, kind: RunKind, closedSince?: Date): Promise<void> {
    const handle = this.client.workflow.getHandle(workflowId);
    for (;;) {
      const desc = await handle.describe();
      if (desc.status.name !== 'RUNNING') {
        if (closedSince && desc.closeTime && desc.closeTime < closedSince) return;
        count(into, kind, await outcomeOf(handle, desc.status.name));
        return;
      }
      const state = await handle.query(runStateQuery).catch(() => 'running');
      if (state === 'snoozed') {
        count(into, kind, 'snoozed');
        return;
      }
      if (Date.now() > deadline) {
        into.notDrained.push(workflowId);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
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

/** A `TriggerClient` for an app: `createTriggerClient({ client, app }).runTrigger(ticket, 'Ticket.process')`. */
export function createTriggerClient(deps: { client: Client; app: App }): TriggerClient {
  return new TriggerClient(deps.client, deps.app);
}
