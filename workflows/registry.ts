/**
 * The workflow types this worker's definitions declare. The worker writes them into the workflow
 * bundle at startup (see src/worker/bundle.ts), so the dispatcher can tell a known type from a
 * dangling one without any I/O.
 */
export type WorkflowRole = 'record' | 'scheduler' | 'scheduled-action';

let known: Record<string, WorkflowRole> = {};

export function setKnownWorkflowTypes(types: Record<string, WorkflowRole>): void {
  known = { ...types };
}

export function roleOf(workflowType: string): WorkflowRole | undefined {
  return Object.prototype.hasOwnProperty.call(known, workflowType) ? known[workflowType] : undefined;
}
