/**
 * The workflow types this worker's definitions declare. The worker writes them into the workflow
 * bundle at startup (see src/worker/bundle.ts), so the dispatcher can tell a known type from a
 * dangling one without any I/O.
 */
import type { VersioningBehavior } from '@temporalio/common';

export type WorkflowRole = 'record' | 'scheduler' | 'scheduled-action';

/**
 * Memo key under which every run records the role it was started for, so a stable name that
 * changed roles between versions is caught before the wrong function runs.
 */
export const ROLE_MEMO = 'pttRole';

/** The memo every run is started with. */
export function roleMemo(role: WorkflowRole): Record<string, unknown> {
  return { [ROLE_MEMO]: role };
}

let known: Record<string, WorkflowRole> = {};

/** The global the bundle's first line sets to the app's workflow types (see src/worker/bundle.ts). */
export const KNOWN_TYPES_GLOBAL = '__pttKnownWorkflowTypes';

/** Called by the bundle's entry with the app's types, as its first line declared them. */
export function setKnownWorkflowTypes(types: Record<string, WorkflowRole>): void {
  known = { ...types };
}

export function roleOf(workflowType: string): WorkflowRole | undefined {
  return Object.prototype.hasOwnProperty.call(known, workflowType) ? known[workflowType] : undefined;
}

/**
 * Under Worker Versioning (a worker with `deployment`): record, chunk and scheduled-action runs
 * are pinned to the build that started them (their sleeps wake up on the code that began them);
 * scheduler runs upgrade to the current build at their next workflow task (a tick mid-way, or
 * waiting between retries of its query, goes on with the new build's code and starts its runs
 * there). Unversioned workers send nothing: no history changes.
 */
/* istanbul ignore next -- versioned workers only (histories replay unversioned): test/integration/worker-versioning.test.ts */
export function versioningBehaviorOf(role: WorkflowRole | undefined): VersioningBehavior {
  return role === 'scheduler' ? 'AUTO_UPGRADE' : 'PINNED';
}
