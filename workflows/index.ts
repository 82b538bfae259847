/**
 * Workflow entry point. Every workflow type of this library is a *declared, stable name*
 * (`workflowType`, `schedulerWorkflowType`), so there are no named exports to rename: the default
 * export receives every type and dispatches on the role the worker's definitions give it.
 *
 * A type no definition declares any more is never silently lost: its workflow task fails with an
 * error naming the type (the run waits, retried by the server) until a definition declares it
 * again. `npm run cli -- dangling` lists such runs.
 */
import { workflowInfo } from '@temporalio/workflow';
import { recordWorkflow } from './record-workflow';
import { roleOf } from './registry';
import { scheduledActionWorkflow } from './scheduled-action-workflow';
import { schedulerWorkflow } from './scheduler-workflow';
import type { RecordRunInput, ScheduledActionInput, SchedulerInput } from './types';

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

export default async function triggerWorkflow(input: unknown): Promise<unknown> {
  const type = workflowInfo().workflowType;
  switch (roleOf(type)) {
    case 'record':
      return recordWorkflow(input as RecordRunInput);
    case 'scheduler':
      return schedulerWorkflow(input as SchedulerInput);
    case 'scheduled-action':
      return scheduledActionWorkflow(input as ScheduledActionInput);
    default:
      // Not an ApplicationFailure: this fails the workflow *task*, which the server retries, so the
      // run is kept (not failed) until the definition comes back.
      throw new DanglingWorkflowTypeError(type);
  }
}
