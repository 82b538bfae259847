import { defineQuery } from '@temporalio/workflow';

/** What a run is doing now: `running`, `backoff` (waiting to retry), `snoozed`, or its outcome. */
export const runStateQuery = defineQuery<string>('triggerRunState');
