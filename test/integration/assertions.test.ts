/**
 * The test assertions of the `./testing` entry (AshOban.Test): assertWouldSchedule /
 * refuteWouldSchedule read with the trigger's `where` and start nothing; assertTriggered /
 * refuteTriggered match a run by trigger and record (any arguments and actor unless given), with
 * status, queue, priority and tenant filters; scheduleAndRunTriggers drains by default and lists
 * each run it waited for. Each assertion is shown failing when it should.
 */
import assert, { AssertionError } from 'node:assert';
import { after, before, test } from 'node:test';
import { defineApp } from '../../src';
import { createTriggerAssertions, type TriggerAssertions } from '../../src/testing';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
let t: TriggerAssertions;
const tag = uniqueName('asr');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    process: {
      where: ({ tenant }) => ({ status: 'open', ...(tenant ? { subject: { startsWith: String(tenant) } } : {}) }),
      schedulerCron: false,
      workerPriority: 1,
      action: { update: { status: 'processed' } },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('assertions');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
  t = createTriggerAssertions({ client: ctx.env.client, app, prisma: ctx.prisma });
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

const failsWith = (pattern: RegExp) => (err: unknown) => err instanceof AssertionError && pattern.test(err.message);

test('assertWouldSchedule / refuteWouldSchedule read with where (and the tenant), starting nothing', async () => {
  const open = await ctx.prisma.ticket.create({ data: { subject: 'acme: open' } });
  const done = await ctx.prisma.ticket.create({ data: { subject: 'acme: done', status: 'processed' } });
  await t.assertWouldSchedule(open, 'Ticket.process');
  await t.assertWouldSchedule(open, 'Ticket.process', { tenant: 'acme' });
  await t.refuteWouldSchedule(done, 'Ticket.process');
  await t.refuteWouldSchedule(open, 'Ticket.process', { tenant: 'globex' });
  await assert.rejects(t.assertWouldSchedule(done, 'Ticket.process'), failsWith(new RegExp(`expected Ticket ${done.id} to be scheduled by Ticket.process, but it does not match its where \\{"status":"open"\\}`)));
  await assert.rejects(t.refuteWouldSchedule(open, 'Ticket.process'), failsWith(/not to be scheduled by Ticket\.process, but it matches its where/));
  assert.equal((await ctx.env.client.workflow.count(`TriggerOwner = '${tag}'`)).count, 0, 'no run was started');
});

test('scheduleAndRunTriggers drains by default; assertTriggered / refuteTriggered with status, queue and priority', async () => {
  await ctx.prisma.ticket.deleteMany({});
  const a = await ctx.prisma.ticket.create({ data: { subject: 'one' } });
  const never = await ctx.prisma.ticket.create({ data: { subject: 'never', status: 'errored' } });
  const r = await t.scheduleAndRunTriggers(app);
  assert.equal(r.byKind.record.success, 1);
  assert.deepEqual(r.runs.map((x) => [x.kind, x.name, x.recordId, x.outcome]), [['scheduler', 'Ticket.process', undefined, 'success'], ['record', 'Ticket.process', String(a.id), 'success']]);
  await t.assertTriggered(a, 'Ticket.process');
  await t.assertTriggered(a, 'Ticket.process', { status: 'completed', queue: `${tag}-process`, priority: 1 });
  await t.refuteTriggered(never, 'Ticket.process');
  await t.refuteTriggered(a, 'Ticket.process', { status: 'failed' });
  await assert.rejects(t.assertTriggered(never, 'Ticket.process'), failsWith(new RegExp(`expected a run of Ticket.process for Ticket ${never.id}, found none \\(searched runs of Ticket.process for record ${never.id}\\)`)));
  await assert.rejects(t.assertTriggered(a, 'Ticket.process', { status: 'running', priority: 5 }), failsWith(/found 1, but none matches: .* \(completed; status completed, not running, priority key 2, not 5 \(priority 5\)\)/));
  await assert.rejects(t.refuteTriggered(a, 'Ticket.process'), failsWith(/expected no run of Ticket\.process .* but found .* \(completed\)/));
});

test('a run for the record counts whatever its arguments or actor; actor, arguments and tenant narrow the match', async () => {
  const b = await ctx.prisma.ticket.create({ data: { subject: 'with arguments' } });
  const started = await engine.triggers.runTrigger(b, 'Ticket.process', { actionArguments: { note: 'by hand' } });
  await started.result();
  // found through visibility (the run's id carries a fingerprint of its arguments)
  await t.assertTriggered(b, 'Ticket.process', { status: 'completed', within: 60_000 });
  await assert.rejects(t.refuteTriggered(b, 'Ticket.process'), failsWith(new RegExp(`expected no run of Ticket.process for Ticket ${b.id}, but found ${started.workflowId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(completed\\)`)));
  await t.assertTriggered(b, 'Ticket.process', { actionArguments: { note: 'by hand' } });
  await assert.rejects(t.assertTriggered(b, 'Ticket.process', { actionArguments: { note: 'other' }, within: 0 }), failsWith(/found none \(searched the run those options start \(workflow id /));
  await t.refuteTriggered(b, 'Ticket.process', { actionArguments: { note: 'other' } });
  await t.assertTriggered(b, 'Ticket.process', { tenant: null });
  await assert.rejects(t.assertTriggered(b, 'Ticket.process', { tenant: 'acme', within: 0 }), failsWith(/found none \(searched runs of Ticket.process for record \d+ of tenant acme\)/));
  await t.refuteTriggered(b, 'Ticket.process', { tenant: 'acme' });
});
