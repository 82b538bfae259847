/**
 * The activities one attempt calls, as the workflow proxies them: the action (or onError) as a
 * normal or a local activity, the trigger's `timeout` and `backoff` functions, and the commit
 * marker look-ups that tell what a lost attempt did.
 */
import { log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { exponentialBackoffSeconds } from './backoff';
import { temporalPriority } from './priority';
import { ACTIVITY_HEARTBEAT_TIMEOUT, type RecordPlan, type SerializedErrorData, type TimeoutInput, type TriggerActivityFns } from './types';

const NO_TIMEOUT = '3650 days';

export type AttemptActivities = Pick<TriggerActivityFns, 'pttRunAction' | 'pttRunOnError' | 'pttRunScheduledAction' | 'pttCommitted' | 'pttCommitResult'>;

/**
 * The attempt's activities. Attempts are counted by the workflow (a snooze is not an attempt), so
 * each runs once. `local`: run by this worker and recorded as one marker; a crashed worker is
 * noticed through the workflow task timeout and the attempt runs again on another worker.
 */
export function attemptActivities(timeoutMs: number | null, priority?: number, local = false): AttemptActivities {
  // Started runs carry their priority and activities inherit it; a Schedule cannot set one, so
  // runs it starts set it on their activities.
  const prio = priority !== undefined ? { priority: temporalPriority(priority) } : {};
  const markers = proxyActivities<TriggerActivityFns>({ ...prio, startToCloseTimeout: '1 minute', retry: { maximumAttempts: 20, initialInterval: '1 second', maximumInterval: '1 minute' } });
  const attempts = proxyActivities<TriggerActivityFns>({ ...prio, startToCloseTimeout: timeoutMs ?? NO_TIMEOUT, heartbeatTimeout: ACTIVITY_HEARTBEAT_TIMEOUT, retry: { maximumAttempts: 1 } });
  if (local) {
    const locals = proxyLocalActivities<TriggerActivityFns>({ startToCloseTimeout: timeoutMs ?? NO_TIMEOUT, retry: { maximumAttempts: 1 } });
    const localMarkers = proxyLocalActivities<TriggerActivityFns>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 20, initialInterval: '1 second', maximumInterval: '1 minute' } });
    return { pttRunAction: locals.pttRunAction, pttRunOnError: locals.pttRunOnError, pttRunScheduledAction: attempts.pttRunScheduledAction, pttCommitted: markers.pttCommitted, pttCommitResult: localMarkers.pttCommitResult };
  }
  // (a proxy: its functions are read one by one, spreading it would copy none)
  return { pttRunAction: attempts.pttRunAction, pttRunOnError: attempts.pttRunOnError, pttRunScheduledAction: attempts.pttRunScheduledAction, pttCommitted: markers.pttCommitted, pttCommitResult: markers.pttCommitResult };
}

/**
 * The activities of each attempt. With a static `timeout` they are made once; with a `timeout`
 * function, its answer for the attempt is asked first (a local activity) and the attempt runs under it.
 */
export function attemptActivitiesFor(
  timeoutMs: number | null | 'function',
  priority: number | undefined,
  ask: (attemptNo: number) => Promise<number | null>,
  local = false,
): (attemptNo: number) => Promise<{ acts: AttemptActivities; timeoutMs?: number | null }> {
  if (timeoutMs !== 'function') {
    const acts = attemptActivities(timeoutMs, priority, local);
    return async () => ({ acts });
  }
  return async (attemptNo) => {
    const ms = await ask(attemptNo);
    return { acts: attemptActivities(ms, priority, local), timeoutMs: ms };
  };
}

/** The calling run's `timeout` function, asked in a local activity (no limit when it fails). */
export function askTimeout(input: Omit<TimeoutInput, 'attempt'>): (attemptNo: number) => Promise<number | null> {
  const { pttTimeout } = proxyLocalActivities<TriggerActivityFns>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });
  return async (attemptNo) => {
    try {
      return await pttTimeout({ ...input, attempt: attemptNo });
    } catch (err) {
      log.warn(`timeout function failed, the attempt runs without a limit: ${(err as Error).message}`);
      return null;
    }
  };
}

/** Seconds to wait after an attempt that did not return: how `backoff` says, else exponential. */
export type TimeoutBackoff = (attemptNo: number, error: SerializedErrorData) => Promise<number>;

/** The backoff after an attempt that did not return; a `backoff` function is asked in a local activity. */
export function timeoutBackoff(backoff: RecordPlan['backoff']): TimeoutBackoff {
  if (typeof backoff === 'number') return async () => backoff;
  if (backoff !== 'function') return async (attemptNo) => exponentialBackoffSeconds(attemptNo);
  const { pttBackoff } = proxyLocalActivities<TriggerActivityFns>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });
  return async (attemptNo, error) => {
    try {
      return await pttBackoff({ attempt: attemptNo, error });
    } catch {
      return exponentialBackoffSeconds(attemptNo);
    }
  };
}
