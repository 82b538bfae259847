/**
 * What code inside a run can learn and pass on: `currentRun()` / `isTriggerRun()` (a Prisma
 * extension allows writes only from trigger runs), a nested `runTrigger` inheriting actor, tenant
 * and shared context; tags searchable on runs; a `timeout` function per attempt; the `queue`
 * option of scheduleAndRunTriggers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { currentRun, defineApp, isTriggerRun, type CurrentRun, type RecordRunResult } from '../../src';
import { eventually, gate } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('ctx');
const runs: Record<string, CurrentRun | undefined> = {};
const never = gate();
/** The test database's client with an extension that refuses ticket writes outside trigger runs. */
let guarded: { ticket: { update(args: { where: { id: number }; data: Record<string, unknown> }): Promise<unknown> } };

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  sharedContext: ['run'],
  triggers: {
    parent: {
      where: { subject: { startsWith: 'ctx parent' } },
      schedulerCron: false,
      tags: ['billing'],
      action: async (t: { id: number; subject: string }, c) => {
        runs.parent = currentRun();
        // a write through the extended client's transaction: allowed, this is a trigger run
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
        const child = await c.tx.ticket.findFirstOrThrow({ where: { subject: `ctx child of ${t.id}` } });
        await (await engine.triggers.runTrigger(child, 'Ticket.child')).result();
      },
    },
    child: {
      where: { subject: { startsWith: 'ctx child' } },
      schedulerCron: false,
      action: async (t: { id: number }, c) => {
        runs.child = currentRun();
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    limited: {
      where: { subject: { startsWith: 'ctx limited' } },
      schedulerCron: false,
      queue: `${tag}-other`,
      maxAttempts: 2,
      backoff: 0,
      // a function of the run: the first attempt has 1 s, the next no limit
      timeout: ({ attempt }) => (attempt === 1 ? 1000 : 'infinity'),
      action: async (t: { id: number }, c) => {
        if (c.attempt === 1) await never.promise;
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
  },
});
const app = defineApp({ name: tag, actorPersister: { store: (a) => a, lookup: (j) => j }, resources: [Ticket] });

before(async () => {
  ctx = await testContext('runcontext');
  // Writes to tickets only from trigger runs: an extension on the client the worker uses.
  const extended = ctx.prisma.$extends({
    query: {
      ticket: {
        async update({ args, query }) {
          if (!isTriggerRun()) throw new Error('tickets are written by trigger runs only');
          return query(args);
        },
      },
    },
  });
  guarded = extended;
  engine = await startEngine(ctx.env, app, extended);
});
after(async () => {
  never.open();
  await engine?.stop();
  await ctx?.close();
});

test('isTriggerRun() lets the extension allow writes inside runs and refuse them outside', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'ctx outside' } });
  await assert.rejects(guarded.ticket.update({ where: { id: t.id }, data: { status: 'processed' } }), /tickets are written by trigger runs only/);
});

test('currentRun() inside an action; a nested runTrigger inherits actor, tenant and shared context', async () => {
  const parent = await ctx.prisma.ticket.create({ data: { subject: 'ctx parent' } });
  await ctx.prisma.ticket.create({ data: { subject: `ctx child of ${parent.id}` } });
  const handle = await engine.triggers.runTrigger(parent, 'Ticket.parent', { tenant: 'acme', scope: { actor: { id: 'alice' }, context: { requestId: 'req-1' } } });
  assert.equal(((await handle.result()) as RecordRunResult).outcome, 'success');
  assert.equal(runs.parent?.trigger, 'Ticket.parent');
  assert.equal(runs.parent?.workflowId, handle.workflowId);
  assert.equal(runs.parent?.attempt, 1);
  assert.deepEqual([runs.parent?.actor, runs.parent?.tenant], [{ id: 'alice' }, 'acme']);
  assert.deepEqual(runs.parent?.shared, { requestId: 'req-1', run: { trigger: 'Ticket.parent', workflowId: handle.workflowId, attempt: 1 } });
  assert.deepEqual([runs.child?.actor, runs.child?.tenant], [{ id: 'alice' }, 'acme'], 'the nested run acts for the same actor and tenant');
  assert.equal(runs.child?.shared.requestId, 'req-1', 'and carries the shared context on');
  assert.equal((runs.child?.shared.run as { trigger: string }).trigger, 'Ticket.child', 'its own facts shared in turn (sharedContext: run)');
});

test("tags: the trigger's and the call's, searchable on the run", async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'ctx parent tagged' } });
  await ctx.prisma.ticket.create({ data: { subject: `ctx child of ${t.id}` } });
  const handle = await engine.triggers.runTrigger(t, 'Ticket.parent', { tags: ['manual'] });
  await handle.result();
  const desc = await handle.describe();
  assert.deepEqual(desc.searchAttributes.TriggerTags, ['billing', 'manual']);
  const found = await eventually('visibility to find the run by tag', async () => (await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerTags = 'manual'`)).count);
  assert.equal(found, 1);
});

test('a timeout function sets each attempt its own limit', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'ctx limited' } });
  const result = (await (await engine.triggers.runTrigger(t, 'Ticket.limited')).result()) as RecordRunResult;
  assert.deepEqual([result.outcome, result.attempts], ['success', 2], 'the first attempt timed out after 1 s, the second had no limit');
});

test('scheduleAndRunTriggers({ queue }) runs only the triggers on that queue', async () => {
  const r = await engine.triggers.scheduleAndRunTriggers(app, { queue: `${tag}-other`, drain: true });
  assert.equal(r.byKind.scheduler.success, 1, 'the one trigger on that queue');
});
