/**
 * "Renaming code never orphans a run": runs in flight find their definition through their stable
 * workflow type only. In each test a run is part-way (snoozed, between two scheduler runs of a
 * continue-as-new chain, waiting out a backoff) when its worker stops; the next worker's
 * definitions rename the trigger or scheduled action AND the Prisma model (`Ticket` becomes
 * `SupportTicket`, same table: a client generated from test/fixtures/renamed), keeping only the
 * stable names. The run completes on the new code.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PrismaPg } from '@prisma/adapter-pg';
import { activityInfo } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityExecuteInput, Next } from '@temporalio/worker';
import { PrismaClient as RenamedClient } from '../../generated/renamed/client';
import { defineApp, defineResource, snooze, type RecordRunResult, type ScheduledActionResult, type SchedulerResult } from '../../src';
import { startEngine, testContext, uniqueName, type Engine } from '../helpers/engine';
import { eventually, gate } from '../helpers/eventually';

let ctx: Awaited<ReturnType<typeof testContext>>;
let renamed: RenamedClient;
const tag = uniqueName('ren');
const names = {
  queue: `${tag}-q`,
  workflowType: `${tag}.record`,
  schedulerWorkflowType: `${tag}.scheduler`,
};
const actionType = `${tag}.digest`;
const ran: string[] = [];

/** Version 1: model `Ticket`, trigger `process`, scheduled action `digest`. */
const v1 = defineApp({
  name: tag,
  resources: [
    defineResource({
      model: 'Ticket',
      triggers: {
        process: {
          ...names,
          where: { status: 'open', subject: { startsWith: 'rename' } },
          schedulerCron: false,
          streamBatchSize: 2,
          maxSchedulerAttempts: 20,
          action: async (t: { id: number; subject: string }, { tx }) => {
            ran.push(`v1 ${t.subject}`);
            if (t.subject === 'rename: snoozed') {
              // The first call snoozes; a second call on the old code would be a bug.
              if (ran.filter((r) => r === 'v1 rename: snoozed').length === 1) snooze(10);
              throw new Error('the old code ran the snoozed run again');
            }
            await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', attempts: { increment: 1 } } });
          },
        },
      },
      scheduledActions: {
        digest: {
          cron: '@yearly',
          queue: names.queue,
          workflowType: actionType,
          maxAttempts: 2,
          backoff: () => 10,
          action: async () => {
            ran.push('v1 digest');
            throw new Error('old digest fails');
          },
        },
      },
    }),
  ],
});

/** Version 2: the model is `SupportTicket` (same table), the trigger `triage`, the action `nightly`; same stable names. */
const v2 = defineApp({
  name: tag,
  resources: [
    defineResource({
      model: 'SupportTicket',
      triggers: {
        triage: {
          ...names,
          where: { status: 'open', subject: { startsWith: 'rename' } },
          schedulerCron: false,
          streamBatchSize: 2,
          maxSchedulerAttempts: 20,
          action: async (t: { id: number; subject: string }, { tx }) => {
            ran.push(`v2 ${t.subject}`);
            await tx.supportTicket.update({ where: { id: t.id }, data: { status: 'processed', attempts: { increment: 1 } } });
          },
        },
      },
      scheduledActions: {
        nightly: {
          cron: '@yearly',
          queue: names.queue,
          workflowType: actionType,
          maxAttempts: 2,
          action: async () => {
            ran.push('v2 digest');
          },
        },
      },
    }),
  ],
});

before(async () => {
  ctx = await testContext('rename');
  renamed = new RenamedClient({ adapter: new PrismaPg({ connectionString: ctx.db.url }) });
});
after(async () => {
  await renamed?.$disconnect();
  await ctx?.close();
});

/** Waits until the run has a durable timer in its history (a snooze or a backoff). */
async function timerStarted(handle: { fetchHistory(): Promise<{ events?: { timerStartedEventAttributes?: unknown }[] | null }> }): Promise<void> {
  await eventually('a timer in the run history', async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes));
}

async function withV2<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await startEngine(ctx.env, v2, renamed, { registerSchedules: false });
  try {
    return await fn(engine);
  } finally {
    await engine.stop();
  }
}

test('a snoozed record run completes on code whose trigger key and model were renamed', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'rename: snoozed' } });
  const old = await startEngine(ctx.env, v1, ctx.prisma, { registerSchedules: false });
  const handle = await old.triggers.runTrigger(t, 'Ticket.process');
  await timerStarted(handle);
  await old.stop();
  const result = await withV2(async () => (await handle.result()) as RecordRunResult);
  assert.deepEqual([result.outcome, result.attempts, result.snoozes], ['success', 1, 1]);
  assert.deepEqual(ran.filter((r) => r.includes('snoozed')), ['v1 rename: snoozed', 'v2 rename: snoozed']);
  assert.equal((await renamed.supportTicket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
});

test('a scheduler part-way through its continue-as-new chain finishes the tick on the renamed code', async () => {
  await ctx.prisma.ticket.createMany({ data: Array.from({ length: 6 }, (_, i) => ({ subject: `rename: chain ${i}` })) });
  // The old worker reads the first page only: its later scheduler runs fail their record query
  // (retried), so the chain is certainly mid-way when that worker stops.
  const secondRun = gate();
  class FirstPageOnly implements ActivityInboundCallsInterceptor {
    async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
      if (activityInfo().activityType === 'pttFindRecords' && (input.args[0] as { alreadyRead: number }).alreadyRead > 0) {
        secondRun.open();
        throw new Error('this worker stops after the first page');
      }
      return next(input);
    }
  }
  const old = await startEngine(ctx.env, v1, ctx.prisma, { registerSchedules: false, workerOptions: { interceptors: { activity: [() => ({ inbound: new FirstPageOnly() })] } } });
  const handle = await old.triggers.schedule('Ticket.process', { childrenPerRun: 2 });
  await secondRun.promise;
  await old.stop();
  const stats = await withV2(async () => {
    const s = (await handle.result()) as SchedulerResult;
    // every run the tick started completes, whichever worker started it
    await eventually('every chain record to be processed', async () => (await renamed.supportTicket.count({ where: { subject: { startsWith: 'rename: chain' }, status: 'open' } })) === 0);
    return s;
  });
  assert.deepEqual([stats.read, stats.started, stats.skipped], [6, 6, 0]);
  assert.ok(stats.runs >= 3, `continued as new: ${stats.runs} runs`);
  const rows = await renamed.supportTicket.findMany({ where: { subject: { startsWith: 'rename: chain' } } });
  assert.deepEqual(
    rows.map((r) => r.attempts),
    [1, 1, 1, 1, 1, 1],
    'each record processed once',
  );
  assert.ok(ran.some((r) => r.startsWith('v2 rename: chain')), 'the new code processed the later pages');
});

test('a scheduled action waiting out its backoff retries on code whose action key and model were renamed', async () => {
  const old = await startEngine(ctx.env, v1, ctx.prisma, { registerSchedules: false });
  const handle = await old.triggers.schedule('Ticket.digest');
  await timerStarted(handle);
  await old.stop();
  const result = await withV2(async () => (await handle.result()) as ScheduledActionResult);
  assert.deepEqual([result.outcome, result.attempts], ['success', 2]);
  assert.deepEqual(ran.filter((r) => r.includes('digest')), ['v1 digest', 'v2 digest']);
});
