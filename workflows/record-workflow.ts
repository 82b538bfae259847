/**
 * The per-record workflow (one run per record and trigger). Each attempt is one activity that, in
 * ONE database transaction, re-reads the record with the trigger's `where`, locks it, runs the
 * action and commits. Retries, backoff and snooze are durable timers (the attempt engine), so
 * they survive worker and server restarts; a snooze does not use an attempt.
 */
import { ApplicationFailure, continueAsNew, log, patched } from '@temporalio/workflow';
import { onEngine, runAttempts, SNOOZES_PER_RUN } from './attempt-engine';
import { countRecords } from './metrics';
import { runState, triggerUnit } from './trigger-unit';
import { FAILURE_TYPE, type RecordRunInput, type RecordRunResult } from './types';

/** Patch id of per-record attempts as local activities (runs started before it keep normal activities). */
export const LOCAL_ATTEMPTS_PATCH = 'ptt-local-attempts';

export async function recordWorkflow(input: RecordRunInput): Promise<RecordRunResult> {
  const { plan } = input;
  const setState = runState();
  // Runs started before the engine replay without its marker; before local attempts, without that one.
  // Runs started by this version carry RUN_COMMANDS and record no marker (see onEngine).
  const engine = onEngine(input);
  const local = plan.attemptsAs !== 'activity' && (engine || patched(LOCAL_ATTEMPTS_PATCH));
  let attempts = input.resume?.attempt ?? 1;
  let snoozes = input.resume?.snoozes ?? 0;
  /** `shown`: what the UI's TriggerOutcome says when it differs from the outcome (`error-handled`). */
  const finish = (outcome: RecordRunResult['outcome'], extra: Partial<RecordRunResult> = {}, shown: string = outcome): RecordRunResult => {
    setState(shown);
    const result: RecordRunResult = { outcome, attempts, snoozes, ...extra };
    // one structured line per run (the SDK adds workflowId, runId, workflowType); not a command
    countRecords(plan.triggerId, 'record', shown);
    log.info(`${plan.triggerId} record ${input.recordId}: ${shown}`, { trigger: plan.triggerId, record: input.recordId, ...(input.tenant !== null ? { tenant: input.tenant } : {}), outcome: shown, attempts });
    // With triggerOnce the run's id is reused only after a failed close, so a cancelled run closes
    // failed (type TriggerRunCancelled) to leave the record free to run again, as Oban does.
    if (outcome === 'failure' || outcome === 'discard' || (outcome === 'cancelled' && plan.triggerOnce)) {
      throw ApplicationFailure.create({
        type: FAILURE_TYPE[outcome],
        message: `${plan.triggerId} ${outcome} for record ${input.recordId} after ${attempts} attempt(s): ${[extra.error?.message, extra.reason].filter(Boolean).join('; ')}`,
        nonRetryable: true,
        details: [result],
      });
    }
    return result;
  };

  // Run data that could not be built (a poison record): this run fails alone, naming why.
  if (input.poison) return finish('failure', { error: { name: 'RunDataError', message: input.poison } });

  const done = await runAttempts({
    ...triggerUnit(input, setState, { engine, local }),
    label: `${plan.triggerId} record ${input.recordId}`,
    items: [input.recordId],
    snoozesPerRun: input.snoozesPerRun ?? SNOOZES_PER_RUN,
    continueAsNew: (state) => continueAsNew<typeof recordWorkflow>({ ...input, resume: state }),
  });
  attempts = done.attempts;
  snoozes = done.snoozes;
  const state = done.settled.get(input.recordId);
  const error = done.errors.get(input.recordId);
  const reason = done.reason !== undefined ? { reason: done.reason } : {};
  if (state === 'success' && done.handled.has(input.recordId)) {
    // Every attempt failed and onError handled it: the run succeeds (as in AshOban), and shows
    // `error-handled` so a filter for runs whose attempts all failed finds it too.
    return finish('success', { error: error! }, 'error-handled');
  }
  if (state === 'success') return finish('success');
  if (state === 'discard' || state === 'failure') return finish(state, { ...(error ? { error } : {}), ...reason });
  return finish('cancelled', { ...reason, ...(error ? { error } : {}) });
}
