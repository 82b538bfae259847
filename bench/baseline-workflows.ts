/**
 * The raw-Temporal baseline of the benchmark: the same work without this library. A parent pages
 * through ids (one activity per page), starts one minimal child per record (ABANDON), continues as
 * new every 1000 children; each child runs one activity that does the update.
 */
import { continueAsNew, ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-activities';

const { pageIds, markProcessed } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

export async function baselineParent(input: { afterId: number; childQueue: string; untilId?: number; prefix?: string }): Promise<number> {
  let afterId = input.afterId;
  let started = 0;
  for (;;) {
    const ids = (await pageIds(afterId, 500)).filter((id) => input.untilId === undefined || id <= input.untilId);
    if (ids.length === 0) return started;
    await Promise.all(
      ids.map((id) => startChild(baselineChild, { workflowId: `${input.prefix ?? 'baseline'}-${id}`, taskQueue: input.childQueue, args: [id], parentClosePolicy: ParentClosePolicy.ABANDON })),
    );
    started += ids.length;
    afterId = ids[ids.length - 1]!;
    if (started >= 1000) await continueAsNew<typeof baselineParent>({ ...input, afterId });
  }
}

export async function baselineChild(id: number): Promise<void> {
  await markProcessed(id);
}
