/**
 * Dangling runs: runs of this app whose workflow type no definition declares any more (a trigger
 * or scheduled action was renamed or removed). They are never lost: they wait, their workflow
 * task failing with an error naming the type, until a definition declares the type again.
 */
import type { Client } from '@temporalio/client';
import type { App } from '../definitions/define';
import { and, quote } from './visibility';

export interface DanglingRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  startTime: Date;
}

export async function listDanglingRuns(client: Client, app: App): Promise<DanglingRun[]> {
  const out: DanglingRun[] = [];
  const query = and(`ExecutionStatus = 'Running'`, `TriggerOwner = ${quote(app.name)}`);
  for await (const wf of client.workflow.list({ query })) {
    if (app.byWorkflowType.has(wf.type)) continue;
    out.push({ workflowId: wf.workflowId, runId: wf.runId, workflowType: wf.type, taskQueue: wf.taskQueue, startTime: wf.startTime });
  }
  return out;
}
