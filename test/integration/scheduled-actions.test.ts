/** Scheduled actions: the workflow of the action's stable type, attempts with lastAttempt, snooze, cancel. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { defineApp, type ScheduledActionResult } from '../../src';
import type { PrismaClient } from '../../example/prisma-client';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('sa');
const seen: { name: string; attempt: number; lastAttempt: boolean; args: Record<string, unknown> }[] = [];

const Report = uniqueResource(tag, {
  model: 'DailyReport',
  scheduledActions: {
    daily: {
      cron: '0 0 * * *',
      actionInput: { kind: 'daily', day: '2026-01-01' },
      action: async ({ prisma, args, attempt, lastAttempt }) => {
        seen.push({ name: 'daily', attempt, lastAttempt, args });
        const db = prisma as PrismaClient;
        const [open, processed, errored] = await Promise.all([
          db.ticket.count({ where: { status: 'open' } }),
          db.ticket.count({ where: { status: 'processed' } }),
          db.ticket.count({ where: { status: 'errored' } }),
        ]);
        await db.dailyReport.create({ data: { day: new Date(String(args.day)), openTickets: open, processedTickets: processed, erroredTickets: errored } });
      },
    },
    flaky: {
      cron: '0 0 * * *',
      maxAttempts: 3,
      backoff: 0,
      action: async ({ attempt, lastAttempt }) => {
        seen.push({ name: 'flaky', attempt, lastAttempt, args: {} });
        if (!lastAttempt) throw new Error(`not yet (${attempt})`);
      },
    },
    broken: {
      cron: '0 0 * * *',
      maxAttempts: 2,
      backoff: 0,
      action: async () => {
        throw new Error('always broken');
      },
    },
    sleepy: {
      cron: '0 0 * * *',
      action: async ({ snooze, attempt }) => {
        seen.push({ name: 'sleepy', attempt, lastAttempt: true, args: {} });
        if (seen.filter((s) => s.name === 'sleepy').length === 1) snooze(1);
      },
    },
    quitter: {
      cron: '0 0 * * *',
      action: async ({ cancel }) => cancel('nothing to do'),
    },
  },
});
const app = defineApp({ name: tag, resources: [Report] });

before(async () => {
  ctx = await testContext('actions');
  engine = await startEngine(ctx.env, app, ctx.prisma);
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

test('a scheduled action runs as a workflow of its stable type and writes through Prisma; runtime arguments win', async () => {
  await ctx.prisma.ticket.createMany({ data: [{ subject: 'a' }, { subject: 'b', status: 'processed' }] });
  const handle = await engine.triggers.schedule('DailyReport.daily', { actionArguments: { day: '2026-11-28' } });
  assert.equal((await handle.describe()).type, `${tag}.DailyReport.daily`);
  const result = (await handle.result()) as ScheduledActionResult;
  assert.equal(result.outcome, 'success');
  const report = await ctx.prisma.dailyReport.findFirstOrThrow();
  assert.deepEqual([report.openTickets, report.processedTickets, report.erroredTickets], [1, 1, 0]);
  assert.equal(report.day.toISOString().slice(0, 10), '2026-11-28');
  assert.deepEqual(seen.find((s) => s.name === 'daily')?.args, { kind: 'daily', day: '2026-11-28' });
});

test('retries up to maxAttempts, telling the action which attempt is the last', async () => {
  const result = (await (await engine.triggers.schedule('DailyReport.flaky')).result()) as ScheduledActionResult;
  assert.equal(result.outcome, 'success');
  assert.deepEqual(seen.filter((s) => s.name === 'flaky').map((s) => [s.attempt, s.lastAttempt]), [[1, false], [2, false], [3, true]]);
  const handle = await engine.triggers.schedule('DailyReport.broken');
  await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && /always broken/.test(String((err.cause as Error)?.message)));
});

test('snooze and cancel work in scheduled actions', async () => {
  const snoozed = (await (await engine.triggers.schedule('DailyReport.sleepy')).result()) as ScheduledActionResult;
  assert.equal(snoozed.outcome, 'success');
  assert.equal(snoozed.snoozes, 1);
  assert.deepEqual(seen.filter((s) => s.name === 'sleepy').map((s) => s.attempt), [1, 1]);
  const cancelled = (await (await engine.triggers.schedule('DailyReport.quitter')).result()) as ScheduledActionResult;
  assert.deepEqual([cancelled.outcome, cancelled.reason], ['cancelled', 'nothing to do']);
});

test('scheduleAndRunTriggers includes scheduled actions when asked, and drains them', async () => {
  const r = await engine.triggers.scheduleAndRunTriggers([Report, 'quitter'], { drain: true });
  const zero = { success: 0, failure: 0, discard: 0, cancelled: 0, snoozed: 0 };
  const { runs, ...counts } = r;
  assert.deepEqual(counts, { ...zero, cancelled: 1, notDrained: [], byKind: { scheduler: zero, record: zero, scheduledAction: { ...zero, cancelled: 1 } } });
  assert.deepEqual(runs.map((x) => [x.kind, x.name, x.outcome]), [['scheduled-action', 'DailyReport.quitter', 'cancelled']]);
});
