/**
 * Starting one record's run now (`runTrigger`, `runTriggers`), or only building its start options
 * (`buildTrigger`): the same id, input and search attributes as the scheduler's fan-out.
 */
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import { WorkflowIdReusePolicy, type Duration } from '@temporalio/common';
import type { App, Trigger } from '../definitions/define';
import { recordPlan } from '../definitions/wire-plan';
import { ConfigError, DefinitionError } from '../errors';
import { encodeKey, recordIdOf } from '../../workflows/primary-key';
import { temporalPriority } from '../../workflows/priority';
import { recordRun, recordSearchAttributes } from '../../workflows/record-run';
import { roleMemo } from '../../workflows/registry';
import { parseOptions, runTriggerOptionsSchema } from '../runtime/options-schema';
import { buildRunData } from '../runtime/run-data';
import type { Tenant } from '../runtime/tenants';
import { actingScope, type ActingOptions } from './acting-scope';

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

/** Start options the library sets itself (refused in `startOptions`). */
const OWNED_START_OPTIONS = ['searchAttributes', 'typedSearchAttributes', 'workflowIdReusePolicy', 'workflowIdConflictPolicy'];

export function triggerOf(app: App, ref: TriggerRef): Trigger {
  return typeof ref === 'string' ? app.trigger(ref) : ref;
}

/** The start options of the per-record run for `record`, without starting it. */
export async function buildTrigger(app: App, record: Record<string, unknown>, ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<BuiltTrigger> {
  parseOptions(runTriggerOptionsSchema, opts, 'runTrigger/buildTrigger options');
  const t = triggerOf(app, ref);
  const pk = t.resource.primaryKey;
  let key;
  try {
    key = encodeKey(record, pk);
  } catch (err) {
    throw new DefinitionError(`${t.id}`, `buildTrigger: ${(err as Error).message} (pass the record, or at least its primary key ${pk.join(', ')})`);
  }
  const recordId = recordIdOf(key, pk);
  const { scope, tenant, actor } = await actingScope(app, t, opts, `runTrigger ${t.id}`);
  const plan = recordPlan(app, t);
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
export async function runTrigger(client: Client, app: App, record: Record<string, unknown>, ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<StartedRun> {
  const built = await buildTrigger(app, record, ref, opts);
  try {
    const handle = await client.workflow.start(built.workflowType, built.options);
    return Object.assign(handle, { alreadyRunning: false, alreadyCompleted: false });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle = client.workflow.getHandle(built.options.workflowId);
    const status = (await handle.describe()).status.name;
    if (status === 'RUNNING') return Object.assign(handle, { alreadyRunning: true, alreadyCompleted: false });
    if (triggerOf(app, ref).triggerOnce && status === 'COMPLETED') return Object.assign(handle, { alreadyRunning: false, alreadyCompleted: true });
    // The run in flight closed between our start and describe: start again.
    return runTrigger(client, app, record, ref, opts);
  }
}

/** `runTrigger` for each record, 50 at a time. */
export async function runTriggers(client: Client, app: App, records: Record<string, unknown>[], ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<StartedRun[]> {
  const out: StartedRun[] = [];
  for (let i = 0; i < records.length; i += 50) {
    out.push(...(await Promise.all(records.slice(i, i + 50).map((r) => runTrigger(client, app, r, ref, opts)))));
  }
  return out;
}
