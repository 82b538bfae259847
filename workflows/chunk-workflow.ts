/**
 * A chunk run (a trigger with `chunks`: Oban Pro's chunk worker, here free): up to `chunks.size`
 * records in one transaction per attempt. Records are settled one by one: those that committed,
 * stopped matching or were in flight in another run are done; those the action reported failed
 * are retried (alone) after the backoff, and after the last attempt handed to `onError`. Snooze
 * and cancel act on the whole chunk. Runs of the trigger's stable `workflowType`.
 */
import { ApplicationFailure, log, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { exponentialBackoffSeconds, infrastructureRetryMs, MAX_INFRASTRUCTURE_RETRIES } from './backoff';
import { runStateQuery } from './messages';
import { askTimeout, attempt, attemptActivitiesFor, timeoutBackoff } from './record-workflow';
import { TriggerOutcome } from './search-attributes';
import { countRecords } from './metrics';
import { FAILURE_TYPE, type ChunkAttemptResult, type ChunkCounts, type ChunkInput, type ChunkRunResult, type RecordRunInput, type RunActionInput, type SerializedErrorData } from './types';

type Settled = 'success' | 'failure' | 'discard' | 'cancelled' | 'inFlight';

export async function chunkWorkflow(input: RecordRunInput & { chunk: ChunkInput }): Promise<ChunkRunResult> {
  const { plan, chunk } = input;
  const info = workflowInfo();
  let state = 'running';
  setHandler(runStateQuery, () => state);
  const setState = (next: string): void => {
    state = next;
    upsertSearchAttributes([{ key: TriggerOutcome, value: next }]);
  };
  const keyOf = new Map(chunk.recordIds.map((id, i) => [id, chunk.keys[i]!]));
  const settled = new Map<string, Settled>();
  const errors = new Map<string, SerializedErrorData>();
  let pending = [...chunk.recordIds];
  const scope = {
    tenant: input.tenant,
    ...(input.tenantValue !== undefined ? { tenantValue: input.tenantValue } : {}),
    ...(input.actor !== undefined ? { actor: input.actor } : {}),
    ...(input.authorize !== undefined ? { authorize: input.authorize } : {}),
    ...(input.context !== undefined ? { context: input.context } : {}),
  };
  const activitiesFor = attemptActivitiesFor(plan.timeoutMs, undefined, askTimeout({ ...scope, recordId: input.recordId, actionArguments: input.actionArguments }));
  const base: Omit<RunActionInput, 'attempt'> = { triggerId: plan.triggerId, key: input.key, ...scope, actionArguments: input.actionArguments, maxAttempts: plan.maxAttempts, workflowId: info.workflowId };
  const backoff = timeoutBackoff(plan.backoff);
  let attemptNo = 1;
  let snoozes = 0;
  let infrastructureRetries = 0;

  const settle = (ids: string[], as: Settled): void => {
    for (const id of ids) settled.set(id, as);
    pending = pending.filter((id) => !ids.includes(id));
  };
  const apply = (r: ChunkAttemptResult | undefined): void => {
    // no per-record result: an earlier attempt committed (its worker died before reporting), all pending succeeded
    if (!r) return settle([...pending], 'success');
    settle(r.succeeded, 'success');
    settle(r.noLongerApplies, 'cancelled');
    settle(r.inFlight, 'inFlight');
    for (const f of r.failed) errors.set(f.recordId, f.error);
  };
  const finish = (): ChunkRunResult => {
    const counts: ChunkCounts = { success: 0, failure: 0, discard: 0, cancelled: 0, inFlight: 0 };
    for (const s of settled.values()) counts[s]++;
    const outcome = counts.failure ? 'failure' : counts.discard ? 'discard' : counts.success || counts.inFlight ? 'success' : 'cancelled';
    const firstError = [...errors.values()][0];
    const result: ChunkRunResult = { outcome, attempts: attemptNo, snoozes, chunk: counts, ...(firstError ? { error: firstError } : {}) };
    setState(outcome);
    for (const o of ['success', 'failure', 'discard', 'cancelled'] as const) countRecords(plan.triggerId, 'chunk', o, counts[o]);
    log.info(`${plan.triggerId} chunk of ${chunk.recordIds.length}: ${outcome}`, { trigger: plan.triggerId, records: chunk.recordIds.length, outcome, ...counts, attempts: attemptNo });
    if (outcome === 'failure' || outcome === 'discard') {
      throw ApplicationFailure.create({
        type: FAILURE_TYPE[outcome],
        message: `${plan.triggerId} chunk of ${chunk.recordIds.length}: ${counts.failure} failed, ${counts.discard} discarded, ${counts.success} succeeded after ${attemptNo} attempt(s)${firstError ? `: ${firstError.message}` : ''}`,
        nonRetryable: true,
        details: [result],
      });
    }
    return result;
  };
  const wait = async (seconds: number, as: string): Promise<void> => {
    setState(as);
    await sleep(Math.max(1, Math.round(seconds * 1000)));
    setState('running');
  };

  for (;;) {
    const { acts, timeoutMs } = await activitiesFor(attemptNo);
    const limit = timeoutMs !== undefined ? { timeoutMs } : {};
    const keys = pending.map((id) => keyOf.get(id)!);
    const retryFollows = attemptNo < plan.maxAttempts;
    const out = await attempt(() => acts.pttRunAction({ ...base, ...limit, chunkKeys: keys, attempt: attemptNo }), attemptNo, retryFollows ? backoff : undefined, () => acts.pttCommitted({ kind: `action:${attemptNo}` }));
    if (out.status === 'snooze') {
      snoozes++;
      await wait(out.seconds, 'snoozed');
      continue;
    }
    if (out.status === 'cancel' || out.status === 'no-longer-applies') {
      settle([...pending], 'cancelled');
      return finish();
    }
    if (out.status === 'error' && out.infrastructure && infrastructureRetries < MAX_INFRASTRUCTURE_RETRIES) {
      infrastructureRetries++;
      await wait(infrastructureRetryMs(infrastructureRetries) / 1000, 'backoff');
      continue;
    }
    let waitSeconds: number;
    if (out.status === 'success') {
      apply(out.chunk);
      if (!pending.length) return finish();
      waitSeconds = out.chunk?.failed.length ? (out.chunk.backoffSeconds ?? exponentialBackoffSeconds(attemptNo)) : 0;
    } else {
      // the whole attempt failed (thrown, timed out): every pending record failed with it
      for (const id of pending) errors.set(id, out.error);
      waitSeconds = out.backoffSeconds;
    }
    if (retryFollows) {
      if (plan.logErrors) log.warn(`${plan.triggerId} chunk: ${pending.length} record(s) failed attempt ${attemptNo}/${plan.maxAttempts}; retrying them`);
      await wait(waitSeconds, 'backoff');
      attemptNo++;
      continue;
    }
    // final attempt: onError for the records that failed, in one transaction
    if (plan.logFinalError) log.error(`${plan.triggerId} chunk: ${pending.length} record(s) failed the final attempt ${attemptNo}/${plan.maxAttempts}`);
    if (!plan.hasOnError) {
      settle([...pending], 'failure');
      return finish();
    }
    const first = errors.get(pending[0]!) ?? { name: 'Error', message: 'chunk processing failed' };
    const chunkErrors = Object.fromEntries(pending.flatMap((id) => (errors.has(id) ? [[id, errors.get(id)!]] : [])));
    const handled = await attempt(() => acts.pttRunOnError({ ...base, ...limit, chunkKeys: pending.map((id) => keyOf.get(id)!), chunkErrors, attempt: attemptNo, error: first }), attemptNo, undefined, () => acts.pttCommitted({ kind: `onError:${attemptNo}` }));
    if (handled.status === 'success') settle([...pending], plan.onErrorFailsJob ? 'discard' : 'success');
    else if (handled.status === 'cancel' || handled.status === 'no-longer-applies') settle([...pending], 'cancelled');
    else settle([...pending], 'failure');
    return finish();
  }
}
