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
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Duration } from '@temporalio/common';
import type { App, Trigger } from '../definitions/define';
import { ConfigError, DefinitionError } from '../errors';
import { encodeKey, fingerprint, recordIdOf, stableStringify, tenantIdPart } from '../../workflows/primary-key';
import { temporalPriority } from '../../workflows/priority';
import { recordRun, recordSearchAttributes } from '../../workflows/record-run';
import { roleMemo } from '../../workflows/registry';
import { TriggerKind, TriggerName, TriggerOutcome, TriggerOwner } from '../../workflows/search-attributes';
import { SCHEDULER_TASK_TIMEOUT, type SchedulerResult } from '../../workflows/types';
import { count, drainOne, drainRuns, emptyDrainResult, runsOfTick, type DrainResult } from './drain';
import { parseOptions, runTriggerOptionsSchema, scheduleAndRunOptionsSchema, scheduleOptionsSchema } from './options-schema';
import { recordPlan, scheduledActionInput, schedulerInput } from './plan';
import { buildRunData } from './run-data';
import { lookupDefinition, resolveTargets, type ScheduleTarget, type Triggerable } from './targets';

export type { DrainCounts, DrainResult } from './drain';
export type { ScheduleTarget, Triggerable } from './targets';

export interface RunTriggerOptions {
  /** Arguments merged over the trigger's `actionInput` and handed to the action as `ctx.args`. They make the run unique. */
  actionArguments?: Record<string, unknown>;
  /** Extra arguments: part of the run's identity, given to the action as `ctx.extraArgs` (the trigger's `extraArgs` win). */
  args?: Record<string, unknown>;
  /** The tenant of the run (part of its workflow id). */
  tenant?: string | null;
  /** Not supported yet: a run could only store the actor raw. Refused with a `CONFIG_INVALID` error. */
  actor?: never;
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

/** A trigger by object, or by id `Resource.name`. */
export type TriggerRef = Trigger | string;

export interface ScheduleAndRunOptions {
  /** Wait for every run started and count outcomes. Default false. */
  drain?: boolean;
  /** Also run the scheduled actions of the targets. Default false (true for an explicitly named one). */
  scheduledActions?: boolean;
  /** Include triggers. Default true. */
  triggers?: boolean;
  actionArguments?: Record<string, unknown>;
  /** Not supported yet (refused, see `RunTriggerOptions.actor`). */
  actor?: never;
  tenant?: string | null;
  /** Give up draining after this many ms. Default 120 000. */
  drainTimeoutMs?: number;
}

export interface ScheduleOptions {
  actionArguments?: Record<string, unknown>;
  /** Not supported yet (refused, see `RunTriggerOptions.actor`). */
  actor?: never;
  tenant?: string | null;
  /** Scheduler tuning: runs started per workflow run before continue-as-new (default 1500). */
  childrenPerRun?: number;
}

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
    const data = buildRunData(t, record, recordId, opts.args);
    if ('problem' in data) throw new ConfigError(`runTrigger/buildTrigger: ${data.problem}`);
    const run = recordRun(plan, { key, recordId, ...data }, tenant, opts.actionArguments ?? {}, opts.actor);
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
    const def = typeof target === 'string' ? lookupDefinition(this.app, target) : target;
    const tenant = opts.tenant ?? null;
    if (def.kind === 'trigger') return this.startScheduler(def, opts, false);
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

  /**
   * Starts a trigger's scheduler. One manual scheduler per trigger and tenant at a time (AshOban's
   * scheduler is unique while incomplete): a second call while one runs gets the running one's
   * handle. A draining caller gets a scheduler of its own: it finds that tick's runs by their parent.
   */
  private startScheduler(def: Trigger, opts: ScheduleOptions, forDrain: boolean): Promise<WorkflowHandle> {
    const tenant = opts.tenant ?? null;
    return this.client.workflow.start(def.schedulerWorkflowType, {
      workflowId: `${def.schedulerWorkflowType}/manual/${tenantIdPart(tenant)}${forDrain ? `/drain-${randomUUID()}` : ''}`,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      taskQueue: def.schedulerQueue,
      workflowTaskTimeout: SCHEDULER_TASK_TIMEOUT,
      priority: temporalPriority(def.schedulerPriority),
      memo: roleMemo('scheduler'),
      args: [schedulerInput(this.app, def, { tenant, actionArguments: opts.actionArguments, actor: opts.actor, childrenPerRun: opts.childrenPerRun })],
      typedSearchAttributes: [
        { key: TriggerOwner, value: this.app.name },
        { key: TriggerKind, value: 'scheduler' },
        { key: TriggerName, value: def.id },
      ],
    });
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
    const scheduleOpts: ScheduleOptions = { actionArguments: opts.actionArguments, actor: opts.actor, tenant: opts.tenant };
    for (const def of resolveTargets(this.app, target, opts)) {
      if (!opts.drain) {
        await this.schedule(def, scheduleOpts);
        continue;
      }
      if (def.kind === 'scheduled-action') {
        const handle = await this.schedule(def, scheduleOpts);
        await drainOne(this.client, handle.workflowId, deadline, result, 'scheduledAction');
        continue;
      }
      const handle = await this.startScheduler(def, scheduleOpts, true);
      let stats: SchedulerResult | undefined;
      try {
        stats = (await handle.result()) as SchedulerResult;
        count(result, 'scheduler', stats.cancelled ? 'cancelled' : 'success');
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        count(result, 'scheduler', 'failure');
      }
      const since = new Date(stats?.now ?? Date.now());
      const runs = await runsOfTick(this.client, this.app, def, { schedulerWorkflowId: handle.workflowId, started: stats?.started ?? 0, since, tenant: opts.tenant ?? null }, deadline);
      await drainRuns(this.client, runs, deadline, result);
    }
    return result;
  }

  /** Waits for the given per-record runs (until `deadline`, ms since the epoch) and adds their outcomes to `into`. */
  drainMany(workflowIds: string[], deadline: number, into: DrainResult = emptyDrainResult()): Promise<DrainResult> {
    return drainRuns(this.client, workflowIds, deadline, into);
  }
}

/** A `TriggerClient` for an app: `createTriggerClient({ client, app }).runTrigger(ticket, 'Ticket.process')`. */
export function createTriggerClient(deps: { client: Client; app: App }): TriggerClient {
  return new TriggerClient(deps.client, deps.app);
}
