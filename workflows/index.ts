/**
 * Workflow entry point. Every workflow type of this library is a *declared, stable name*
 * (`workflowType`, `schedulerWorkflowType`), so there are no named exports to rename: the default
 * export receives every type and dispatches on the role the worker's definitions give it.
 *
 * A type no definition declares any more is never silently lost: its workflow task fails with an
 * error naming the type (the run waits, retried by the server) until a definition declares it
 * again. `npm run cli -- dangling` lists such runs.
 */
import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import { chunkWorkflow } from './chunk-workflow';
import { recordWorkflow } from './record-workflow';
import { ROLE_MEMO, roleOf, versioningBehaviorOf, type WorkflowRole } from './registry';
import { scheduledActionWorkflow } from './scheduled-action-workflow';
import { schedulerWorkflow } from './scheduler-workflow';
import type { ChunkInput, RecordRunInput, ScheduledActionInput, SchedulerInput } from './types';

/* istanbul ignore next -- fails a workflow task, never in a history: test/integration/dangling.test.ts */
export class DanglingWorkflowTypeError extends Error {
  constructor(workflowType: string) {
    super(
      `No trigger or scheduled action declares workflow type "${workflowType}" (was it renamed or removed?). ` +
        `This run waits until a definition declares it again: restore the definition with workflowType/schedulerWorkflowType "${workflowType}", ` +
        `or terminate the run. List waiting runs with \`npm run cli -- dangling\`.`,
    );
    this.name = 'DanglingWorkflowTypeError';
  }
}

/* istanbul ignore next -- fails a workflow task, never in a history: test/integration/dangling.test.ts */
export class WorkflowRoleMismatchError extends Error {
  constructor(workflowType: string, declared: WorkflowRole, startedAs: string) {
    super(
      `Workflow type "${workflowType}" is declared as a ${declared} type, but this run was started as a ${startedAs}: a stable name must keep its role. ` +
        `Give the ${declared} another name and restore "${workflowType}" to the ${startedAs} it was, or terminate the run. ` +
        `This run waits (its workflow task fails) until then; nothing of it has run on the wrong function.`,
    );
    this.name = 'WorkflowRoleMismatchError';
  }
}

export default async function triggerWorkflow(input: unknown): Promise<unknown> {
  const info = workflowInfo();
  const type = info.workflowType;
  const role = roleOf(type);
  // Runs record their role when started (memo); runs without it (started by hand) are taken as declared.
  const startedAs = info.memo?.[ROLE_MEMO];
  /* istanbul ignore if -- fails a workflow task, never in a history: test/integration/dangling.test.ts */
  if (role !== undefined && typeof startedAs === 'string' && startedAs !== role) throw new WorkflowRoleMismatchError(type, role, startedAs);
  switch (role) {
    case 'record':
      // a trigger with chunks runs groups of records under the same stable name
      return (input as RecordRunInput).chunk ? chunkWorkflow(input as RecordRunInput & { chunk: ChunkInput }) : recordWorkflow(input as RecordRunInput);
    case 'scheduler':
      return schedulerWorkflow(input as SchedulerInput);
    case 'scheduled-action':
      return scheduledActionWorkflow(input as ScheduledActionInput);
    /* istanbul ignore next -- fails a workflow task, never in a history (a history that resumed replays its later tasks): test/integration/dangling.test.ts */
    default:
      // Not an ApplicationFailure: this fails the workflow *task*, which the server retries, so the
      // run is kept (not failed) until the definition comes back.
      throw new DanglingWorkflowTypeError(type);
  }
}

// Under Worker Versioning, scheduler runs upgrade and every other run is pinned (registry.ts). An
// unversioned worker (it reports a build id, but no deployment name) must send no behavior at all:
// core refuses the completion and the task never completes.
setWorkflowOptions(() => {
  const info = workflowInfo();
  /* istanbul ignore if -- versioned workers only (histories replay unversioned): test/integration/worker-versioning.test.ts */
  if (info.currentDeploymentVersion?.deploymentName) return { versioningBehavior: versioningBehaviorOf(roleOf(info.workflowType)) };
  return {};
}, triggerWorkflow);
