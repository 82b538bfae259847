/**
 * Reconciles the app's Temporal Schedules with its definitions (run at worker boot):
 * - every trigger with a scheduler and every scheduled action has a Schedule (created, or updated
 *   when its definition changed: a hash of it is kept in the `TriggerConfigHash` attribute);
 * - `state: 'paused'` pauses it, `'active'` unpauses it (unless paused at runtime by an operator);
 * - `'deleted'` or a definition that is gone removes it.
 * Only schedules tagged `TriggerOwner = <app name>` are touched. Running it twice changes nothing.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { App, ScheduledAction, Trigger } from '../definitions/define';
import { scheduleIdFor } from '../definitions/names';
import { scheduledActionInput, schedulerInput } from '../runtime/plan';
import { fingerprint, stableStringify } from '../../workflows/primary-key';
import { SCHEDULER_TASK_TIMEOUT } from '../../workflows/types';
import { TriggerConfigHash, TriggerKind, TriggerName, TriggerOwner } from '../../workflows/search-attributes';

/** Note on schedules paused at runtime (`pauseTrigger`): boot keeps them paused. */
export const RUNTIME_PAUSE_NOTE = 'paused at runtime';

export interface SyncReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
}

interface Desired {
  scheduleId: string;
  options: ScheduleOptions;
  paused: boolean;
  hash: string;
}

function desiredFor(app: App, def: Trigger | ScheduledAction): Desired {
  const isTrigger = def.kind === 'trigger';
  const cron = isTrigger ? (def.schedulerCron as string) : def.cron;
  const timezone = isTrigger ? def.schedulerTimezone : def.timezone;
  const workflowType = isTrigger ? def.schedulerWorkflowType : def.workflowType;
  const taskQueue = isTrigger ? def.schedulerQueue : def.queue;
  const args = isTrigger ? [schedulerInput(app, def)] : [scheduledActionInput(app, def)];
  const kind = isTrigger ? 'scheduler' : 'scheduled-action';
  const paused = def.state === 'paused';
  const hash = fingerprint(stableStringify({ cron, timezone, workflowType, taskQueue, args, paused }));
  const scheduleId = scheduleIdFor(workflowType);
  return {
    scheduleId,
    paused,
    hash,
    options: {
      scheduleId,
      spec: { cronExpressions: [cron], ...(timezone ? { timezone } : {}) },
      action: {
        type: 'startWorkflow',
        workflowType,
        taskQueue,
        args,
        ...(isTrigger ? { workflowTaskTimeout: SCHEDULER_TASK_TIMEOUT } : {}),
        typedSearchAttributes: [
          { key: TriggerOwner, value: app.name },
          { key: TriggerKind, value: kind },
          { key: TriggerName, value: def.id },
        ],
      },
      policies: {
        // One scheduler at a time (AshOban: unique while incomplete); a trigger heals itself at its
        // next tick, so missed ticks are not replayed. Scheduled actions catch up for a day.
        overlap: ScheduleOverlapPolicy.SKIP,
        catchupWindow: isTrigger ? '1 minute' : '1 day',
      },
      state: { paused, note: paused ? `state: 'paused' in the definition of ${def.id}` : undefined },
      typedSearchAttributes: [
        { key: TriggerOwner, value: app.name },
        { key: TriggerKind, value: kind },
        { key: TriggerName, value: def.id },
        { key: TriggerConfigHash, value: hash },
      ],
    },
  };
}

/** The Schedules the app's definitions call for. */
export function desiredSchedules(app: App): Desired[] {
  const out: Desired[] = [];
  for (const t of app.triggers) if (t.schedulerCron !== false && t.state !== 'deleted') out.push(desiredFor(app, t));
  for (const a of app.scheduledActions) if (a.state !== 'deleted') out.push(desiredFor(app, a));
  return out;
}

export async function syncSchedules(client: Client, app: App): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], unchanged: [], deleted: [] };
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
    const current = await handle.describe();
    const currentHash = current.typedSearchAttributes?.get(TriggerConfigHash);
    const runtimePaused = current.state.paused && (current.state.note ?? '').startsWith(RUNTIME_PAUSE_NOTE);
    const wantPaused = d.paused || runtimePaused;
    if (currentHash === d.hash && current.state.paused === wantPaused) {
      report.unchanged.push(d.scheduleId);
      continue;
    }
    await handle.update((prev) => ({
      ...prev,
      spec: d.options.spec,
      action: d.options.action as typeof prev.action,
      policies: { ...prev.policies, ...d.options.policies },
      state: { ...prev.state, paused: wantPaused, note: runtimePaused ? current.state.note : d.options.state?.note },
      typedSearchAttributes: d.options.typedSearchAttributes,
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
  for await (const s of client.schedule.list({ query: `TriggerOwner = '${app.name.replace(/'/g, "\\'")}'` })) {
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
