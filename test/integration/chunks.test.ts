/**
 * Chunks (Oban Pro's chunk worker): one run per `size` records, one transaction per attempt. A
 * declarative update is one updateManyAndReturn (its own re-check); a function action gets the records and reports failures
 * per record (only those are retried, then handed to onError); records that stopped matching are
 * untouched; a record locked by another run in flight is left to it (two overlapping ticks).
 * Drain counts per-record outcomes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineApp, type SchedulerResult } from '../../src';
import { eventually, gate } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';
import { childrenOf } from '../helpers/runs';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('chk');
const held = { gate: gate(), closed: false, entered: 0 };
const calls: number[][] = [];
/** The Ticket operations the engine's PrismaClient ran (scheduler pages and attempts alike). */
const ops: string[] = [];
/** How each chunk attempt claimed its records: `count` (one array parameter, every key locked) or `list`. */
const claims: ('count' | 'list')[] = [];

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    bulk: {
      where: { status: 'open', subject: { startsWith: 'bulk' } },
      schedulerCron: false,
      chunks: { size: 10 },
      action: { update: { status: 'processed', attempts: { increment: 1 } } },
    },
    picky: {
      where: { status: 'open', subject: { startsWith: 'picky' } },
      schedulerCron: false,
      chunks: { size: 10, by: ['priority'] },
      maxAttempts: 2,
      backoff: 0,
      onErrorFailsJob: true,
      chunkAction: async (records: { id: number; subject: string; priority: number }[], c) => {
        calls.push(records.map((r) => r.id));
        const bad = records.filter((r) => r.subject.includes('bad'));
        for (const r of records.filter((x) => !bad.includes(x))) await c.tx.ticket.update({ where: { id: r.id }, data: { status: 'processed', attempts: { increment: 1 } } });
        return { failed: bad.map((record) => ({ record, error: new Error(`cannot process ${record.subject}`) })) };
      },
      onError: { update: { status: 'errored' } },
    },
    slow: {
      where: { status: 'open', subject: { startsWith: 'slow' } },
      schedulerCron: false,
      sort: [{ priority: 'desc' }],
      chunks: { size: 10 },
      chunkAction: async (records: { id: number }[], c) => {
        held.entered++;
        if (held.closed) await held.gate.promise;
        for (const r of records) await c.tx.ticket.update({ where: { id: r.id }, data: { status: 'processed', attempts: { increment: 1 } } });
      },
    },
  },
});
// string keys that need quoting in a Postgres array literal
const Organisation = uniqueResource(tag, {
  model: 'Organisation',
  triggers: {
    rename: {
      where: { name: { startsWith: 'claim ' } },
      schedulerCron: false,
      chunks: { size: 10 },
      action: { update: { name: 'claimed' } },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket, Organisation] });

before(async () => {
  ctx = await testContext('chunks');
  const counted = ctx.prisma.$extends({
    query: {
      $queryRawUnsafe({ args, query }) {
        const sql = String(args[0]);
        if (sql.includes('SKIP LOCKED')) claims.push(sql.startsWith('SELECT count(*)') ? 'count' : 'list');
        return query(args);
      },
      ticket: {
        $allOperations({ operation, args, query }) {
          ops.push(operation);
          return query(args);
        },
      },
    },
  });
  engine = await startEngine(ctx.env, app, counted, { registerSchedules: false });
});
after(async () => {
  held.gate.open();
  await engine?.stop();
  await ctx?.close();
});

test('a declarative update runs as one updateManyAndReturn per chunk of 10, with no re-read; drain counts each record', async () => {
  await ctx.prisma.ticket.createMany({ data: Array.from({ length: 25 }, (_, i) => ({ subject: `bulk ${i}` })) });
  ops.length = 0;
  claims.length = 0;
  const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'bulk'], { drain: true });
  assert.deepEqual(ops.sort(), ['findMany', 'updateManyAndReturn', 'updateManyAndReturn', 'updateManyAndReturn'], 'one page for the scheduler, then one statement per chunk');
  assert.deepEqual(claims, ['count', 'count', 'count'], 'each chunk locked every record it counted: no list of keys sent back');
  assert.deepEqual([r.byKind.scheduler.success, r.byKind.record.success, r.byKind.record.failure], [1, 25, 0]);
  const rows = await ctx.prisma.ticket.groupBy({ by: ['status', 'attempts'], where: { subject: { startsWith: 'bulk' } }, _count: true });
  assert.deepEqual(rows.map((x) => [x.status, x.attempts, x._count]), [['processed', 1, 25]]);
  const chunkRuns = await eventually('visibility to list the chunk runs', async () => {
    const n = (await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerName = 'Ticket.bulk' AND TriggerKind = 'chunk'`)).count;
    return n === 3 ? n : undefined;
  });
  assert.equal(chunkRuns, 3, 'three chunk runs (10, 10, 5), searchable as TriggerKind chunk');
});

test('per-record failures: only the failed record is retried, then handed to onError; chunks are grouped by `by`', async () => {
  calls.length = 0;
  await ctx.prisma.ticket.createMany({
    data: [
      { subject: 'picky a', priority: 1 },
      { subject: 'picky bad', priority: 1 },
      { subject: 'picky c', priority: 2 },
    ],
  });
  const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'picky'], { drain: true });
  assert.deepEqual([r.byKind.record.success, r.byKind.record.discard, r.byKind.record.failure], [2, 1, 0]);
  const rows = await ctx.prisma.ticket.findMany({ where: { subject: { startsWith: 'picky' } }, orderBy: { id: 'asc' } });
  assert.deepEqual(rows.map((x) => [x.subject, x.status, x.attempts]), [
    ['picky a', 'processed', 1],
    ['picky bad', 'errored', 0],
    ['picky c', 'processed', 1],
  ]);
  const [a, bad, c] = rows.map((x) => x.id) as [number, number, number];
  assert.deepEqual(calls.map((ids) => [...ids].sort((x, y) => x - y)).sort((x, y) => x.length - y.length || x[0]! - y[0]!), [[bad], [c], [a, bad]], 'priority 1 and 2 in separate chunks; the retry had the failed record only');
});

test('records that stopped matching are untouched and counted cancelled', async () => {
  const split = uniqueName('split');
  const Split = uniqueResource(split, {
    model: 'Ticket',
    triggers: { later: { where: { status: 'open', subject: { startsWith: split } }, schedulerCron: false, schedulerQueue: `${split}-schedulers`, chunks: { size: 10 }, action: { update: { status: 'processed' } } } },
  });
  const splitApp = defineApp({ name: split, resources: [Split] });
  // a worker for the scheduler only: the chunk waits, unpolled, while one of its records changes
  const schedulerOnly = await startEngine(ctx.env, splitApp, ctx.prisma, { registerSchedules: false, taskQueues: [`${split}-schedulers`], require: false });
  const rows = [];
  for (const i of [0, 1, 2]) rows.push(await ctx.prisma.ticket.create({ data: { subject: `${split} ${i}` } }));
  const scheduler = await schedulerOnly.triggers.schedule('Ticket.later');
  assert.equal(((await scheduler.result()) as SchedulerResult).started, 1);
  await schedulerOnly.stop();
  await ctx.prisma.ticket.update({ where: { id: rows[1]!.id }, data: { status: 'errored' } });
  const worker = await startEngine(ctx.env, splitApp, ctx.prisma, { registerSchedules: false, taskQueues: [`${split}-later`], require: false });
  try {
    const [chunk] = await childrenOf(ctx.env.client, scheduler.workflowId, 1);
    const result = (await ctx.env.client.workflow.getHandle(chunk!).result()) as { chunk: Record<string, number> };
    assert.deepEqual(result.chunk, { success: 2, failure: 0, discard: 0, cancelled: 1, inFlight: 0 });
    assert.deepEqual((await ctx.prisma.ticket.findMany({ where: { subject: { startsWith: split } }, orderBy: { id: 'asc' } })).map((x) => x.status), ['processed', 'errored', 'processed']);
  } finally {
    await worker.stop();
  }
});

test('two overlapping ticks: a record in another in-flight chunk is left to it (SKIP LOCKED), never processed twice', async () => {
  await ctx.prisma.ticket.createMany({ data: Array.from({ length: 10 }, (_, i) => ({ subject: `slow ${i + 1}` })) });
  held.closed = true;
  claims.length = 0;
  const tick1 = await engine.triggers.schedule('Ticket.slow');
  assert.equal(((await tick1.result()) as SchedulerResult).started, 1);
  await eventually("the first tick's chunk to hold its 10 rows", () => held.entered === 1);
  // a record that sorts first (priority desc): the second tick cuts different chunks over the same rows
  await ctx.prisma.ticket.create({ data: { subject: 'slow 0', priority: 1 } });
  const tick2 = engine.triggers.scheduleAndRunTriggers([Ticket, 'slow'], { drain: true });
  // its chunk with the new record claimed that one (the others are locked) and waits in the action too
  await eventually("the second tick's chunk to run on what it could claim", () => held.entered === 2);
  held.closed = false;
  held.gate.open();
  const r = await tick2;
  assert.equal(r.byKind.record.success, 11, "the second tick's record, and the first tick's ten (an open run of the trigger)");
  const rows = await ctx.prisma.ticket.findMany({ where: { subject: { startsWith: 'slow' } } });
  assert.deepEqual([rows.length, [...new Set(rows.map((x) => x.attempts))]], [11, [1]], 'every record processed exactly once');
  // three chunk runs: the first tick's (10 rows) and the second tick's two (11 rows in chunks of 10 and 1)
  const chunkIds = await eventually('visibility to list the three chunk runs', async () => {
    const ids: string[] = [];
    for await (const wf of ctx.env.client.workflow.list({ query: `TriggerOwner = '${tag}' AND TriggerName = 'Ticket.slow' AND TriggerKind = 'chunk'` })) ids.push(wf.workflowId);
    return ids.length === 3 ? ids : undefined;
  });
  let leftAlone = 0;
  for (const id of chunkIds) {
    const { chunk } = (await ctx.env.client.workflow.getHandle(id).result()) as { chunk: { inFlight: number; cancelled: number } };
    leftAlone += chunk.inFlight + chunk.cancelled;
  }
  // each of the first tick's ten rows, seen by a second-tick chunk, was either still locked (in
  // flight) or already processed when that chunk claimed (no longer matching): never taken twice
  assert.equal(leftAlone, 10, "the second tick's chunks left the first tick's ten rows to it");
  assert.ok(claims.includes('list'), `a chunk that could not lock every record asked which it locked (claims: ${claims.join(', ')})`);
});

test('string keys that need quoting (quotes, backslashes, commas, braces, spaces, NULL) are claimed as one array and processed once', async () => {
  const ids = ['plain', 'with "quotes"', 'back\\slash', 'a,b', '{braces}', ' spaced ', 'NULL', 'ü/ñ'];
  await ctx.prisma.organisation.createMany({ data: ids.map((id) => ({ id: `${tag}:${id}`, name: `claim ${id}` })) });
  claims.length = 0;
  const r = await engine.triggers.scheduleAndRunTriggers([Organisation, 'rename'], { drain: true });
  assert.deepEqual([r.byKind.record.success, r.byKind.record.failure], [ids.length, 0]);
  assert.deepEqual(claims, ['count'], 'the array literal matched every key: no second claim');
  const rows = await ctx.prisma.organisation.findMany({ where: { id: { startsWith: `${tag}:` } } });
  assert.deepEqual(rows.map((o) => o.name), ids.map(() => 'claimed'));
});
