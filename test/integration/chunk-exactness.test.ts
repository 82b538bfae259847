/**
 * Chunk runs, exactly once and counted exactly: an attempt whose result is lost after it
 * committed (its worker gone) is read back from its commit marker, records and failures alike;
 * committed records are never done again, failed ones reach onError once each; an attempt run
 * against records an earlier one committed leaves them out; a late execution of an old attempt
 * does nothing; a chunk that snoozes 1,000 times keeps every run's history bounded.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { createTriggerActivities } from '../../activities';
import { defineApp, snooze } from '../../src';
import { encodeKey } from '../../workflows/primary-key';
import { ATTEMPT_ABANDONED_TYPE, type AttemptOutcome, type ChunkRunResult, type RunActionInput } from '../../workflows/types';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';
import { childrenOf } from '../helpers/runs';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('exact');
/** onError calls per record id. */
const handledCalls = new Map<number, number>();
/** Action calls per record id. */
const actionCalls = new Map<number, number>();
const snoozesLeft = { n: 0 };

async function processAllButBad(records: { id: number; subject: string }[], c: { tx: any }) {
  for (const r of records) actionCalls.set(r.id, (actionCalls.get(r.id) ?? 0) + 1);
  const bad = records.filter((r) => r.subject.endsWith('bad'));
  // the where does not look at what the action writes: a second commit would show as attempts 2
  for (const r of records.filter((x) => !bad.includes(x))) await c.tx.ticket.update({ where: { id: r.id }, data: { attempts: { increment: 1 } } });
  return { failed: bad.map((record) => ({ record, error: new Error(`cannot process ${record.subject}`) })) };
}
const lossy = (attemptsAs?: 'activity') => ({
  where: { subject: { startsWith: `${tag} ${attemptsAs ?? 'local'} ` } },
  schedulerCron: false as const,
  chunks: { size: 10 },
  maxAttempts: 2,
  backoff: 0,
  ...(attemptsAs ? { attemptsAs } : {}),
  chunkAction: processAllButBad,
  onError: async (r: { id: number }, c: { tx: any }) => {
    handledCalls.set(r.id, (handledCalls.get(r.id) ?? 0) + 1);
    await c.tx.ticket.update({ where: { id: r.id }, data: { status: 'errored' } });
  },
});
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    local: lossy(),
    activity: lossy('activity'),
    napper: {
      where: { subject: `${tag} napper` },
      schedulerCron: false,
      chunks: { size: 10 },
      chunkAction: async (records: { id: number }[], c) => {
        if (snoozesLeft.n > 0) {
          snoozesLeft.n--;
          snooze(0);
        }
        for (const r of records) await c.tx.ticket.update({ where: { id: r.id }, data: { attempts: { increment: 1 } } });
      },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

/** The first execution of each chunk's first action attempt commits, then its result is lost (as when its worker dies). */
const lost = new Set<string>();
class LoseFirstResult implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const out = (await next(input)) as AttemptOutcome;
    const info = activityInfo();
    const id = info.workflowExecution?.workflowId ?? '';
    if (info.activityType === 'pttRunAction' && (input.args[0] as RunActionInput).attempt === 1 && !lost.has(id) && /\.(local|activity)$/.test(info.workflowType ?? '')) {
      lost.add(id);
      throw ApplicationFailure.retryable('the result of this committed attempt is lost (as when its worker dies)', ATTEMPT_ABANDONED_TYPE);
    }
    return out;
  }
}

before(async () => {
  ctx = await testContext('exact');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false, workerOptions: { interceptors: { activity: [() => ({ inbound: new LoseFirstResult() })] } } });
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

for (const mode of ['local', 'activity'] as const) {
  test(`${mode} attempts: a committed attempt whose result is lost is read back exactly: nothing committed twice, the failed record handed to onError once`, async () => {
    const subjects = ['a', 'b', 'c', 'bad'].map((s) => `${tag} ${mode} ${s}`);
    await ctx.prisma.ticket.createMany({ data: subjects.map((subject) => ({ subject })) });
    const tick = await engine.triggers.schedule(`Ticket.${mode}`);
    await tick.result();
    const [chunk] = await childrenOf(ctx.env.client, tick.workflowId, 1);
    const result = (await ctx.env.client.workflow.getHandle(chunk!).result()) as ChunkRunResult;
    assert.ok(lost.has(chunk!), 'the first attempt committed and its result was lost');
    // attempt 1 (lost, read back): a, b, c committed, bad failed; attempt 2: bad failed again; onError handled it
    assert.deepEqual([result.outcome, result.attempts, result.chunk], ['success', 2, { success: 4, failure: 0, discard: 0, cancelled: 0, inFlight: 0 }]);
    const rows = await ctx.prisma.ticket.findMany({ where: { subject: { in: subjects } }, orderBy: { id: 'asc' } });
    assert.deepEqual(rows.map((r) => [r.subject.split(' ').pop(), r.attempts, r.status]), [
      ['a', 1, 'open'],
      ['b', 1, 'open'],
      ['c', 1, 'open'],
      ['bad', 0, 'errored'],
    ]);
    assert.deepEqual(rows.map((r) => actionCalls.get(r.id)), [1, 1, 1, 2], 'the action ran once on each committed record (local: the lost execution is read back, not run again)');
    assert.equal(handledCalls.get(rows[3]!.id), 1, 'onError once for the failed record');
  });
}

test('an attempt given records an earlier attempt committed leaves them out and reports them; a late execution of an older attempt does nothing', async () => {
  const subjects = ['x', 'y', 'bad'].map((s) => `${tag} local direct-${s}`);
  await ctx.prisma.ticket.createMany({ data: subjects.map((subject) => ({ subject })) });
  const rows = await ctx.prisma.ticket.findMany({ where: { subject: { in: subjects } }, orderBy: { id: 'asc' } });
  const keys = rows.map((r) => encodeKey(r, ['id']));
  const acts = createTriggerActivities({ app, prisma: ctx.prisma as never });
  const env = new MockActivityEnvironment({ workflowType: `${tag}.Ticket.local`, workflowExecution: { workflowId: `${tag}-direct`, runId: 'run-1' }, isLocal: true });
  const input = (attempt: number): RunActionInput => ({ triggerId: 'Ticket.local', key: keys[0]!, chunkKeys: keys, tenant: null, actionArguments: {}, attempt, maxAttempts: 3, workflowId: `${tag}-direct` });
  const run = (i: RunActionInput): Promise<AttemptOutcome> => env.run(acts.pttRunAction, i) as Promise<AttemptOutcome>;
  const first = await run(input(1));
  assert.equal(first.status, 'success');
  // attempt 2 sent with all three records (as a run that never learned attempt 1's result would)
  const second = await run(input(2));
  assert.ok(second.status === 'success' && second.chunk);
  assert.deepEqual([second.chunk.earlier?.length, second.chunk.succeeded.length, second.chunk.failed.length], [2, 0, 1], 'x and y reported as committed earlier, not done again');
  const again = await run(input(1));
  assert.deepEqual(again, first, 'the same attempt run again reads back what it did');
  // attempt 4 commits (bad still fails); attempt 3 executed late, after it: it does nothing
  await run(input(4));
  const late = await run(input(3));
  assert.ok(late.status === 'success' && late.chunk);
  assert.deepEqual([late.chunk.succeeded, late.chunk.failed, late.chunk.earlier ?? []], [[], [], []]);
  const after = await ctx.prisma.ticket.findMany({ where: { subject: { in: subjects } }, orderBy: { id: 'asc' } });
  assert.deepEqual(after.map((r) => r.attempts), [1, 1, 0], 'x and y committed once');
  assert.deepEqual(rows.map((r) => actionCalls.get(r.id)), [1, 1, 3], 'the action saw x and y once, bad in attempts 1, 2 and 4');
});

test('a chunk that snoozes (0 s) 1,000 times continues as new every 500 snoozes: every run of it has a bounded history', async () => {
  snoozesLeft.n = 1000;
  const record = await ctx.prisma.ticket.create({ data: { subject: `${tag} napper` } });
  const tick = await engine.triggers.schedule('Ticket.napper');
  await tick.result();
  const [chunk] = await childrenOf(ctx.env.client, tick.workflowId, 1);
  const handle = ctx.env.client.workflow.getHandle(chunk!);
  const result = (await handle.result()) as ChunkRunResult;
  assert.deepEqual([result.outcome, result.snoozes, result.attempts], ['success', 1000, 1]);
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: record.id } })).attempts, 1);
  // every run of the chain (each continued as new after 500 snoozes)
  const lengths: number[] = [];
  for await (const run of ctx.env.client.workflow.list({ query: `WorkflowId = '${chunk!}'` })) {
    lengths.push(((await ctx.env.client.workflow.getHandle(chunk!, run.runId).fetchHistory()).events ?? []).length);
  }
  process.stdout.write(`# history lengths of the chunk's runs: ${lengths.join(', ')}\n`);
  assert.equal(lengths.length, 3, 'two continue-as-new: three runs');
  // a snooze of 0 s is one local-activity marker (no timer): 500 of them and the run's few own events
  for (const n of lengths) assert.ok(n <= 500 + 20, `a run's history stays within one event per snooze (${n})`);
});
