/**
 * The hand-written Temporal baselines of the benchmark: the same work without this library.
 *
 * - `expertParent` / `expertChild` (the headline baseline): what a Temporal expert writes. The
 *   parent pages through ids with a local activity and starts the children 25 per workflow task
 *   (the library's own slice), continuing as new every 1000; each child runs its update as a local
 *   activity (no activity task, no second workflow task).
 * - `baselineParent` / `baselineChild` (the naive one, kept as context): normal activities, and
 *   every child of a 500-id page started in one workflow task.
 */
import { continueAsNew, ParentClosePolicy, proxyActivities, proxyLocalActivities, startChild } from '@temporalio/workflow';
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

const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

/** Children started per workflow task, as the library's scheduler does. */
const SLICE = 25;

export async function expertParent(input: { afterId: number; childQueue: string; untilId?: number; prefix?: string }): Promise<number> {
  let afterId = input.afterId;
  let started = 0;
  for (;;) {
    const ids = (await local.pageIds(afterId, 500)).filter((id) => input.untilId === undefined || id <= input.untilId);
    if (ids.length === 0) return started;
    for (let i = 0; i < ids.length; i += SLICE) {
      await Promise.all(ids.slice(i, i + SLICE).map((id) => startChild(expertChild, { workflowId: `${input.prefix ?? 'expert'}-${id}`, taskQueue: input.childQueue, args: [id], parentClosePolicy: ParentClosePolicy.ABANDON })));
    }
    started += ids.length;
    afterId = ids[ids.length - 1]!;
    if (started >= 1000) await continueAsNew<typeof expertParent>({ ...input, afterId });
  }
}

export async function expertChild(id: number): Promise<void> {
  await local.markProcessed(id);
}
