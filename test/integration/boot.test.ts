/**
 * Worker boot: Schedules created / updated / paused / removed to match the definitions, tagged so
 * only this app's are touched, idempotent; queue checks (require); checks against the PrismaClient.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { bootTriggers, createTriggerWorker, defineApp, defineResource, TriggerError, type App } from '../../src';
import * as searchAttributes from '../../workflows/search-attributes';
import { eventually } from '../helpers/eventually';
import { testContext, uniqueName, uniqueResource } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
before(async () => {
  ctx = await testContext('boot');
});
after(async () => {
  await ctx?.close();
});

function appV(tag: string, version: { cron?: string; state?: 'active' | 'paused' | 'deleted'; withReport?: boolean }): App {
  return defineApp({
    name: tag,
    resources: [
      uniqueResource(tag, {
        model: 'Ticket',
        triggers: {
          process: { where: { status: 'open' }, action: { update: { status: 'processed' } }, schedulerCron: version.cron ?? '*/5 * * * *', state: version.state ?? 'active' },
          onDemand: { where: { status: 'open' }, action: { update: { status: 'processed' } }, schedulerCron: false },
        },
        scheduledActions: version.withReport === false ? {} : { report: { cron: '0 3 * * *', action: async () => {} } },
      }),
    ],
  });
}

async function boot(app: App) {
  return (await bootTriggers({ client: ctx.env.client, app, prisma: ctx.prisma, warn: () => {} })).schedules!;
}

const sid = (tag: string, name: string) => `ptt:${tag}.Ticket.${name}`;

test('boot creates a Schedule per trigger with a scheduler and per scheduled action, tagged with the owner', async () => {
  const tag = uniqueName('boot');
  const report = await boot(appV(tag, {}));
  assert.deepEqual(report.created.sort(), [sid(tag, 'process.scheduler'), sid(tag, 'report')].sort());
  const desc = await ctx.env.client.schedule.getHandle(sid(tag, 'process.scheduler')).describe();
  assert.ok((desc.spec.calendars ?? []).length > 0);
  assert.equal(desc.action.type, 'startWorkflow');
  assert.equal(desc.action.type === 'startWorkflow' && desc.action.workflowType, `${tag}.Ticket.process.scheduler`);
  assert.equal(desc.action.type === 'startWorkflow' && desc.action.taskQueue, `${tag}-process`);
  assert.equal(desc.typedSearchAttributes.get(searchAttributes.TriggerOwner), tag);
  assert.equal(desc.state.paused, false);
  await assert.rejects(ctx.env.client.schedule.getHandle(sid(tag, 'onDemand.scheduler')).describe(), ScheduleNotFoundError);

  const again = await boot(appV(tag, {}));
  assert.deepEqual(again.created, []);
  assert.deepEqual(again.updated, []);
  assert.deepEqual(again.deleted, []);
  assert.equal(again.unchanged.length, 2, 'booting twice changes nothing');

  const changed = await boot(appV(tag, { cron: '*/10 * * * *' }));
  assert.deepEqual(changed.updated, [sid(tag, 'process.scheduler')]);

  const paused = await boot(appV(tag, { cron: '*/10 * * * *', state: 'paused' }));
  assert.deepEqual(paused.updated, [sid(tag, 'process.scheduler')]);
  assert.equal((await ctx.env.client.schedule.getHandle(sid(tag, 'process.scheduler')).describe()).state.paused, true);

  const resumed = await boot(appV(tag, { cron: '*/10 * * * *' }));
  assert.deepEqual(resumed.updated, [sid(tag, 'process.scheduler')]);
  assert.equal((await ctx.env.client.schedule.getHandle(sid(tag, 'process.scheduler')).describe()).state.paused, false);

  const deleted = await boot(appV(tag, { state: 'deleted' }));
  assert.ok(deleted.deleted.includes(sid(tag, 'process.scheduler')));
  await assert.rejects(ctx.env.client.schedule.getHandle(sid(tag, 'process.scheduler')).describe(), ScheduleNotFoundError);

  // a definition that is gone: its schedule is removed (the listing is eventually consistent)
  await eventually('boot to remove the schedule whose definition is gone', async () => (await boot(appV(tag, { state: 'deleted', withReport: false }))).deleted.includes(sid(tag, 'report')));
  await assert.rejects(ctx.env.client.schedule.getHandle(sid(tag, 'report')).describe(), ScheduleNotFoundError);
});

test('an operator pause (any note) survives boots until the definition itself changes state; boot reports it', async () => {
  const tag = uniqueName('oppause');
  const id = sid(tag, 'process.scheduler');
  await boot(appV(tag, {}));
  await ctx.env.client.schedule.getHandle(id).pause('investigating INC-42');
  const warnings: string[] = [];
  const report = (await bootTriggers({ client: ctx.env.client, app: appV(tag, {}), prisma: ctx.prisma, warn: (w) => warnings.push(w) })).schedules!;
  const desc = await ctx.env.client.schedule.getHandle(id).describe();
  assert.deepEqual([desc.state.paused, desc.state.note], [true, 'investigating INC-42'], 'still paused, with the operator note');
  assert.deepEqual(report.operatorOverrides.map((o) => [o.scheduleId, o.definition, o.actual, o.note]), [[id, 'active', 'paused', 'investigating INC-42']]);
  assert.ok(warnings.some((w) => /^Ticket\.process: paused by an operator, seen since \S+ \(note: "investigating INC-42"\); the definition says active/.test(w)), warnings.join('\n'));
  // a changed cron updates the Schedule and still keeps the pause
  await boot(appV(tag, { cron: '*/7 * * * *' }));
  assert.equal((await ctx.env.client.schedule.getHandle(id).describe()).state.paused, true);
  // the definition's own state changes: paused, then active again, each applied
  const paused = await boot(appV(tag, { cron: '*/7 * * * *', state: 'paused' }));
  assert.deepEqual(paused.operatorOverrides, []);
  const resumed = await boot(appV(tag, { cron: '*/7 * * * *' }));
  assert.deepEqual(resumed.operatorOverrides, []);
  assert.equal((await ctx.env.client.schedule.getHandle(id).describe()).state.paused, false);
});

test('an operator resume of a paused definition survives boots too, and is reported', async () => {
  const tag = uniqueName('opresume');
  const id = sid(tag, 'process.scheduler');
  await boot(appV(tag, { state: 'paused' }));
  await ctx.env.client.schedule.getHandle(id).unpause('backfill done, run it');
  const report = await boot(appV(tag, { state: 'paused' }));
  assert.equal((await ctx.env.client.schedule.getHandle(id).describe()).state.paused, false, 'still running');
  assert.deepEqual(report.operatorOverrides.map((o) => [o.definition, o.actual]), [['paused', 'active']]);
  // the definition moves to active: nothing to override any more
  const active = await boot(appV(tag, {}));
  assert.deepEqual(active.operatorOverrides, []);
  // and back to paused: the definition wins
  await boot(appV(tag, { state: 'paused' }));
  assert.equal((await ctx.env.client.schedule.getHandle(id).describe()).state.paused, true);
});

test("another app's schedules are never touched", async () => {
  const a = uniqueName('boota');
  const b = uniqueName('bootb');
  await boot(appV(a, {}));
  // b's boot must see a's schedules in the (eventually consistent) listing for the test to mean anything
  await eventually("visibility to list a's schedules", async () => {
    for await (const s of ctx.env.client.schedule.list({ query: `TriggerOwner = '${a}'` })) if (s.scheduleId === sid(a, 'process.scheduler')) return true;
    return false;
  });
  await boot(appV(b, {}));
  const desc = await ctx.env.client.schedule.getHandle(sid(a, 'process.scheduler')).describe();
  assert.equal(desc.typedSearchAttributes.get(searchAttributes.TriggerOwner), a);
});

test('require: a definition whose queue this worker does not serve is an error (unless require: false)', async () => {
  const tag = uniqueName('req');
  const app = appV(tag, {});
  await assert.rejects(
    createTriggerWorker({ connection: ctx.env.nativeConnection, client: ctx.env.client, app, prisma: ctx.prisma, taskQueues: [`${tag}-process`], registerSchedules: false, warn: () => {} }),
    (err: unknown) => err instanceof TriggerError && err.code === 'QUEUE_NOT_SERVED' && err.message.includes(`${tag}-onDemand`) && /require: false/.test(err.message),
  );
  const w = await createTriggerWorker({
    connection: ctx.env.nativeConnection,
    client: ctx.env.client,
    app,
    prisma: ctx.prisma,
    taskQueues: [`${tag}-process`],
    require: false,
    registerSchedules: false,
    warn: () => {},
  });
  assert.deepEqual(w.taskQueues, [`${tag}-process`]);
  await w.runUntil(async () => {});
});

test('boot checks the definitions against the PrismaClient: unknown model, where field, sort field', async () => {
  const mk = (def: Parameters<typeof defineResource>[0]) => defineApp({ name: uniqueName('chk'), resources: [defineResource(def)] });
  const bootErr = async (app: App, pattern: RegExp) =>
    assert.rejects(
      bootTriggers({ client: ctx.env.client, app, prisma: ctx.prisma, registerSchedules: false, warn: () => {} }),
      (err: unknown) => err instanceof TriggerError && pattern.test(err.message),
    );
  await bootErr(mk({ model: 'Tiket', triggers: { t: { action: { delete: true } } } }), /no model "Tiket".*did you mean "Ticket"/);
  await bootErr(mk({ model: 'Ticket', triggers: { t: { where: { stauts: 'open' }, action: { delete: true } } } }), /Ticket\.t\.where\.stauts: unknown field "stauts" \(did you mean "status"\?\)/);
  await bootErr(mk({ model: 'Ticket', triggers: { t: { sort: { prio: 'asc' }, action: { delete: true } } } }), /Ticket\.t\.sort\.prio: unknown field \(did you mean "priority"\?\)/);
  await bootErr(mk({ model: 'Ticket', triggers: { t: { sort: { status: 'asc' }, action: { delete: true } } } }), /cannot page by a enum/);
  await bootErr(mk({ model: 'Ticket', table: 'Nope', triggers: { t: { action: { delete: true } } } }), /The table of Ticket \("Nope"\) does not exist in the database: run your migrations/);
});

test('boot warns for each trigger and scheduled action without explicit stable names', async () => {
  const app = defineApp({
    name: uniqueName('warn'),
    resources: [defineResource({ model: 'Ticket', triggers: { a: { action: { delete: true }, schedulerCron: false, queue: uniqueName('q') } } })],
  });
  const warnings: string[] = [];
  await bootTriggers({ client: ctx.env.client, app, prisma: ctx.prisma, registerSchedules: false, warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /Ticket\.a: no explicit workflowType \(default "Ticket\.a"\) and schedulerWorkflowType \(default "Ticket\.a\.scheduler"\)/);
  assert.match(warnings[0]!, /set-default-names/);
});
