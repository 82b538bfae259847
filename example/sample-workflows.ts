/** A minimal workflow used by the foundation tests: one activity that writes and reads Postgres. */
import { proxyActivities } from '@temporalio/workflow';
import type { SampleActivities } from './sample-activities';

const { recordSampleRun } = proxyActivities<SampleActivities>({ startToCloseTimeout: '30 seconds' });

export async function sampleWorkflow(message: string): Promise<{ id: number; total: number }> {
  return recordSampleRun(message);
}
