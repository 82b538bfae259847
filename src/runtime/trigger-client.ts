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
import type { App, ScheduledAction, Trigger } from '../definitions/define';
import { ConfigError, DefinitionError } from '../errors';
import { encodeKey, fingerprint, recordIdOf, stableStringify, tenantIdPart } from '../../workflows/primary-key';
import { temporalPriority } from '../../workflows/priority';
import { recordRun, recordSearchAttributes } from '../../workflows/record-run';
import { roleMemo } from '../../workflows/registry';
import { TriggerKind, TriggerName, TriggerOutcome, TriggerOwner, TriggerTags, TriggerTenant } from '../../workflows/search-attributes';
import { SCHEDULER_TASK_TIMEOUT, type RunScope, type ScheduledActionResult, type SchedulerResult } from '../../workflows/types';
import { persistActor } from './actors';
import { effective } from './effective';
import { currentRun } from './run-scope';
import { tenantRef, type Tenant } from './tenants';
import { count, drainOne, drainRuns, emptyDrainResult, runsOfTick, type DrainResult } from './drain';
import { parseOptions, runTriggerOptionsSchema, scheduleAndRunOptionsSchema, scheduleOptionsSchema } from './options-schema';
import { recordPlan, scheduledActionInput, schedulerInput } from './plan';
import { buildRunData } from './run-data';
import { lookupDefinition, resolveTargets, type ScheduleTarget, type Triggerable } from './targets';

export type { DrainCounts, DrainResult } from './drain';
export type { ScheduleTarget, Triggerable } from './targets';

/** AshOban's `scope`: who, for which tenant, and with what shared context a call acts. */
export interface CallScope {
  actor?: unknown;
  tenant?: Tenant | null;
  /** Shared context the runs carry (and pass on to runs started from inside them). */
  context?: Record<string, unknown>;
}

/** What every call that starts runs accepts about who it acts for. */
export interface ActingOptions {
  /**
   * Who the run acts for. Stored only in its persisted form (`actorPersister.store`); refused
   * without a persister. Inside a run, the run's actor is the default.
   */
  actor?: unknown;
  /** `{ actor, tenant, context }` in one object (AshOban's scope); the direct options win. */
  scope?: CallScope;
  /** Whether the runs act with authorization (handed to `prepareTransaction`). @default the app's `authorize` */
  authorize?: boolean;
  /** Tags added to the runs' `TriggerTags`. */
  tags?: string[];
}

export interface RunTriggerOptions extends ActingOptions {
  /** Arguments merged over the trigger's `actionInput` and handed to the action as `ctx.args`. They make the run unique. */
  actionArguments?: Record<string, unknown>;
  /** Extra arguments: part of the run's identity, given to the action as `ctx.extraArgs` (the trigger's `extraArgs` win). */
  args?: Record<string, unknown>;
  /** The tenant of the run (part of its workflow id). Inside a run, the run's tenant is the default. */
  tenant?: Tenant | null;
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

export interface ScheduleAndRunOptions extends ActingOptions {
  /** Wait for every run started and count outcomes. Default false. */
  drain?: boolean;
  /** Also run the scheduled actions of the targets. Default false (true for an explicitly named one). */
  scheduledActions?: boolean;
  /** Include triggers. Default true. */
  triggers?: boolean;
  /** Only the triggers and scheduled actions on this task queue. */
  queue?: string;
  actionArguments?: Record<string, unknown>;
  /** One tenant; default: every tenant of each target (`listTenants`). */
  tenant?: Tenant | null;
  /** Give up draining after this many ms. Default 120 000. */
  drainTimeoutMs?: number;
}

export interface ScheduleOptions extends ActingOptions {
  actionArguments?: Record<string, unknown>;
  /** One tenant; default: every tenant the definition lists (`listTenants`), as AshOban's scheduler. */
  tenant?: Tenant | null;
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

  /**
   * Who a call acts for: the given actor (persisted with the definition's persister), tenant and
   * context; inside a run, that run's are the defaults (a nested runTrigger inherits them).
   */
  private async actingScope(
    def: Trigger | ScheduledAction,
    opts: ActingOptions & { tenant?: Tenant | null },
    where: string,
  ): Promise<{ scope: RunScope; tenantGiven: boolean; tenant: Tenant | null; actor: unknown }> {
    const inside = currentRun();
    const e = effective(this.app, def);
    const explicitActor = opts.actor ?? opts.scope?.actor;
    const actor =
      explicitActor !== undefined
        ? await persistActor(explicitActor, e.actorPersister, where)
        : inside?.actor !== undefined && inside.actor !== null && e.actorPersister
          ? await e.actorPersister.store(inside.actor)
          : undefined;
    const tenantGiven = opts.tenant !== undefined || opts.scope?.tenant !== undefined || inside !== undefined;
    const tenant = (opts.tenant !== undefined ? opts.tenant : opts.scope?.tenant !== undefined ? opts.scope.tenant : (inside?.tenant as Tenant | null | undefined)) ?? null;
    const ref = tenantRef(tenant, e.tenantKey, where);
    const context = opts.scope?.context ?? (inside ? inside.shared : undefined);
    const scope: RunScope = {
      tenant: ref?.key ?? null,
      ...(ref?.value !== undefined ? { tenantValue: ref.value } : {}),
      ...(actor !== undefined ? { actor } : {}),
      ...(opts.authorize !== undefined ? { authorize: opts.authorize } : {}),
      ...(context && Object.keys(context).length ? { context } : {}),
    };
    // The actor as code sees it while the run is built (readMetadata, extraArgs): the one given, the
    // enclosing run's, else the default; no lookup needed for those.
    const actorValue = explicitActor ?? inside?.actor ?? e.defaultActor ?? null;
    return { scope, tenantGiven, tenant, actor: actorValue };
  }

  /** The start options of the per-record run for `record`, without starting it. */
  async buildTrigger(record: Record<string, unknown>, ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<BuiltTrigger> {
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
    const { scope, tenant, actor } = await this.actingScope(t, opts, `runTrigger ${t.id}`);
    const plan = recordPlan(this.app, t);
    const owned = Object.keys(opts.startOptions ?? {}).filter((k) => OWNED_START_OPTIONS.includes(k));
    if (owned.length) {
      throw new ConfigError(
        `runTrigger/buildTrigger options: startOptions.${owned[0]} is set by the library (search attributes make runs filterable in the UI; the id policies are how in-flight runs and triggerOnce are deduplicated). Use triggerOnce for the policy, or set it on the returned options of buildTrigger if you really mean to.`,
      );
    }
    const data = buildRunData(t, record, recordId, { actor, tenant }, opts.args);
    if ('problem' in data) throw new ConfigError(`runTrigger/buildTrigger: ${data.problem}`);
    const run = recordRun(plan, { key, recordId, ...data }, scope, opts.actionArguments ?? {});
    return {
      workflowType: t.workflowType,
      options: {
        workflowId: run.workflowId,
        taskQueue: t.queue,
        args: [run.input],
        workflowIdReusePolicy: t.triggerOnce ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: recordSearchAttributes(plan, recordId, scope.tenant, opts.tags),
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
    const built = await this.buildTrigger(record, ref, opts);
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
    if (def.kind === 'trigger') return this.startScheduler(def, opts, false);
    const { scope, tenantGiven } = await this.actingScope(def, opts, `schedule ${def.id}`);
    // Without a tenant, a definition with listTenants runs once per tenant (the workflow lists them).
    const tenantPart = tenantGiven ? { ...scope } : { ...scope, tenant: undefined, listTenants: effective(this.app, def).listTenants !== undefined };
    const tags = [...new Set([...def.tags, ...(opts.tags ?? [])])];
    return this.client.workflow.start(def.workflowType, {
      // Unique while running per tenant and arguments (AshOban's ActionWorker keys), like schedulers.
      workflowId: `${def.workflowType}/manual/${tenantIdPart(tenantGiven ? scope.tenant : null)}/${fingerprint(stableStringify({ ...opts.actionArguments, ...(scope.actor !== undefined ? { '~actor': scope.actor } : {}) }))}`,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      taskQueue: def.queue,
      priority: temporalPriority(def.priority),
      memo: roleMemo('scheduled-action'),
      args: [scheduledActionInput(this.app, def, { ...tenantPart, actionArguments: opts.actionArguments, ...(tags.length ? { tags } : {}) })],
      typedSearchAttributes: [
        { key: TriggerOwner, value: this.app.name },
        { key: TriggerKind, value: 'scheduled-action' },
        { key: TriggerName, value: def.id },
        { key: TriggerOutcome, value: 'running' },
        ...(tenantGiven && scope.tenant !== null ? [{ key: TriggerTenant, value: scope.tenant }] : []),
        ...(tags.length ? [{ key: TriggerTags, value: tags }] : []),
      ],
    });
  }

  /**
   * Starts a trigger's scheduler. One manual scheduler per trigger and tenant at a time (AshOban's
   * scheduler is unique while incomplete): a second call while one runs gets the running one's
   * handle. A draining caller gets a scheduler of its own: it finds that tick's runs by their parent.
   */
  private async startScheduler(def: Trigger, opts: ScheduleOptions, forDrain: boolean): Promise<WorkflowHandle> {
    const { scope, tenantGiven } = await this.actingScope(def, opts, `schedule ${def.id}`);
    // Without a tenant the scheduler queries every tenant of the trigger, one after the other.
    const tenantPart = tenantGiven ? scope : { ...scope, tenant: undefined };
    return this.client.workflow.start(def.schedulerWorkflowType, {
      workflowId: `${def.schedulerWorkflowType}/manual/${tenantGiven ? tenantIdPart(scope.tenant) : '-'}${forDrain ? `/drain-${randomUUID()}` : ''}`,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      taskQueue: def.schedulerQueue,
      workflowTaskTimeout: SCHEDULER_TASK_TIMEOUT,
      priority: temporalPriority(def.schedulerPriority),
      memo: roleMemo('scheduler'),
      args: [schedulerInput(this.app, def, { ...tenantPart, actionArguments: opts.actionArguments, childrenPerRun: opts.childrenPerRun, ...(opts.tags?.length ? { tags: opts.tags } : {}) })],
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
    const scheduleOpts: ScheduleOptions = {
      actionArguments: opts.actionArguments,
      ...(opts.actor !== undefined ? { actor: opts.actor } : {}),
      ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
      ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
      ...(opts.authorize !== undefined ? { authorize: opts.authorize } : {}),
      ...(opts.tags !== undefined ? { tags: opts.tags } : {}),
    };
    const targets = resolveTargets(this.app, target, opts).filter((d) => opts.queue === undefined || (d.kind === 'trigger' ? d.queue === opts.queue || d.schedulerQueue === opts.queue : d.queue === opts.queue));
    for (const def of targets) {
      if (!opts.drain) {
        await this.schedule(def, scheduleOpts);
        continue;
      }
      if (def.kind === 'scheduled-action') {
        const handle = await this.schedule(def, scheduleOpts);
        await drainOne(this.client, handle.workflowId, deadline, result, 'scheduledAction');
        // run over two or more tenants: one run per tenant, each drained too
        const perTenant = ((await handle.result().catch(() => undefined)) as ScheduledActionResult | undefined)?.tenants ?? [];
        await drainRuns(this.client, perTenant, deadline, result, 'scheduledAction');
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
      const tenantKey = opts.tenant !== undefined && opts.tenant !== null ? tenantRef(opts.tenant, effective(this.app, def).tenantKey, def.id)!.key : null;
      const runs = await runsOfTick(this.client, this.app, def, { schedulerWorkflowId: handle.workflowId, started: stats?.started ?? 0, since, tenant: tenantKey }, deadline);
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
