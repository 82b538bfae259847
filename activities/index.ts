/**
 * The activities of this library, bound to the application's definitions and PrismaClient
 * (dependency injection: the library never imports a generated client).
 */
import { activityInfo } from '@temporalio/activity';
import type { App } from '../src/definitions/define';
import { hasCommitted } from '../src/prisma/commit-markers';
import { definitionOfRun } from './definition-of-run';
import { listTenantsOf, resolveScope } from './run-scope';
import type { AnyPrismaClient } from '../src/prisma/model-meta';
import { exponentialBackoffSeconds } from '../workflows/backoff';
import { recordIdOf } from '../workflows/primary-key';
import type { AttemptOutcome, RunActionInput, TriggerActivityFns } from '../workflows/types';
import { backoffSeconds } from './attempt-outcome';
import { findRecords } from './find-records';
import { runTriggerAttempt } from './run-action';
import { setSpanAttributes } from './span-attributes';
import { runScheduledAction } from './run-scheduled-action';

export function createTriggerActivities(deps: { app: App; prisma: AnyPrismaClient }): TriggerActivityFns {
  const { app, prisma } = deps;
  return {
    pttFindRecords: (input) => findRecords(app, prisma, input),
    pttRunAction: (input) => traced(input, 'action', runTriggerAttempt(app, prisma, input, 'action')),
    pttRunOnError: (input) => traced(input, 'onError', runTriggerAttempt(app, prisma, input, 'onError')),
    pttRunScheduledAction: (input) => runScheduledAction(app, prisma, input),
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
