/**
 * One tick over more matching records than Temporal allows pending children per workflow run
 * (2,000), with default settings: the scheduler continues as new, no limit is hit, every record is
 * processed exactly once. (`npm run bench` runs the same at 10,000 and 100,000 records.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineApp, type SchedulerResult } from '../../src';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

const N = Number(process.env.PTT_BIG_TICK_RECORDS ?? 5000);
let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('big');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    bulk: {
      where: { status: 'open' },
      schedulerCron: false,
      action: async (t: { id: number }, { tx }) => {
        await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', attempts: { increment: 1 } } });
      },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('bigtick');
  engine = await startEngine(ctx.env, app, ctx.prisma, { workerOptions: { maxConcurrentActivityTaskExecutions: 40, maxConcurrentWorkflowTaskExecutions: 40, maxCachedWorkflows: 1000 } });
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

test(`one tick over ${N} matching records: no pending-child or history limit hit, none skipped, none run twice`, async () => {
  for (let i = 0; i < N; i += 2500) {
    await ctx.prisma.ticket.createMany({ data: Array.from({ length: Math.min(2500, N - i) }, (_, j) => ({ subject: `bulk ${i + j}` })) });
  }
  const started = Date.now();
  const handle = await engine.triggers.schedule('Ticket.bulk');
  const stats = (await handle.result()) as SchedulerResult;
  assert.equal(stats.read, N);
  assert.equal(stats.started, N);
  assert.equal(stats.skipped, 0);
  assert.ok(stats.runs >= Math.ceil(N / 1500), `continued as new: ${stats.runs} runs`);

  while ((await ctx.prisma.ticket.count({ where: { status: 'open' } })) > 0) {
    assert.ok(Date.now() - started < 30 * 60_000, 'the tick finishes');
    await new Promise((r) => setTimeout(r, 500));
  }
  const counts = await ctx.prisma.ticket.groupBy({ by: ['attempts'], _count: true });
  assert.deepEqual(counts.map((c) => [c.attempts, c._count]), [[1, N]], 'every record processed exactly once');

  // Visibility is eventually consistent: wait until it lists every run of the chain, then ask each
  // run itself (describe reads the execution, not visibility) how it ended.
  let runIds: string[] = [];
  for (let i = 0; i < 50 && runIds.length < stats.runs; i++) {
    runIds = [];
    for await (const wf of ctx.env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runIds.push(wf.runId);
    if (runIds.length < stats.runs) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(runIds.length, stats.runs);
  const histories: number[] = [];
  for (const runId of runIds) {
    const run = ctx.env.client.workflow.getHandle(handle.workflowId, runId);
    const status = (await run.describe()).status.name;
    assert.ok(status === 'COMPLETED' || status === 'CONTINUED_AS_NEW', `scheduler run ${runId} ended ${status}`);
    histories.push((await run.fetchHistory()).events?.length ?? 0);
  }
  assert.ok(Math.max(...histories) < 10_240, `history events per run stay under the warning limit: ${histories.join(', ')}`);
  process.stdout.write(`# ${N} records in ${((Date.now() - started) / 1000).toFixed(1)} s; ${stats.runs} scheduler runs; history events per run ${histories.join(', ')}\n`);
});
