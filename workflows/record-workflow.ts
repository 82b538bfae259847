/**
 * The per-record workflow (one run per record and trigger). Each attempt is one activity that, in
 * ONE database transaction, re-reads the record with the trigger's `where`, locks it, runs the
 * action and commits. Retries, backoff and snooze are durable timers here, so they survive worker
 * and server restarts; a snooze does not use an attempt.
 */
import { ApplicationFailure, continueAsNew, log, patched, proxyActivities, proxyLocalActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { exponentialBackoffSeconds, infrastructureRetryMs, MAX_INFRASTRUCTURE_RETRIES } from './backoff';
import { runStateQuery } from './messages';
import { temporalPriority } from './priority';
import { TriggerOutcome } from './search-attributes';
import { countRecords } from './metrics';
import { ACTIVITY_HEARTBEAT_TIMEOUT, FAILURE_TYPE, type TimeoutInput, type AttemptOutcome, type RecordPlan, type RecordRunInput, type RecordRunResult, type RunActionInput, type SerializedErrorData, type TriggerActivityFns } from './types';

const NO_TIMEOUT = '3650 days';
/** A run that snoozes this many times continues as new, so its history never nears the limit. */
export const SNOOZES_PER_RUN = 500;

/** Patch id of per-record attempts as local activities (runs started before it keep normal activities). */
export const LOCAL_ATTEMPTS_PATCH = 'ptt-local-attempts';

export function attemptActivities(timeoutMs: number | null, priority?: number, local = false): Pick<TriggerActivityFns, 'pttRunAction' | 'pttRunOnError' | 'pttRunScheduledAction' | 'pttCommitted'> {
  const { pttCommitted } = proxyActivities<TriggerActivityFns>({
    ...(priority !== undefined ? { priority: temporalPriority(priority) } : {}),
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 20, initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  const attempts = proxyActivities<TriggerActivityFns>({
    // Started runs carry their priority and activities inherit it; a Schedule cannot set one, so
    // runs it starts set it on their activities.
    ...(priority !== undefined ? { priority: temporalPriority(priority) } : {}),
    startToCloseTimeout: timeoutMs ?? NO_TIMEOUT,
    heartbeatTimeout: ACTIVITY_HEARTBEAT_TIMEOUT,
    // Attempts are counted by the workflow (a snooze is not an attempt), so the activity runs once.
    retry: { maximumAttempts: 1 },
  });
  if (local) {
    // A local activity: run by this worker and recorded as one marker; a crashed worker is noticed
    // through the workflow task timeout. Attempts are counted by the workflow, so it runs once.
    const locals = proxyLocalActivities<TriggerActivityFns>({ startToCloseTimeout: timeoutMs ?? NO_TIMEOUT, retry: { maximumAttempts: 1 } });
    return { pttRunAction: locals.pttRunAction, pttRunOnError: locals.pttRunOnError, pttRunScheduledAction: attempts.pttRunScheduledAction, pttCommitted };
  }
  // (a proxy: its functions are read one by one, spreading it would copy none)
  return { pttRunAction: attempts.pttRunAction, pttRunOnError: attempts.pttRunOnError, pttRunScheduledAction: attempts.pttRunScheduledAction, pttCommitted };
}

/** Seconds to wait after an attempt that did not return: how `backoff` says, else exponential. */
export type TimeoutBackoff = (attemptNo: number, error: SerializedErrorData) => Promise<number>;

export const exponentialTimeoutBackoff: TimeoutBackoff = async (attemptNo) => exponentialBackoffSeconds(attemptNo);

/**
 * Runs one attempt; an activity that did not return (timeout, crashed worker) is an error attempt,
 * whose wait `backoff` gives when a retry follows (undefined: none follows, nothing is asked).
 * When none follows, `committed` is asked first: the attempt may have committed before its worker
 * died (a retry would find that out itself, from the commit marker).
 */
export async function attempt(call: () => Promise<AttemptOutcome>, attemptNo: number, backoff: TimeoutBackoff | undefined, committed?: () => Promise<boolean>): Promise<AttemptOutcome> {
  try {
    return await call();
  } catch (err) {
    if (!backoff && committed && (await committed().catch(() => false))) return { status: 'success' };
    const e = err as { message?: string; cause?: { message?: string; name?: string } };
    const message = e.cause?.message ? `${e.message ?? 'activity failed'}: ${e.cause.message}` : (e.message ?? String(err));
    const error: SerializedErrorData = { name: e.cause?.name ?? 'ActivityFailure', message };
    return { status: 'error', error, backoffSeconds: backoff ? await backoff(attemptNo, error) : 0 };
  }
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
): (attemptNo: number) => Promise<{ acts: ReturnType<typeof attemptActivities>; timeoutMs?: number | null }> {
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

/** The backoff after an attempt that did not return; a `backoff` function is asked in a local activity. */
export function timeoutBackoff(backoff: RecordPlan['backoff']): TimeoutBackoff {
  if (typeof backoff === 'number') return async () => backoff;
  if (backoff !== 'function') return exponentialTimeoutBackoff;
  const { pttBackoff } = proxyLocalActivities<TriggerActivityFns>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });
  return async (attemptNo, error) => {
    try {
      return await pttBackoff({ attempt: attemptNo, error });
    } catch {
      return exponentialBackoffSeconds(attemptNo);
    }
  };
}

export async function recordWorkflow(input: RecordRunInput): Promise<RecordRunResult> {
  const { plan } = input;
  const info = workflowInfo();
  let state = 'running';
  setHandler(runStateQuery, () => state);
  const setState = (next: string, outcome?: string): void => {
    state = next;
    upsertSearchAttributes([{ key: TriggerOutcome, value: outcome ?? next }]);
  };
  const scope = {
    tenant: input.tenant,
    ...(input.tenantValue !== undefined ? { tenantValue: input.tenantValue } : {}),
    ...(input.actor !== undefined ? { actor: input.actor } : {}),
    ...(input.authorize !== undefined ? { authorize: input.authorize } : {}),
    ...(input.context !== undefined ? { context: input.context } : {}),
  };
  // Runs started before local attempts existed replay without the patch marker and keep normal activities.
  const local = plan.attemptsAs !== 'activity' && patched(LOCAL_ATTEMPTS_PATCH);
  const activitiesFor = attemptActivitiesFor(
    plan.timeoutMs,
    undefined,
    askTimeout({ ...scope, recordId: input.recordId, actionArguments: input.actionArguments, extraArgs: input.extraArgs, metadata: input.metadata }),
    local,
  );
  const base: Omit<RunActionInput, 'attempt'> = {
    triggerId: plan.triggerId,
    key: input.key,
    ...scope,
    actionArguments: input.actionArguments,
    metadata: input.metadata,
    ...(input.extraArgs ? { extraArgs: input.extraArgs } : {}),
    maxAttempts: plan.maxAttempts,
    workflowId: info.workflowId,
  };
  const backoff = timeoutBackoff(plan.backoff);
  let attemptNo = input.resume?.attempt ?? 1;
  let snoozes = input.resume?.snoozes ?? 0;
  let snoozesThisRun = 0;
  /** `shown`: what the UI's TriggerOutcome says when it differs from the outcome (`error-handled`). */
  const finish = (outcome: RecordRunResult['outcome'], extra: Partial<RecordRunResult> = {}, shown: string = outcome): RecordRunResult => {
    setState(shown);
    const result: RecordRunResult = { outcome, attempts: attemptNo, snoozes, ...extra };
    // one structured line per run (the SDK adds workflowId, runId, workflowType); not a command
    countRecords(plan.triggerId, 'record', shown);
    log.info(`${plan.triggerId} record ${input.recordId}: ${shown}`, { trigger: plan.triggerId, record: input.recordId, ...(input.tenant !== null ? { tenant: input.tenant } : {}), outcome: shown, attempts: attemptNo });
    // With triggerOnce the run's id is reused only after a failed close, so a cancelled run closes
    // failed (type TriggerRunCancelled) to leave the record free to run again, as Oban does.
    if (outcome === 'failure' || outcome === 'discard' || (outcome === 'cancelled' && plan.triggerOnce)) {
      throw ApplicationFailure.create({
        type: FAILURE_TYPE[outcome],
        message: `${plan.triggerId} ${outcome} for record ${input.recordId} after ${attemptNo} attempt(s): ${[extra.error?.message, extra.reason].filter(Boolean).join('; ')}`,
        nonRetryable: true,
        details: [result],
      });
    }
    return result;
  };
  let infrastructureRetries = 0;
  /** The database failed under the attempt: wait and run the same attempt again. */
  const waitOutInfrastructure = async (message: string): Promise<void> => {
    infrastructureRetries++;
    log.warn(`${plan.triggerId} record ${input.recordId}: database unavailable (${message}); attempt ${attemptNo} runs again (retry ${infrastructureRetries}/${MAX_INFRASTRUCTURE_RETRIES})`);
    setState('backoff');
    await sleep(infrastructureRetryMs(infrastructureRetries));
    setState('running');
  };
  const snoozeFor = async (seconds: number): Promise<void> => {
    snoozes++;
    snoozesThisRun++;
    if (plan.debug) log.debug('snoozed', { trigger: plan.triggerId, record: input.recordId, seconds });
    setState('snoozed');
    await sleep(Math.max(1, Math.round(seconds * 1000)));
    setState('running');
    if (snoozesThisRun >= (input.snoozesPerRun ?? SNOOZES_PER_RUN)) await continueAsNew<typeof recordWorkflow>({ ...input, resume: { attempt: attemptNo, snoozes } });
  };

  // Run data that could not be built (a poison record): this run fails alone, naming why.
  if (input.poison) return finish('failure', { error: { name: 'RunDataError', message: input.poison } });

  for (;;) {
    const { acts, timeoutMs } = await activitiesFor(attemptNo);
    const limit = timeoutMs !== undefined ? { timeoutMs } : {};
    const out = await attempt(() => acts.pttRunAction({ ...base, ...limit, attempt: attemptNo }), attemptNo, attemptNo < plan.maxAttempts ? backoff : undefined, () => acts.pttCommitted({ kind: 'action' }));
    if (out.status === 'success') return finish('success');
    if (out.status === 'no-longer-applies') {
      if (plan.debug) log.debug('trigger no longer applies', { trigger: plan.triggerId, record: input.recordId });
      return finish('cancelled', { reason: out.reason });
    }
    if (out.status === 'cancel') return finish('cancelled', { reason: out.reason });
    if (out.status === 'snooze') {
      await snoozeFor(out.seconds);
      continue;
    }
    if (out.infrastructure && infrastructureRetries < MAX_INFRASTRUCTURE_RETRIES) {
      await waitOutInfrastructure(out.error.message);
      continue;
    }
    // an error
    const last = attemptNo >= plan.maxAttempts;
    if (!last) {
      if (plan.logErrors) log.warn(`Error occurred for ${plan.resource} ${input.recordId} on ${plan.triggerId} (attempt ${attemptNo}/${plan.maxAttempts}): ${out.error.message}`);
      setState('backoff');
      await sleep(Math.max(1, Math.round(out.backoffSeconds * 1000)));
      setState('running');
      attemptNo++;
      continue;
    }
    if (plan.logFinalError) log.error(`Error occurred for ${plan.resource} ${input.recordId} on ${plan.triggerId} (final attempt ${attemptNo}/${plan.maxAttempts}): ${out.error.message}`);
    if (!plan.hasOnError) return finish('failure', { error: out.error });
    const handled = await attempt(() => acts.pttRunOnError({ ...base, ...limit, attempt: attemptNo, error: out.error }), attemptNo, undefined, () => acts.pttCommitted({ kind: 'onError' }));
    // Every attempt failed and onError handled it: the run succeeds (as in AshOban), and shows
    // `error-handled` so a filter for runs whose attempts all failed finds it too.
    if (handled.status === 'success') return plan.onErrorFailsJob ? finish('discard', { error: out.error }) : finish('success', { error: out.error }, 'error-handled');
    if (handled.status === 'no-longer-applies' || handled.status === 'cancel') return finish('cancelled', { reason: handled.reason, error: out.error });
    if (handled.status === 'snooze') {
      // AshOban re-runs the whole final attempt after a snooze from the error handler.
      await snoozeFor(handled.seconds);
      continue;
    }
    if (handled.infrastructure && infrastructureRetries < MAX_INFRASTRUCTURE_RETRIES) {
      // the database failed under the handler: run the final attempt again once it is back
      await waitOutInfrastructure(handled.error.message);
      continue;
    }
    log.error(`Error handler failed for ${plan.resource} ${input.recordId} on ${plan.triggerId}: ${handled.error.message}`);
    return finish('failure', { error: handled.error, reason: `onError failed after: ${out.error.message}` });
  }
}
