/** What runs carry of their definitions (pure). */
import type { App, ScheduledAction, Trigger } from './define';
import { RUN_COMMANDS, type RecordPlan, type ScheduledActionInput, type SchedulerInput } from '../../workflows/types';

/** A definition's `timeout` as runs carry it: ms, null for none, or 'function' (asked before each attempt). */
export function plannedTimeout(timeout: Trigger['timeout']): number | null | 'function' {
  return typeof timeout === 'function' ? 'function' : timeout === 'infinity' ? null : timeout;
}

export function recordPlan(app: App, t: Trigger): RecordPlan {
  return {
    owner: app.name,
    triggerId: t.id,
    resource: t.resource.model,
    workflowType: t.workflowType,
    taskQueue: t.queue,
    maxAttempts: t.maxAttempts,
    timeoutMs: plannedTimeout(t.timeout),
    triggerOnce: t.triggerOnce,
    backoff: typeof t.backoff === 'function' ? 'function' : t.backoff,
    priority: t.workerPriority,
    ...(t.tags.length ? { tags: t.tags } : {}),
    ...(t.chunks ? { chunkSize: t.chunks.size } : {}),
    ...(t.attemptsAs === 'activity' ? { attemptsAs: 'activity' as const } : {}),
    hasOnError: t.onError !== undefined,
    onErrorFailsJob: t.onErrorFailsJob,
    logErrors: t.logErrors,
    logFinalError: t.logFinalError,
    debug: t.debug,
  };
}

export function schedulerInput(app: App, t: Trigger, extra: Partial<SchedulerInput> = {}): SchedulerInput {
  return { owner: app.name, commands: RUN_COMMANDS, triggerId: t.id, maxAttempts: t.maxSchedulerAttempts, priority: t.schedulerPriority, ...extra };
}

export function scheduledActionInput(app: App, a: ScheduledAction, extra: Partial<ScheduledActionInput> = {}): ScheduledActionInput {
  return { owner: app.name, actionId: a.id, maxAttempts: a.maxAttempts, timeoutMs: plannedTimeout(a.timeout), priority: a.priority, backoff: typeof a.backoff === 'function' ? 'function' : a.backoff, ...extra };
}
