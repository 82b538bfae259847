/**
 * The scheduler workflow: keyset paging (sort, recordLimit, streamBatchSize), continue-as-new,
 * in-flight records skipped, triggerOnce, where functions of `now`, and a real Schedule tick.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineApp, type SchedulerResult } from '../../src';
import { recordWorkflowId } from '../../workflows/primary-key';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';
import { eventually } from '../helpers/eventually';
import { childrenOf } from '../helpers/runs';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('sch');
const processed: number[] = [];
let gate: Promise<void> | undefined;

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    bySubject: {
      where: { status: 'open', subject: { startsWith: 'page' } },
      schedulerCron: false,
      streamBatchSize: 3,
      action: async (t: { id: number }, c) => {
        processed.push(t.id);
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    top2: {
      where: { status: 'open', subject: { startsWith: 'prio' } },
      schedulerCron: false,
      sort: [{ priority: 'desc' }],
      recordLimit: 2,
      streamBatchSize: 1,
      action: { update: { status: 'processed' } },
    },
    slow: {
      where: { status: 'open', subject: { startsWith: 'slow' } },
      schedulerCron: false,
      action: async (t: { id: number }, c) => {
        await gate;
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    once: {
      // still matches after the action: only triggerOnce stops it from running again
      where: { subject: { startsWith: 'once' } },
      schedulerCron: false,
      triggerOnce: true,
      action: async (t: { id: number }, c) => {
        await c.tx.ticket.update({ where: { id: t.id }, data: { attempts: { increment: 1 } } });
      },
    },
    again: {
      where: { subject: { startsWith: 'again' } },
      schedulerCron: false,
      action: async (t: { id: number }, c) => {
        await c.tx.ticket.update({ where: { id: t.id }, data: { attempts: { increment: 1 } } });
      },
    },
    expired: {
      where: ({ now }) => ({ subject: { startsWith: 'expiry' }, createdAt: { lt: new Date(now.getTime() - 60_000) } }),
      schedulerCron: false,
      action: { update: { status: 'processed' } },
    },
    poison: {
      where: { status: 'open', subject: { startsWith: 'poison' } },
      schedulerCron: false,
      readMetadata: (t: { subject: string }) =>
        t.subject === 'poison big' ? { blob: 'x'.repeat(3_000_000) } : t.subject.startsWith('poison fat') ? { blob: 'y'.repeat(60_000) } : { ok: true },
      action: { update: { status: 'processed' } },
    },
    paused: {
      where: { status: 'open' },
      schedulerCron: false,
      state: 'paused',
      action: { update: { status: 'processed' } },
    },
    ticking: {
      where: { status: 'open', subject: 'tick' },
      schedulerCron: '@every 2s',
      action: { update: { status: 'processed' } },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('scheduler');
  engine = await startEngine(ctx.env, app, ctx.prisma);
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

test('pages through every matching record once, across pages and continue-as-new runs', async () => {
  await ctx.prisma.ticket.createMany({ data: Array.from({ length: 25 }, (_, i) => ({ subject: `page ${i}` })) });
  await ctx.prisma.ticket.create({ data: { subject: 'page closed', status: 'processed' } });
  const handle = await engine.triggers.schedule('Ticket.bySubject', { childrenPerRun: 7 });
  const stats = (await handle.result()) as SchedulerResult;
  assert.equal(stats.read, 25);
  assert.equal(stats.started, 25);
  assert.equal(stats.skipped, 0);
  assert.ok(stats.pages >= 9, `pages: ${stats.pages}`);
  assert.ok(stats.runs >= 4, `continue-as-new runs: ${stats.runs}`);
  const children = await childrenOf(ctx.env.client, handle.workflowId, 25);
  assert.equal(new Set(children).size, 25);
  const drained = await engine.triggers.drainMany(children, Number.POSITIVE_INFINITY);
  assert.equal(drained.success, 25);
  assert.equal(processed.length, 25);
  assert.equal(new Set(processed).size, 25, 'no record processed twice');
  assert.equal(await ctx.prisma.ticket.count({ where: { subject: { startsWith: 'page' }, status: 'open' } }), 0);
});

test('sort and recordLimit: only the first records in the trigger order are taken per tick', async () => {
  const rows = await Promise.all([1, 9, 5, 7, 3].map((p) => ctx.prisma.ticket.create({ data: { subject: `prio ${p}`, priority: p } })));
  const result = await engine.triggers.scheduleAndRunTriggers([Ticket, 'top2'], { drain: true });
  assert.equal(result.byKind.record.success, 2);
  assert.equal(result.success, 3, 'the totals count the scheduler run too, as AshOban does');
  const done = await ctx.prisma.ticket.findMany({ where: { id: { in: rows.map((r) => r.id) }, status: 'processed' }, orderBy: { priority: 'desc' } });
  assert.deepEqual(done.map((r) => r.priority), [9, 7]);
});

test('a record with a run in flight is skipped, not started twice', async () => {
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  const t = await ctx.prisma.ticket.create({ data: { subject: 'slow one' } });
  const first = await engine.triggers.runTrigger(t, 'Ticket.slow');
  const stats = (await (await engine.triggers.schedule('Ticket.slow')).result()) as SchedulerResult;
  assert.equal(stats.skipped, 1);
  assert.equal(stats.started, 0);
  const again = await engine.triggers.runTrigger(t, 'Ticket.slow');
  assert.equal(again.alreadyRunning, true);
  assert.equal(again.workflowId, first.workflowId);
  open();
  await first.result();
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
});

test('triggerOnce: a record whose run completed is not started again; without it, it is', async () => {
  const once = await ctx.prisma.ticket.create({ data: { subject: 'once' } });
  const again = await ctx.prisma.ticket.create({ data: { subject: 'again' } });
  for (let i = 0; i < 2; i++) {
    const r1 = await engine.triggers.scheduleAndRunTriggers([Ticket, 'once'], { drain: true });
    const r2 = await engine.triggers.scheduleAndRunTriggers([Ticket, 'again'], { drain: true });
    assert.equal(r1.byKind.record.success, i === 0 ? 1 : 0, 'triggerOnce runs once');
    assert.equal(r2.byKind.record.success, 1);
  }
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: once.id } })).attempts, 1);
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: again.id } })).attempts, 2);
});

test('a where function sees the tick time (time-relative conditions)', async () => {
  const old = await ctx.prisma.ticket.create({ data: { subject: 'expiry old', createdAt: new Date(Date.now() - 3_600_000) } });
  const fresh = await ctx.prisma.ticket.create({ data: { subject: 'expiry fresh' } });
  const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'expired'], { drain: true });
  assert.equal(r.byKind.record.success, 1);
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: old.id } })).status, 'processed');
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: fresh.id } })).status, 'open');
});

test('a record whose readMetadata is over the run data limit fails alone, naming the record, the option and the limit; its page runs', async () => {
  await ctx.prisma.ticket.createMany({ data: Array.from({ length: 9 }, (_, i) => ({ subject: `poison ${i}` })) });
  const big = await ctx.prisma.ticket.create({ data: { subject: 'poison big' } });
  const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'poison'], { drain: true });
  assert.deepEqual([r.byKind.record.success, r.byKind.record.failure], [9, 1]);
  const failed = ctx.env.client.workflow.getHandle(recordWorkflowId(`${tag}.Ticket.poison`, null, String(big.id)));
  await assert.rejects(failed.result(), (err: unknown) => {
    const message = String((err as { cause?: Error }).cause?.message);
    assert.match(message, new RegExp(`the run data of record ${big.id} \\(readMetadata and extraArgs\\) is 2930 KiB; a run carries at most 64 KiB`));
    return true;
  });
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: big.id } })).status, 'open');
  await ctx.prisma.ticket.update({ where: { id: big.id }, data: { status: 'errored' } }); // out of the next test's way
});

test('a page stops at 1 MiB of run data and the next page goes on from there: every record once', async () => {
  await ctx.prisma.ticket.createMany({ data: Array.from({ length: 25 }, (_, i) => ({ subject: `poison fat ${i}` })) });
  const handle = await engine.triggers.schedule('Ticket.poison');
  const stats = (await handle.result()) as SchedulerResult;
  assert.equal(stats.started, 25);
  assert.ok(stats.pages >= 2, `pages: ${stats.pages}`);
  await eventually('every fat record to be processed', async () => (await ctx.prisma.ticket.count({ where: { subject: { startsWith: 'poison fat' }, status: 'open' } })) === 0);
});

test("state: 'paused' starts no runs from the scheduler, and a run started anyway ends cancelled", async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'paused trigger' } });
  const stats = (await (await engine.triggers.schedule('Ticket.paused')).result()) as SchedulerResult;
  assert.deepEqual([stats.read, stats.started], [0, 0]);
  const r = (await (await engine.triggers.runTrigger(t, 'Ticket.paused')).result()) as { outcome: string; reason?: string };
  assert.equal(r.outcome, 'cancelled');
  assert.match(r.reason ?? '', /paused/);
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'open');
});

test('the Temporal Schedule registered at boot ticks the scheduler, which processes matching records', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'tick' } });
  await eventually('a Schedule tick to process the record', async () => (await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status === 'processed');
  const desc = await ctx.env.client.schedule.getHandle(`ptt:${tag}.Ticket.ticking.scheduler`).describe();
  assert.ok(desc.info.recentActions.length >= 1);
  await ctx.env.client.schedule.getHandle(`ptt:${tag}.Ticket.ticking.scheduler`).delete();
});
