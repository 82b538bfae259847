/** Reading runs back from Temporal in tests. */
import type { Client } from '@temporalio/client';
import { eventually } from './eventually';

/** Ids of the runs a scheduler started (its children), once visibility lists `expected` of them. */
export async function childrenOf(client: Client, schedulerWorkflowId: string, expected: number): Promise<string[]> {
  return eventually(`visibility to list ${expected} children of ${schedulerWorkflowId}`, async () => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query: `ParentWorkflowId = '${schedulerWorkflowId}'` })) ids.push(wf.workflowId);
    return ids.length >= expected ? ids : undefined;
  });
}
