/**
 * The activities of this library, bound to the application's definitions and PrismaClient
 * (dependency injection: the library never imports a generated client).
 */
import { activityInfo } from '@temporalio/activity';
import type { App } from '../src/definitions/define';
import { committedKinds, hasCommitted, lockRun, readMarkers } from '../src/prisma/commit-markers';
import { definitionOfRun } from './definition-of-run';
import { listTenantsOf, resolveScope } from './run-scope';
import type { AnyPrismaClient } from '../src/prisma/model-meta';
import { exponentialBackoffSeconds } from '../workflows/backoff';
import { recordIdOf } from '../workflows/primary-key';
import type { AttemptOutcome, ChunkAttemptResult, CommitResultInput, RunActionInput, TriggerActivityFns } from '../workflows/types';
import { backoffSeconds } from './attempt-outcome';
import type { AttemptMode } from './attempt-transaction';
import { chunkMarkerKind, runChunkAttempt } from './chunk-attempt';
import { findRecords } from './find-records';
import { runRecordAttempt } from './record-attempt';
import { setSpanAttributes } from './span-attributes';
import { runScheduledAction } from './run-scheduled-action';

/**
 * `abandon`: aborted by the worker once its shutdown grace time is over; attempts still running
 * then are abandoned (their transactions ended, never committed) and run again elsewhere.
 */
export function createTriggerActivities(deps: { app: App; prisma: AnyPrismaClient; abandon?: AbortSignal }): TriggerActivityFns {
  const { app, prisma, abandon } = deps;
  return {
    pttFindRecords: (input) => findRecords(app, prisma, input),
    pttRunAction: (input) => traced(input, 'action', runTriggerAttempt(app, prisma, input, 'action', abandon)),
    pttRunOnError: (input) => traced(input, 'onError', runTriggerAttempt(app, prisma, input, 'onError', abandon)),
    pttCommitResult: (input) => commitResult(app, prisma, input),
    pttRunScheduledAction: (input) => runScheduledAction(app, prisma, input, abandon),
    pttCommitted: async ({ kind }) => {
      const run = activityInfo().workflowExecution;
      return run ? hasCommitted(prisma, app, run.workflowId, run.runId, kind) : false;
    },
    pttTimeout: async (input) => {
      const entry = app.byWorkflowType.get(activityInfo().workflowType ?? '');
      const def = entry && ('trigger' in entry ? entry.trigger : entry.action);
      if (!def || typeof def.timeout !== 'function') return null;
      const scope = await resolveScope(app, def, input);
      const ms = def.timeout({ recordId: input.recordId, tenant: scope.tenant, actionArguments: input.actionArguments, extraArgs: input.extraArgs, metadata: input.metadata, attempt: input.attempt });
      if (ms === 'infinity') return null;
      if (typeof ms !== 'number' || !Number.isInteger(ms) || ms <= 0) throw new TypeError(`${def.id}.timeout returned ${String(ms)}: return a positive number of ms or 'infinity'`);
      return ms;
    },
    pttListTenants: async () => listTenantsOf(app, definitionOfRun(app, 'scheduled-action'), prisma),
    pttBackoff: async (input) => {
      const entry = app.byWorkflowType.get(activityInfo().workflowType ?? '');
      const def = entry && ('trigger' in entry ? entry.trigger : entry.action);
      if (!def) return exponentialBackoffSeconds(input.attempt);
      return backoffSeconds(def.backoff, input.attempt, Object.assign(new Error(input.error.message), { name: input.error.name }));
    },
  };
}

export type TriggerActivities = ReturnType<typeof createTriggerActivities>;

/** One attempt of a trigger run: per record, or per chunk (the run's input says which). */
function runTriggerAttempt(app: App, prisma: AnyPrismaClient, input: RunActionInput, mode: AttemptMode, abandon?: AbortSignal): Promise<AttemptOutcome> {
  const t = definitionOfRun(app, 'record');
  if (t.state !== 'active') return Promise.resolve({ status: 'cancel', reason: `trigger ${t.id} is ${t.state}` });
  return input.chunkKeys ? runChunkAttempt(app, prisma, t, input, mode, abandon) : runRecordAttempt(app, prisma, t, input, mode, abandon);
}

/**
 * What an attempt of the calling run that never returned committed, read from its marker: for a
 * record run, success (its action or onError committed); for a chunk run, the stored per-record
 * result. Null: the attempt committed nothing. Taken under the run's lock, so an attempt still
 * running elsewhere has ended (committed or not) before the answer.
 */
async function commitResult(app: App, prisma: AnyPrismaClient, input: CommitResultInput): Promise<AttemptOutcome | null> {
  const run = activityInfo().workflowExecution;
  if (!run || !app.commitMarkers) return null;
  if (!input.chunk) {
    const { kinds } = await committedKinds(prisma, app, run.workflowId, run.runId);
    if (kinds.has(input.mode)) return { status: 'success' };
    if (input.mode === 'onError' && kinds.has('action')) return { status: 'success', chunk: { succeeded: [], earlier: [input.recordId], noLongerApplies: [], inFlight: [], failed: [] } };
    return null;
  }
  const kind = chunkMarkerKind(input.mode, input.attempt, input.round);
  const marker = await prisma.$transaction(async (tx: AnyPrismaClient) => {
    await lockRun(tx, run.workflowId, run.runId);
    return (await readMarkers(tx, app, run.workflowId, run.runId)).find((m) => m.kind === kind);
  });
  if (!marker) return null;
  return { status: 'success', ...(marker.result ? { chunk: marker.result as ChunkAttemptResult } : {}) };
}

/** The attempt's span (when tracing is on) says which trigger, record and outcome it was. */
async function traced(input: RunActionInput, mode: 'action' | 'onError', attempt: Promise<AttemptOutcome>): Promise<AttemptOutcome> {
  const info = activityInfo();
  setSpanAttributes({
    'trigger.name': input.triggerId,
    'trigger.workflow_type': info.workflowType,
    'trigger.record': input.chunkKeys ? `chunk of ${input.chunkKeys.length}` : recordIdOf(input.key, Object.keys(input.key)),
    'trigger.mode': mode,
    'trigger.attempt': input.attempt,
  });
  const out = await attempt;
  setSpanAttributes({ 'trigger.outcome': out.status });
  return out;
}
