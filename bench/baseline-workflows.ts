/**
 * The hand-written Temporal baselines of the benchmark: the same work without this library.
 *
 * - `expertParent` + `expertChild` (per record, no database guarantees): what a Temporal expert
 *   writes. The parent pages through ids with a local activity and starts the children 25 per
 *   workflow task (the library's own slice), continuing as new every 1,000; each child runs its
 *   update as a local activity (no activity task, no second workflow task).
 * - `expertParent` + `expertDbChild` (the per-record headline baseline): the same, with the
 *   library's database semantics written by hand: in one transaction, lock and re-check the record,
 *   look up and write a commit marker, update.
 * - `expertParent` + `expertSearchableChild`: expert-db made as searchable as the library's runs:
 *   each child started with the same search attributes (owner, kind, trigger, resource, record,
 *   outcome, tenant, tags) and upserting its outcome at the end.
 * - `noChildrenParent` (context): no workflow per record at all; the parent runs the updates as
 *   local activities, 25 at a time. What the per-record-workflow design costs.
 * - `expertChunkParent` + `expertChunkDbChild` (chunks with the library's guarantees): the same
 *   child doing the library's exactly-once bookkeeping by hand in SQL (the run's lock, its commit
 *   marker looked up and written with the ids, rows another run holds skipped).
 * - `expertChunkParent` + `expertChunkChild` (chunks): one child per page of ids running one
 *   local activity (lock, re-check, one set-based UPDATE): Temporal's floor for a chunk.
 * - `baselineParent` + `baselineChild` (naive, context only): normal activities, and every child
 *   of a 500-id page started in one workflow task.
 */
import { continueAsNew, ParentClosePolicy, proxyActivities, proxyLocalActivities, startChild, upsertSearchAttributes, workflowInfo, type SearchAttributes } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-activities';

const { pageIds, markProcessed } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<BaselineActivities>({ startToCloseTimeout: '1 minute' });

export interface ParentInput {
  afterId: number;
  childQueue: string;
  prefix?: string;
  /** The child workflow type: `expertChild` or `expertDbChild` (expertParent), `expertChunkDbChild` (expertChunkParent). */
  child?: string;
  /** Ids per page, and per chunk (expertChunkParent). */
  page?: number;
  /** Start each child with the library's search attributes (expertSearchableChild). */
  searchable?: boolean;
}

/** The search attributes the library gives a record run, for the searchable baseline. */
function runAttributes(id: number): SearchAttributes {
  return { TriggerOwner: ['bench-expert'], TriggerKind: ['record'], TriggerName: ['Ticket.process'], TriggerResource: ['Ticket'], TriggerRecordId: [String(id)], TriggerOutcome: ['running'], TriggerTenant: ['-'], TriggerTags: [] };
}

/** Children started per workflow task, as the library's scheduler does. */
const SLICE = 25;
/** Records (children) a parent run handles before it continues as new. */
const PER_RUN = 1000;

export async function baselineParent(input: ParentInput): Promise<number> {
  let afterId = input.afterId;
  let started = 0;
  for (;;) {
    const ids = await pageIds(afterId, 500);
    if (ids.length === 0) return started;
    await Promise.all(ids.map((id) => startChild(baselineChild, { workflowId: `${input.prefix ?? 'baseline'}-${id}`, taskQueue: input.childQueue, args: [id], parentClosePolicy: ParentClosePolicy.ABANDON })));
    started += ids.length;
    afterId = ids[ids.length - 1]!;
    if (started >= PER_RUN) await continueAsNew<typeof baselineParent>({ ...input, afterId });
  }
}

export async function baselineChild(id: number): Promise<void> {
  await markProcessed(id);
}

export async function expertParent(input: ParentInput): Promise<number> {
  let afterId = input.afterId;
  let started = 0;
  for (;;) {
    const ids = await local.pageIds(afterId, 500);
    if (ids.length === 0) return started;
    for (let i = 0; i < ids.length; i += SLICE) {
      await Promise.all(
        ids.slice(i, i + SLICE).map((id) =>
          startChild(input.child ?? 'expertChild', { workflowId: `${input.prefix ?? 'expert'}-${id}`, taskQueue: input.childQueue, args: [id], parentClosePolicy: ParentClosePolicy.ABANDON, ...(input.searchable ? { searchAttributes: runAttributes(id) } : {}) }),
        ),
      );
    }
    started += ids.length;
    afterId = ids[ids.length - 1]!;
    if (started >= PER_RUN) await continueAsNew<typeof expertParent>({ ...input, afterId });
  }
}

export async function expertChild(id: number): Promise<void> {
  await local.markProcessed(id);
}

export async function expertDbChild(id: number): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  await local.markProcessedOnce(id, workflowId, runId);
}

export async function expertSearchableChild(id: number): Promise<void> {
  const { workflowId, runId } = workflowInfo();
  await local.markProcessedOnce(id, workflowId, runId);
  upsertSearchAttributes({ TriggerOutcome: ['success'] });
}

export async function noChildrenParent(input: ParentInput): Promise<number> {
  let afterId = input.afterId;
  let done = 0;
  for (;;) {
    const ids = await local.pageIds(afterId, 500);
    if (ids.length === 0) return done;
    for (let i = 0; i < ids.length; i += SLICE) await Promise.all(ids.slice(i, i + SLICE).map((id) => local.markProcessed(id)));
    done += ids.length;
    afterId = ids[ids.length - 1]!;
    if (done >= PER_RUN) await continueAsNew<typeof noChildrenParent>({ ...input, afterId });
  }
}

export async function expertChunkParent(input: ParentInput): Promise<number> {
  let afterId = input.afterId;
  let started = 0;
  const page = input.page ?? 500;
  for (;;) {
    // a page of ids per child (its chunk), SLICE children started per workflow task
    const pages: number[][] = [];
    for (let i = 0; i < SLICE; i++) {
      const ids = await local.pageIds(afterId, page);
      if (ids.length === 0) break;
      pages.push(ids);
      afterId = ids[ids.length - 1]!;
    }
    if (pages.length === 0) return started;
    await Promise.all(pages.map((ids) => startChild(input.child ?? 'expertChunkChild', { workflowId: `${input.prefix ?? 'expert-chunk'}-${ids[0]}`, taskQueue: input.childQueue, args: [ids], parentClosePolicy: ParentClosePolicy.ABANDON })));
    started += pages.length;
    if (started >= PER_RUN / 10) await continueAsNew<typeof expertChunkParent>({ ...input, afterId });
  }
}

export async function expertChunkChild(ids: number[]): Promise<void> {
  await local.markChunk(ids);
}

export async function expertChunkDbChild(ids: number[]): Promise<number> {
  const { workflowId, runId } = workflowInfo();
  return (await local.markChunkOnce(ids, workflowId, runId)).length;
}
