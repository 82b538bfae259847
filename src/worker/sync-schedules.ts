/**
 * Reconciles the app's Temporal Schedules with its definitions (run at worker boot):
 * - every trigger with a scheduler and every scheduled action has a Schedule (created, or updated
 *   when its definition changed: a hash of it is kept in the `TriggerConfigHash` attribute);
 * - the definition's `state` pauses or resumes it when that state changes; a pause or resume done
 *   at runtime by an operator (UI, CLI, API, any note) is kept across boots until the definition's
 *   own state changes, and reported (`SyncReport.operatorOverrides`);
 * - `'deleted'` or a definition that is gone removes it.
 * Only schedules tagged `TriggerOwner = <app name>` are touched. Running it twice changes nothing.
 */
import type { Duration } from '@temporalio/common';
import type { OverlapPolicy } from '../definitions/options';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { App, ScheduledAction, Trigger } from '../definitions/define';
import { scheduleIdFor } from '../definitions/names';
import { effective } from '../runtime/effective';
import { scheduledActionInput, schedulerInput } from '../definitions/wire-plan';
import { fingerprint, stableStringify } from '../../workflows/primary-key';
import { roleMemo } from '../../workflows/registry';
import { SCHEDULER_TASK_TIMEOUT } from '../../workflows/types';
import { runSearchAttributes, TriggerConfigHash } from '../../workflows/search-attributes';
import { quote } from '../client/visibility';

/** A Schedule whose paused state differs from its definition because someone changed it at runtime. */
export interface OperatorOverride {
  scheduleId: string;
  /** `<Resource>.<name>` of the trigger or scheduled action. */
  name: string;
  /** What the definition says. */
  definition: 'active' | 'paused';
  /** What the Schedule is, and stays until the definition's state changes. */
  actual: 'active' | 'paused';
  /** The Schedule's note (the operator's reason, when they gave one). */
  note?: string;
  /** When boot first saw the Schedule differ from its definition (the operator acted before). */
  since: Date;
}

export interface SyncReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
  /** Schedules kept paused or running as an operator left them, against their definition. */
  operatorOverrides: OperatorOverride[];
}

/** One line for boot logs about a Schedule an operator paused or resumed. */
export function describeOverride(o: OperatorOverride): string {
  const note = o.note ? ` (note: "${o.note}")` : '';
  return `${o.name}: ${o.actual === 'paused' ? 'paused' : 'resumed'} by an operator, seen since ${o.since.toISOString()}${note}; the definition says ${o.definition}. Kept as the operator left it until the definition's own state changes.`;
}

/**
 * `TriggerConfigHash` holds `<hash of what the Schedule does>:<the definition's state>`, so boot
 * can tell a definition that changed its state from an operator who changed the Schedule's, plus
 * `:<ms>` while an operator's change is in force: when boot first saw it.
 */
function configValue(hash: string, state: 'active' | 'paused', overrideSeen?: number): string {
  return `${hash}:${state}${overrideSeen !== undefined ? `:${overrideSeen}` : ''}`;
}

function parseConfigValue(value: string | undefined): { hash?: string; state?: 'active' | 'paused'; overrideSeen?: number } {
  if (!value) return {};
  const [hash, state, seen] = value.split(':');
  return { hash, state: state === 'active' || state === 'paused' ? state : undefined, overrideSeen: seen && /^\d+$/.test(seen) ? Number(seen) : undefined };
}

export interface DesiredSchedule {
  scheduleId: string;
  name: string;
  options: ScheduleOptions;
  /** The definition's state: paused or not. */
  paused: boolean;
  /** Hash of what the Schedule does (spec, action, policies), not of its paused state. */
  hash: string;
  /** The Schedule's search attributes but `TriggerConfigHash`. */
  attributes: SearchAttributePair[];
}

export const OVERLAP_POLICIES: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  bufferOne: ScheduleOverlapPolicy.BUFFER_ONE,
  bufferAll: ScheduleOverlapPolicy.BUFFER_ALL,
  allowAll: ScheduleOverlapPolicy.ALLOW_ALL,
  cancelOther: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminateOther: ScheduleOverlapPolicy.TERMINATE_OTHER,
};

function desiredFor(app: App, def: Trigger | ScheduledAction): DesiredSchedule {
  const isTrigger = def.kind === 'trigger';
  const cron = isTrigger ? (def.schedulerCron as string) : def.cron;
  const timezone = isTrigger ? def.schedulerTimezone : def.timezone;
  const workflowType = isTrigger ? def.schedulerWorkflowType : def.workflowType;
  const taskQueue = isTrigger ? def.schedulerQueue : def.queue;
  const args = isTrigger
    ? [schedulerInput(app, def)]
    : [scheduledActionInput(app, def, { ...(effective(app, def).listTenants !== undefined ? { listTenants: true } : {}), ...(def.tags.length ? { tags: def.tags } : {}) })];
  const kind = isTrigger ? 'scheduler' : 'scheduled-action';
  const paused = def.state === 'paused';
  // durations were checked by the definition schema
  const policies = { overlap: OVERLAP_POLICIES[def.overlap], catchupWindow: (def.catchupWindow ?? (isTrigger ? '1 minute' : '1 day')) as Duration };
  const jitter = def.jitter as Duration | undefined;
  const hash = fingerprint(stableStringify({ cron, timezone, workflowType, taskQueue, args, role: kind, policies, jitter }));
  const scheduleId = scheduleIdFor(workflowType);
  const attributes: SearchAttributePair[] = runSearchAttributes({ owner: app.name, kind, name: def.id });
  return {
    scheduleId,
    name: def.id,
    paused,
    hash,
    attributes,
    options: {
      scheduleId,
      spec: { cronExpressions: [cron], ...(timezone ? { timezone } : {}), ...(jitter !== undefined ? { jitter } : {}) },
      action: {
        type: 'startWorkflow',
        workflowType,
        taskQueue,
        args,
        memo: roleMemo(kind),
        ...(isTrigger ? { workflowTaskTimeout: SCHEDULER_TASK_TIMEOUT } : {}),
        typedSearchAttributes: attributes,
      },
      // By default one tick at a time (AshOban: unique while incomplete): ticks that come while one
      // runs are skipped, so downtime leaves at most one catch-up tick, never a backlog.
      policies,
      state: { paused, note: paused ? `state: 'paused' in the definition of ${def.id}` : undefined },
      typedSearchAttributes: [...attributes, { key: TriggerConfigHash, value: configValue(hash, paused ? 'paused' : 'active') }],
    },
  };
}

/** The Schedules the app's definitions call for. */
export function desiredSchedules(app: App): DesiredSchedule[] {
  const out: DesiredSchedule[] = [];
  for (const t of app.triggers) if (t.schedulerCron !== false && t.state !== 'deleted') out.push(desiredFor(app, t));
  for (const a of app.scheduledActions) if (a.state !== 'deleted') out.push(desiredFor(app, a));
  return out;
}

export async function syncSchedules(client: Client, app: App): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], unchanged: [], deleted: [], operatorOverrides: [] };
  const desired = desiredSchedules(app);
  const wanted = new Set(desired.map((d) => d.scheduleId));
  for (const d of desired) {
    try {
      await client.schedule.create(d.options);
      report.created.push(d.scheduleId);
      continue;
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    const handle = client.schedule.getHandle(d.scheduleId);
    // Described twice: the server reads a Schedule's search attributes (TriggerConfigHash, what
    // the last boot wrote) before it queries its state, and the query waits for an update still
    // being applied (another worker booting just before). The second read sees that update too.
    await handle.describe();
    const current = await handle.describe();
    const plan = reconcile(d, current);
    if (plan.override) report.operatorOverrides.push(plan.override);
    if (!plan.update) {
      report.unchanged.push(d.scheduleId);
      continue;
    }
    await handle.update((prev) => ({
      ...prev,
      spec: d.options.spec,
      action: d.options.action as typeof prev.action,
      policies: { ...prev.policies, ...d.options.policies },
      state: { ...prev.state, paused: plan.paused, note: plan.note },
      typedSearchAttributes: [...d.attributes, { key: TriggerConfigHash, value: plan.configValue }],
    }));
    report.updated.push(d.scheduleId);
  }
  // `state: 'deleted'`: remove by id (the listing below is only eventually consistent).
  const deletedTypes = [
    ...app.triggers.filter((t) => t.state === 'deleted').map((t) => t.schedulerWorkflowType),
    ...app.scheduledActions.filter((a) => a.state === 'deleted').map((a) => a.workflowType),
  ];
  for (const type of deletedTypes) {
    const id = scheduleIdFor(type);
    try {
      await client.schedule.getHandle(id).delete();
      report.deleted.push(id);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  // Remove this app's schedules whose definitions are gone.
  for await (const s of client.schedule.list({ query: `TriggerOwner = ${quote(app.name)}` })) {
    if (wanted.has(s.scheduleId) || report.deleted.includes(s.scheduleId)) continue;
    try {
      await client.schedule.getHandle(s.scheduleId).delete();
      report.deleted.push(s.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }
  return report;
}

/**
 * What boot does with an existing Schedule. Its paused state follows the definition only when the
 * definition's state changed since the last boot (or the Schedule is new); otherwise it stays as
 * it is, and a difference from the definition is an operator's doing, reported.
 */
export function reconcile(
  d: DesiredSchedule,
  current: Pick<ScheduleDescription, 'state' | 'typedSearchAttributes'>,
  now: Date = new Date(),
): { update: boolean; paused: boolean; note: string | undefined; configValue: string; override?: OperatorOverride } {
  const wantState = d.paused ? 'paused' : 'active';
  const storedValue = current.typedSearchAttributes?.get(TriggerConfigHash);
  const stored = parseConfigValue(storedValue);
  // A Schedule from before this bookkeeping: take its state as the definition's, so an operator's pause survives the upgrade.
  const definitionChanged = stored.state !== undefined && stored.state !== wantState;
  const paused = definitionChanged ? d.paused : current.state.paused;
  const note = definitionChanged ? d.options.state?.note : current.state.note;
  const overridden = paused !== d.paused;
  const seen = overridden ? (stored.overrideSeen ?? now.getTime()) : undefined;
  const value = configValue(d.hash, wantState, seen);
  const update = storedValue !== value || current.state.paused !== paused;
  const override: OperatorOverride | undefined = overridden
    ? { scheduleId: d.scheduleId, name: d.name, definition: wantState, actual: paused ? 'paused' : 'active', note: current.state.note || undefined, since: new Date(seen!) }
    : undefined;
  return { update, paused, note, configValue: value, ...(override ? { override } : {}) };
}
