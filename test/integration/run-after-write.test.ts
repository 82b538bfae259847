/**
 * Run after write (AshOban's run_oban_trigger): the extension starts a trigger's run for each
 * record a create / update / createManyAndReturn returns; `where` is checked by the run, not at
 * write time; createMany is refused naming createManyAndReturn; a write whose transaction rolls
 * back leaves a run that ends cancelled; a write made inside a run passes its actor on.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, createTriggerClient, defineApp, runAfterWrite, type RecordRunResult } from '../../src';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('raw');
const actors: unknown[] = [];

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    onWrite: {
      where: { status: 'open' },
      schedulerCron: false,
      extraArgs: (t: { subject: string }) => ({ subjectSeen: t.subject }),
      action: async (t: { id: number }, c) => {
        actors.push(c.actor);
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', lastError: String(c.extraArgs.subjectSeen) } });
      },
    },
    writer: {
      where: { subject: { startsWith: 'writer' } },
      schedulerCron: false,
      action: async (_t: { id: number }) => {
        // a write made inside a run: the run it starts acts for the same actor
        await writes().ticket.create({ data: { subject: 'written by a run' } });
      },
    },
  },
});
const app = defineApp({ name: tag, actorPersister: { store: (a) => a, lookup: (j) => j }, resources: [Ticket] });
let extended: ReturnType<typeof makeClient>;
const writes = () => extended;
function makeClient() {
  return ctx.prisma.$extends(runAfterWrite({ triggers: createTriggerClient({ client: ctx.env.client, app }), on: { Ticket: { onWrite: ['create', 'update', 'createManyAndReturn'] } }, actor: { id: 'api' } }));
}

before(async () => {
  ctx = await testContext('runafterwrite');
  extended = makeClient();
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

/** The run started for a record (found through visibility: its id holds a fingerprint of its extra args). */
const runOf = (id: number) =>
  eventually(`a run for record ${id}`, async () => {
    for await (const wf of ctx.env.client.workflow.list({ query: `TriggerOwner = '${tag}' AND TriggerName = 'Ticket.onWrite' AND TriggerRecordId = '${id}'` })) return ctx.env.client.workflow.getHandle(wf.workflowId);
    return undefined;
  });

test('create and createManyAndReturn start a run per written record; extraArgs see the full record', async () => {
  const t = await extended.ticket.create({ data: { subject: 'raw: created' } });
  const many = await extended.ticket.createManyAndReturn({ data: [{ subject: 'raw: many 1' }, { subject: 'raw: many 2' }] });
  for (const row of [t, ...many]) {
    await eventually(`the run of ${row.subject} to finish`, async () => (await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: row.id } })).status === 'processed');
    assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: row.id } })).lastError, row.subject, 'extraArgs computed from the written record');
  }
  assert.deepEqual(actors.slice(0, 3), [{ id: 'api' }, { id: 'api' }, { id: 'api' }], "the extension's actor");
});

test("where is not checked at write time: the run checks it (an update to 'errored' ends cancelled)", async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'raw: updated', status: 'errored' } });
  await extended.ticket.update({ where: { id: t.id }, data: { body: 'touched' } });
  assert.equal(((await (await runOf(t.id)).result()) as RecordRunResult).outcome, 'cancelled');
});

test('createMany is refused, naming createManyAndReturn', async () => {
  await assert.rejects(extended.ticket.createMany({ data: [{ subject: 'raw: bulk' }] }), (e: unknown) => e instanceof ConfigError && /prisma\.Ticket\.createMany returns no records.*use createManyAndReturn instead/.test(e.message));
  assert.equal(await ctx.prisma.ticket.count({ where: { subject: 'raw: bulk' } }), 0, 'nothing written');
});

test('a write whose transaction rolls back leaves a run that ends cancelled', async () => {
  let created = 0;
  await assert.rejects(
    extended.$transaction(async (tx) => {
      const t = await tx.ticket.create({ data: { subject: 'raw: rolled back' } });
      created = t.id;
      throw new Error('the request failed after the write');
    }),
    /the request failed/,
  );
  const result = (await (await runOf(created)).result()) as RecordRunResult;
  assert.equal(result.outcome, 'cancelled');
  assert.match(result.reason ?? '', /no longer/);
});

test('a write made inside a run starts runs that act for that run’s actor', async () => {
  const writer = await ctx.prisma.ticket.create({ data: { subject: 'writer: one' } });
  actors.length = 0;
  await (await engine.triggers.runTrigger(writer, 'Ticket.writer', { actor: { id: 'dana' } })).result();
  await eventually('the nested run to finish', async () => (await ctx.prisma.ticket.count({ where: { subject: 'written by a run', status: 'processed' } })) === 1);
  assert.deepEqual(actors, [{ id: 'dana' }]);
});
