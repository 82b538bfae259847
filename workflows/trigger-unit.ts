/**
 * What record runs and chunk runs give the attempt engine: each attempt's activity calls (the
 * action or onError over the pending records, the marker look-ups), the backoff, the run's state
 * as the UI shows it. A record run is a unit of one record; a chunk run, of its records.
 */
import { setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { askTimeout, attemptActivitiesFor, timeoutBackoff } from './attempt-activities';
import type { AttemptStep, UnitOfWork } from './attempt-engine';
import { runStateQuery } from './messages';
import { TriggerOutcome } from './search-attributes';
import type { RecordRunInput, RunActionInput } from './types';
import { chunkMembers } from './packed-keys';

/** The run's state for the `triggerRunState` query and the `TriggerOutcome` search attribute. */
export function runState(): (state: string) => void {
  let state = 'running';
  setHandler(
    runStateQuery,
    /* istanbul ignore next -- runs when a run is queried (drain, the CLI), not in a replay: test/integration/chunks.test.ts (drain) */
    () => state,
  );
  return (next) => {
    state = next;
    upsertSearchAttributes([{ key: TriggerOutcome, value: next }]);
  };
}

/**
 * The trigger's side of a record or chunk run. `engine`: the run started under ENGINE_PATCH (a lost
 * attempt is looked up in its marker); otherwise the legacy calls. `local`: attempts as local activities.
 */
export function triggerUnit(input: RecordRunInput, setState: (s: string) => void, opts: { engine: boolean; local: boolean }): Omit<UnitOfWork, 'label' | 'items' | 'snoozesPerRun'> {
  const { plan, chunk } = input;
  const scope = {
    tenant: input.tenant,
    ...(input.tenantValue !== undefined ? { tenantValue: input.tenantValue } : {}),
    ...(input.actor !== undefined ? { actor: input.actor } : {}),
    ...(input.authorize !== undefined ? { authorize: input.authorize } : {}),
    ...(input.context !== undefined ? { context: input.context } : {}),
  };
  const activitiesFor = attemptActivitiesFor(
    plan.timeoutMs,
    undefined,
    askTimeout({ ...scope, recordId: input.recordId, actionArguments: input.actionArguments, extraArgs: input.extraArgs, metadata: input.metadata }),
    opts.local,
  );
  const base: Omit<RunActionInput, 'attempt'> = {
    triggerId: plan.triggerId,
    key: input.key,
    ...scope,
    actionArguments: input.actionArguments,
    metadata: input.metadata,
    ...(input.extraArgs ? { extraArgs: input.extraArgs } : {}),
    maxAttempts: plan.maxAttempts,
    workflowId: workflowInfo().workflowId,
  };
  const members = chunk ? chunkMembers(chunk) : undefined;
  const keyOf = new Map(members?.recordIds.map((id, i) => [id, members.keys[i]!]));
  const begin = async (attemptNo: number): Promise<AttemptStep> => {
    const { acts, timeoutMs } = await activitiesFor(attemptNo);
    const limit = timeoutMs !== undefined ? { timeoutMs } : {};
    return {
      run(mode, round, pending, errors) {
        const call = { ...base, ...limit, attempt: attemptNo, ...(round > 1 ? { round } : {}) };
        if (mode === 'action') return acts.pttRunAction(chunk ? { ...call, chunkKeys: pending.map((id) => keyOf.get(id)!) } : call);
        if (!chunk) return acts.pttRunOnError({ ...call, error: errors.get(input.recordId)! });
        const chunkErrors = Object.fromEntries(pending.flatMap((id) => (errors.has(id) ? [[id, errors.get(id)!]] : [])));
        const first = errors.get(pending[0]!) ?? { name: 'Error', message: 'chunk processing failed' };
        return acts.pttRunOnError({ ...call, chunkKeys: pending.map((id) => keyOf.get(id)!), chunkErrors, error: first });
      },
      ...(opts.engine
        ? { recover: async (mode, round) => (await acts.pttCommitResult({ mode, attempt: attemptNo, ...(round > 1 ? { round } : {}), chunk: chunk !== undefined, recordId: input.recordId })) ?? undefined }
        : { committed: (mode) => acts.pttCommitted({ kind: chunk ? `${mode}:${attemptNo}` : mode }) }),
    };
  };
  return {
    localAttempts: opts.local,
    immediateZeroSnooze: opts.engine,
    maxAttempts: plan.maxAttempts,
    begin,
    hasOnError: plan.hasOnError,
    onErrorFailsJob: plan.onErrorFailsJob,
    backoff: timeoutBackoff(plan.backoff),
    setState,
    ...(input.resume ? { resume: input.resume } : {}),
    logErrors: plan.logErrors,
    logFinalError: plan.logFinalError,
    debug: plan.debug,
  };
}
