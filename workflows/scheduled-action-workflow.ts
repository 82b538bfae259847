/**
 * The scheduled-action workflow: runs the action (told whether this is the last attempt),
 * retrying up to `maxAttempts` with backoff; snooze and cancel work as in triggers.
 */
import { ApplicationFailure, continueAsNew, log, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { infrastructureRetryMs, MAX_INFRASTRUCTURE_RETRIES } from './backoff';
import { runStateQuery } from './messages';
import { attempt, attemptActivities, SNOOZES_PER_RUN, timeoutBackoff } from './record-workflow';
import { TriggerOutcome } from './search-attributes';
import { FAILURE_TYPE, type ScheduledActionInput, type ScheduledActionResult } from './types';

export async function scheduledActionWorkflow(input: ScheduledActionInput): Promise<ScheduledActionResult> {
  const info = workflowInfo();
  const scheduledAt = input.resume?.scheduledAt ?? info.startTime.getTime();
  let state = 'running';
  setHandler(runStateQuery, () => state);
  const setState = (next: string): void => {
    state = next;
    upsertSearchAttributes([{ key: TriggerOutcome, value: next }]);
  };
  const acts = attemptActivities(input.timeoutMs, input.priority);
  const backoff = timeoutBackoff(input.backoff);
  let attemptNo = input.resume?.attempt ?? 1;
  let snoozes = input.resume?.snoozes ?? 0;
  let snoozesThisRun = 0;
  let infrastructureRetries = 0;
  for (;;) {
    const out = await attempt(
      () =>
        acts.pttRunScheduledAction({
          actionId: input.actionId,
          tenant: input.tenant ?? null,
          actionArguments: input.actionArguments ?? {},
          actor: input.actor,
          attempt: attemptNo,
          maxAttempts: input.maxAttempts,
          workflowId: info.workflowId,
          scheduledAt,
        }),
      attemptNo,
      attemptNo < input.maxAttempts ? backoff : undefined,
    );
    if (out.status === 'success') {
      setState('success');
      return { outcome: 'success', attempts: attemptNo, snoozes };
    }
    if (out.status === 'cancel' || out.status === 'no-longer-applies') {
      setState('cancelled');
      return { outcome: 'cancelled', attempts: attemptNo, snoozes, reason: out.reason };
    }
    if (out.status === 'snooze') {
      snoozes++;
      snoozesThisRun++;
      setState('snoozed');
      await sleep(Math.max(1, Math.round(out.seconds * 1000)));
      setState('running');
      if (snoozesThisRun >= (input.snoozesPerRun ?? SNOOZES_PER_RUN)) await continueAsNew<typeof scheduledActionWorkflow>({ ...input, resume: { attempt: attemptNo, snoozes, scheduledAt } });
      continue;
    }
    if (out.infrastructure && infrastructureRetries < MAX_INFRASTRUCTURE_RETRIES) {
      infrastructureRetries++;
      log.warn(`Scheduled action ${input.actionId}: database unavailable (${out.error.message}); attempt ${attemptNo} runs again (retry ${infrastructureRetries}/${MAX_INFRASTRUCTURE_RETRIES})`);
      setState('backoff');
      await sleep(infrastructureRetryMs(infrastructureRetries));
      setState('running');
      continue;
    }
    if (attemptNo < input.maxAttempts) {
      log.warn(`Scheduled action ${input.actionId} failed (attempt ${attemptNo}/${input.maxAttempts}): ${out.error.message}`);
      setState('backoff');
      await sleep(Math.max(1, Math.round(out.backoffSeconds * 1000)));
      setState('running');
      attemptNo++;
      continue;
    }
    setState('failure');
    const result: ScheduledActionResult = { outcome: 'failure', attempts: attemptNo, snoozes, error: out.error };
    throw ApplicationFailure.create({
      type: FAILURE_TYPE.failure,
      message: `${input.actionId} failed after ${attemptNo} attempt(s): ${out.error.message}`,
      nonRetryable: true,
      details: [result],
    });
  }
}
