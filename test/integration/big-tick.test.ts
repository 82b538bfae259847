/**
 * One tick over many more records than one scheduler run may start: with small pages and a small
 * `childrenPerRun`, a few hundred records cross continue-as-new several times. Checked from the
 * histories themselves: no run started more children than the bound, every record got exactly one
 * run across the whole chain, every run's history stays small. Nothing here depends on speed: it
 * waits for each run's result (a long poll), never for a time window. The 10,000- and
 * 100,000-record scale is `npm run bench`'s.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { defineApp, type SchedulerResult } from '../../src';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';
import { eventually } from '../helpers/eventually';

const N = 300;
const ACTIVATION_LIMIT_MS = Number(process.env.PTT_ISOLATE_MS ?? 200);
const PAGE = 20;
const CHILDREN_PER_RUN = 60;
let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('big');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    bulk: {
      where: { status: 'open' },
      schedulerCron: false,
      streamBatchSize: PAGE,
      action: async (t: { id: number }, { tx }) => {
        await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', attempts: { increment: 1 } } });
      },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('bigtick');
  engine = await startEngine(ctx.env, app, ctx.prisma);
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

test(`one tick over ${N} records in pages of ${PAGE}, at most ${CHILDREN_PER_RUN} children per scheduler run: several continue-as-new, one run per record`, async () => {
  await ctx.prisma.ticket.createMany({ data: Array.from({ length: N }, (_, i) => ({ subject: `bulk ${i}` })) });
  const handle = await engine.triggers.schedule('Ticket.bulk', { childrenPerRun: CHILDREN_PER_RUN });
  const stats = (await handle.result()) as SchedulerResult;
  assert.deepEqual([stats.read, stats.started, stats.skipped], [N, N, 0]);
  assert.ok(stats.runs >= N / CHILDREN_PER_RUN, `continued as new: ${stats.runs} runs`);

  // Walk the chain back from its last run: each run's history names the children it started and
  // the run it continued from.
  const childIds: string[] = [];
  const perRun: { children: number; events: number }[] = [];
  let runId: string | undefined = (await handle.describe()).runId;
  while (runId) {
    const run: WorkflowHandle = ctx.env.client.workflow.getHandle(handle.workflowId, runId);
    const desc = await run.describe();
    assert.ok(desc.status.name === 'COMPLETED' || desc.status.name === 'CONTINUED_AS_NEW', `scheduler run ${runId} ended ${desc.status.name}`);
    const events = (await run.fetchHistory()).events ?? [];
    const started = events.flatMap((e) => (e.startChildWorkflowExecutionInitiatedEventAttributes ? [e.startChildWorkflowExecutionInitiatedEventAttributes.workflowId ?? ''] : []));
    childIds.push(...started);
    perRun.push({ children: started.length, events: events.length });
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  assert.equal(perRun.length, stats.runs, 'the chain has as many runs as the scheduler reports');
  assert.ok(perRun.length >= 5, `at least 5 runs: ${perRun.length}`);
  for (const r of perRun) assert.ok(r.children <= CHILDREN_PER_RUN, `a run started ${r.children} children, over the bound of ${CHILDREN_PER_RUN}`);
  assert.equal(childIds.length, N, 'one child start per record across the chain');
  assert.equal(new Set(childIds).size, N, 'no record was started twice');
  assert.ok(Math.max(...perRun.map((r) => r.events)) < 1000, `history events per run stay small: ${perRun.map((r) => r.events).join(', ')}`);

  // Every run completes (a long poll on each result, no time window), and each record was changed once.
  for (let i = 0; i < childIds.length; i += 50) {
    await Promise.all(childIds.slice(i, i + 50).map((id) => ctx.env.client.workflow.getHandle(id).result()));
  }
  const counts = await ctx.prisma.ticket.groupBy({ by: ['status', 'attempts'], _count: true });
  assert.deepEqual(counts.map((c) => [c.status, c.attempts, c._count]), [['processed', 1, N]], 'every record processed exactly once');
  process.stdout.write(`# ${N} records: ${perRun.length} scheduler runs; children per run ${perRun.map((r) => r.children).join(', ')}; history events per run ${perRun.map((r) => r.events).join(', ')}\n`);
});

test('a worker whose workflow activations may take at most 200 ms (a slow machine) still completes a tick with a page of 500 records, each once', async () => {
  const slowTag = uniqueName('slow');
  const SlowTicket = uniqueResource(slowTag, {
    model: 'Ticket',
    triggers: {
      bulk: {
        where: { status: 'open', subject: { startsWith: 'slow bulk' } },
        schedulerCron: false,
        streamBatchSize: 500,
        action: async (t: { id: number }, { tx }) => {
          await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', attempts: { increment: 1 } } });
        },
      },
    },
  });
  const slowApp = defineApp({ name: slowTag, resources: [SlowTicket] });
  const M = 600;
  await ctx.prisma.ticket.createMany({ data: Array.from({ length: M }, (_, i) => ({ subject: `slow bulk ${i}` })) });
  // `isolateExecutionTimeout` (default 5 s) is a worker option the SDK accepts but does not type.
  const slowVm = { isolateExecutionTimeout: ACTIVATION_LIMIT_MS } as Partial<WorkerOptions>;
  const slow = await startEngine(ctx.env, slowApp, ctx.prisma, { registerSchedules: false, workerOptions: slowVm });
  try {
    const handle = await slow.triggers.schedule('Ticket.bulk');
    const stats = (await handle.result()) as SchedulerResult;
    assert.deepEqual([stats.read, stats.started, stats.skipped], [M, M, 0]);
    await eventually('every record to be processed', async () => (await ctx.prisma.ticket.count({ where: { subject: { startsWith: 'slow bulk' }, status: 'open' } })) === 0);
    const counts = await ctx.prisma.ticket.groupBy({ by: ['attempts'], where: { subject: { startsWith: 'slow bulk' } }, _count: true });
    assert.deepEqual(counts.map((c) => [c.attempts, c._count]), [[1, M]], 'each record processed once');
    const failedTasks = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes).length;
    process.stdout.write(`# ${M} records in pages of 500 under a 200 ms activation limit: ${failedTasks} failed workflow tasks in the last scheduler run\n`);
  } finally {
    await slow.stop();
  }
});
