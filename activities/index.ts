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
import type { TriggerActivityFns } from '../workflows/types';
import { backoffSeconds } from './attempt-outcome';
import { findRecords } from './find-records';
import { runTriggerAttempt } from './run-action';
import { runScheduledAction } from './run-scheduled-action';

export function createTriggerActivities(deps: { app: App; prisma: AnyPrismaClient }): TriggerActivityFns {
  const { app, prisma } = deps;
  return {
    pttFindRecords: (input) => findRecords(app, prisma, input),
    pttRunAction: (input) => runTriggerAttempt(app, prisma, input, 'action'),
    pttRunOnError: (input) => runTriggerAttempt(app, prisma, input, 'onError'),
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
