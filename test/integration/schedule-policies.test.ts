/**
 * Schedule policies after downtime. With the worker away while ticks come due, the default
 * (`overlap: 'skip'`, AshOban's one-at-a-time) leaves exactly one tick to run when the worker
 * returns, never a backlog; `overlap: 'allowAll'` starts every tick. The options reach the
 * Schedule (overlap, catchupWindow, jitter) and change its config hash.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { bootTriggers, defineApp } from '../../src';
import { desiredSchedules } from '../../src/worker/sync-schedules';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine | undefined;
const tag = uniqueName('pol');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    skipper: { where: { subject: tag }, schedulerCron: '@every 1s', action: { update: { status: 'processed' } } },
    piler: { where: { subject: tag }, schedulerCron: '@every 1s', overlap: 'allowAll', catchupWindow: '10 minutes', jitter: '1s', action: { update: { status: 'processed' } } },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });
const scheduleOf = (name: string) => ctx.env.client.schedule.getHandle(desiredSchedules(app).find((d) => d.name === `Ticket.${name}`)!.scheduleId);

before(async () => {
  ctx = await testContext('policies');
});
after(async () => {
  for (const name of ['skipper', 'piler']) await scheduleOf(name).delete().catch(() => {});
  await engine?.stop();
  await ctx?.close();
});

test('the options reach the Schedule', async () => {
  const [skip, pile] = desiredSchedules(app);
  assert.equal(skip?.options.policies?.overlap, ScheduleOverlapPolicy.SKIP);
  assert.equal(skip?.options.policies?.catchupWindow, '1 minute');
  assert.equal(pile?.options.policies?.overlap, ScheduleOverlapPolicy.ALLOW_ALL);
  assert.equal(pile?.options.policies?.catchupWindow, '10 minutes');
  assert.equal(pile?.options.spec.jitter, '1s');
  assert.notEqual(skip?.hash, pile?.hash);
});

test('worker away past several ticks: skip leaves one tick to run when it returns, allowAll starts them all', async () => {
  // Schedules registered, no worker: ticks come due while nothing can run them
  await bootTriggers({ client: ctx.env.client, app, prisma: ctx.prisma, warn: () => {} });
  const away = await eventually('three ticks to come due while the worker is away', async () => {
    const [s, p] = await Promise.all([scheduleOf('skipper').describe(), scheduleOf('piler').describe()]);
    return s.info.numActionsSkippedOverlap >= 3 && p.info.numActionsTaken >= 3 ? { s, p } : undefined;
  });
  await Promise.all([scheduleOf('skipper').pause('test: stop ticking'), scheduleOf('piler').pause('test: stop ticking')]);
  const [s, p] = await Promise.all([scheduleOf('skipper').describe(), scheduleOf('piler').describe()]);
  assert.equal(s.info.numActionsTaken, 1, 'skip: one tick started, the others skipped while it waited');
  assert.ok(away.s.info.numActionsSkippedOverlap >= 3);
  assert.ok(p.info.numActionsTaken >= 3, 'allowAll: every tick started');
  // the worker returns: the one waiting tick runs, and no skipped tick is replayed
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
  const closed = await eventually('every started tick to finish', async () => {
    const open = (await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerKind = 'scheduler' AND ExecutionStatus = 'Running'`)).count;
    const all = (await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerName = 'Ticket.skipper' AND TriggerKind = 'scheduler'`)).count;
    return open === 0 ? all : undefined;
  });
  assert.equal(closed, 1, 'skip: exactly one scheduler run for the whole downtime');
  assert.equal((await scheduleOf('skipper').describe()).info.numActionsTaken, 1, 'nothing replayed after the worker returned');
  const piled = await eventually('visibility to list every allowAll tick', async () => {
    const n = (await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerName = 'Ticket.piler' AND TriggerKind = 'scheduler'`)).count;
    return n >= p.info.numActionsTaken ? n : undefined;
  });
  assert.equal(piled, p.info.numActionsTaken);
});
