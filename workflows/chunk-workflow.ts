/**
 * A chunk run (a trigger with `chunks`: Oban Pro's chunk worker, here free): up to `chunks.size`
 * records in one transaction per attempt, driven by the same attempt engine as record runs.
 * Records are settled one by one: those that committed, stopped matching or were in flight in
 * another run are done; those the action reported failed are retried (alone) after the backoff,
 * and after the last attempt handed to `onError`. Snooze and cancel act on the whole chunk. Each
 * record ends counted once: success, failure, discard, cancelled, or still pending (`inFlight`).
 * Runs of the trigger's stable `workflowType`.
 */
import { ApplicationFailure, continueAsNew, log } from '@temporalio/workflow';
import { onEngine, runAttempts, SNOOZES_PER_RUN } from './attempt-engine';
import { countRecords } from './metrics';
import { chunkMembers } from './packed-keys';
import { runState, triggerUnit } from './trigger-unit';
import { FAILURE_TYPE, type ChunkCounts, type ChunkInput, type ChunkRunResult, type RecordRunInput } from './types';

export async function chunkWorkflow(input: RecordRunInput & { chunk: ChunkInput }): Promise<ChunkRunResult> {
  const { plan } = input;
  const { recordIds } = chunkMembers(input.chunk);
  const setState = runState();
  // Chunk runs started before the engine: normal activities, no continue-as-new, the old accounting.
  const engine = onEngine(input);
  const done = await runAttempts({
    ...triggerUnit(input, setState, { engine, local: engine && plan.attemptsAs !== 'activity' }),
    label: `${plan.triggerId} chunk of ${recordIds.length}`,
    items: recordIds,
    snoozesPerRun: input.snoozesPerRun ?? SNOOZES_PER_RUN,
    ...(engine ? { continueAsNew: (state) => continueAsNew<typeof chunkWorkflow>({ ...input, resume: state }) } : { legacyChunkOnError: true }),
  });

  const counts: ChunkCounts = { success: 0, failure: 0, discard: 0, cancelled: 0, inFlight: 0 };
  for (const s of done.settled.values()) counts[s]++;
  const outcome = counts.failure ? 'failure' : counts.discard ? 'discard' : counts.success || counts.inFlight ? 'success' : 'cancelled';
  const firstError = recordIds.map((id) => done.errors.get(id)).find((e) => e !== undefined);
  const result: ChunkRunResult = { outcome, attempts: done.attempts, snoozes: done.snoozes, chunk: counts, ...(firstError ? { error: firstError } : {}), ...(done.reason !== undefined ? { reason: done.reason } : {}) };
  setState(outcome);
  for (const o of ['success', 'failure', 'discard', 'cancelled'] as const) countRecords(plan.triggerId, 'chunk', o, counts[o]);
  log.info(`${plan.triggerId} chunk of ${recordIds.length}: ${outcome}`, { trigger: plan.triggerId, records: recordIds.length, outcome, ...counts, attempts: done.attempts });
  if (outcome === 'failure' || outcome === 'discard') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPE[outcome],
      message: `${plan.triggerId} chunk of ${recordIds.length}: ${counts.failure} failed, ${counts.discard} discarded, ${counts.success} succeeded after ${done.attempts} attempt(s)${firstError ? `: ${firstError.message}` : ''}`,
      nonRetryable: true,
      details: [result],
    });
  }
  return result;
}
