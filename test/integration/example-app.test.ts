/**
 * The example app (`npm start`) does what its comments and the README say: Ticket.process acts for
 * its default actor, tickets created by the intake action start their runs at once through
 * runAfterWrite and act for the intake's actor, and Subscription.expire runs per tenant in chunks.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { createTriggerClient, runAfterWrite } from '../../src';
import { app, seed } from '../../example/app';
import { startLiveView, type LiveView } from '../../example/live-view';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
let view: LiveView;
const viewLines: string[] = [];

before(async () => {
  // a namespace of its own: the example app's names are fixed (ticket_process, Ticket.process), and
  // the project init.test.ts writes uses the same ones
  ctx = await testContext('example', { namespace: 'example-app' });
  await seed(ctx.prisma);
  const prisma = ctx.prisma.$extends(runAfterWrite({ triggers: createTriggerClient({ client: ctx.env.client, app }), on: { Ticket: { process: ['create', 'createManyAndReturn'] } } }));
  engine = await startEngine(ctx.env, app, prisma, { registerSchedules: false });
  const out = new PassThrough();
  out.on('data', (b: Buffer) => viewLines.push(...b.toString().split('\n').filter(Boolean)));
  view = startLiveView(ctx.env.client, app, out as unknown as NodeJS.WriteStream);
});
after(async () => {
  view?.stop();
  await engine?.stop();
  await ctx?.close();
});

test('Subscription.expire: one query per organisation, two chunks per tenant, every expired subscription deactivated', async () => {
  const expired = await ctx.prisma.subscription.count({ where: { active: true, expiresAt: { lt: new Date() } } });
  assert.equal(expired, 160, 'the seed expires 80 subscriptions per organisation');
  const r = await engine.triggers.scheduleAndRunTriggers('Subscription.expire', { drain: true });
  assert.deepEqual([r.byKind.scheduler.success, r.byKind.record.success, r.failure], [1, 160, 0]);
  assert.equal(await ctx.prisma.subscription.count({ where: { active: false, expiredAt: { not: null } } }), 160);
  for (const tenant of ['acme', 'globex']) {
    const chunks = await eventually(`visibility to list ${tenant}'s chunk runs`, async () => {
      const n = (await ctx.env.client.workflow.count(`TriggerOwner = 'example-helpdesk' AND TriggerName = 'Subscription.expire' AND TriggerKind = 'chunk' AND TriggerTenant = '${tenant}'`)).count;
      return n === 2 ? n : undefined;
    });
    assert.equal(chunks, 2, `${tenant}: chunks of 50 and 30`);
  }
});

test('Ticket.process acts for its default actor when its scheduler starts the run', async () => {
  const r = await engine.triggers.scheduleAndRunTriggers('Ticket.process', { drain: true });
  assert.equal(r.byKind.record.success, 3, 'welcome, flaky (after a retry) and broken (handed to onError)');
  const welcome = await ctx.prisma.ticket.findFirstOrThrow({ where: { subject: 'Welcome ticket' } });
  assert.deepEqual([welcome.status, welcome.body], ['processed', 'processed by Triage bot']);
  assert.equal((await ctx.prisma.ticket.findFirstOrThrow({ where: { subject: 'broken monitor' } })).status, 'errored');
});

test('tickets created by the intake action start their runs at once (run after write), acting for the intake bot', async () => {
  const r = await engine.triggers.scheduleAndRunTriggers('Ticket.intake', { drain: true });
  assert.equal(r.byKind.scheduledAction.success, 1);
  const printer = await eventually('the new printer ticket processed by its run-after-write run', async () => {
    const t = await ctx.prisma.ticket.findFirst({ where: { subject: { startsWith: 'Printer on fire' } } });
    return t?.status === 'processed' ? t : undefined;
  });
  assert.equal(printer.body, 'processed by Intake bot', 'the run inherited the intake run\'s actor, not the trigger\'s default');
});

test('npm start\'s live view counts the runs per trigger by outcome (a plain line when not a terminal)', async () => {
  const line = await eventually('the live view to show the expire chunks and the processed tickets', async () =>
    viewLines.find((l) => /Subscription\.expire +started +4 +in flight +0 +finished: success 4/.test(l) && /Ticket\.process +started +\d+ +in flight +0 +finished: success/.test(l)),
  );
  assert.match(line, /^\[live\] /);
});
