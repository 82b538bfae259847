/**
 * Stable names: a run whose workflow type no definition declares any more is never lost. It waits
 * (its workflow task fails with an error naming the type), is listed as dangling, and resumes when
 * the definition comes back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTriggerClient, defineApp, type RecordRunResult } from '../../src';
import { listDanglingRuns } from '../../src/client/dangling';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
before(async () => {
  ctx = await testContext('dangling');
});
after(async () => {
  await ctx?.close();
});

test('a run of a type with no definition waits, is listed, and resumes when the definition is restored', async () => {
  const tag = uniqueName('dg');
  const queue = `${tag}-shared`;
  const current = { where: { status: 'open' as const }, schedulerCron: false as const, queue, action: { update: { status: 'processed' } } };
  const withRenamed = defineApp({
    name: tag,
    resources: [uniqueResource(tag, { model: 'Ticket', triggers: { current, renamed: { ...current, workflowType: `${tag}.Ticket.renamed` } } })],
  });
  const withoutRenamed = defineApp({ name: tag, resources: [uniqueResource(tag, { model: 'Ticket', triggers: { current } })] });

  const t = await ctx.prisma.ticket.create({ data: { subject: 'dangling' } });
  // A run started while the definition existed (e.g. by an older deploy) ...
  const built = await createTriggerClient({ client: ctx.env.client, app: withRenamed }).buildTrigger(t, 'Ticket.renamed');
  // ... picked up by a worker whose definitions no longer declare its type.
  const old = await startEngine(ctx.env, withoutRenamed, ctx.prisma, { registerSchedules: false });
  const handle = await ctx.env.client.workflow.start(built.workflowType, built.options);
  const failure = await eventually('the workflow task to fail', async () => {
    const history = await handle.fetchHistory();
    return (history.events ?? []).find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure?.message ?? '';
  });
  assert.match(failure, new RegExp(`No trigger or scheduled action declares workflow type "${tag}\\.Ticket\\.renamed"`));
  assert.equal((await handle.describe()).status.name, 'RUNNING', 'the run is kept, not failed');
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'open');

  const dangling = await eventually('visibility to list the dangling run', async () => {
    const found = await listDanglingRuns(ctx.env.client, withoutRenamed);
    return found.length ? found : undefined;
  });
  assert.deepEqual(dangling.map((d) => [d.workflowId, d.workflowType]), [[handle.workflowId, `${tag}.Ticket.renamed`]]);
  assert.deepEqual(await listDanglingRuns(ctx.env.client, withRenamed), []);
  await old.stop();

  // The definition is restored: the same run resumes and completes.
  const restored = await startEngine(ctx.env, withRenamed, ctx.prisma, { registerSchedules: false });
  try {
    const started = Date.now();
    const result = (await handle.result()) as RecordRunResult;
    assert.equal(result.outcome, 'success');
    assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
    process.stdout.write(`# resumed ${Date.now() - started} ms after the definition came back\n`);
  } finally {
    await restored.stop();
  }
});

test('a stable name whose role changed (a trigger type reused by a scheduled action) holds the run, naming both roles, until the role is restored', async () => {
  const tag = uniqueName('role');
  const queue = `${tag}-shared`;
  const type = `${tag}.reused`;
  const asTrigger = defineApp({ name: tag, resources: [uniqueResource(tag, { model: 'Ticket', triggers: { first: { where: { status: 'open' }, schedulerCron: false, queue, workflowType: type, action: { update: { status: 'processed' } } } } })] });
  const asAction = defineApp({ name: tag, resources: [uniqueResource(tag, { model: 'Ticket', scheduledActions: { later: { cron: '@yearly', queue, workflowType: type, action: async () => {} } } })] });
  const t = await ctx.prisma.ticket.create({ data: { subject: 'role' } });
  const built = await createTriggerClient({ client: ctx.env.client, app: asTrigger }).buildTrigger(t, 'Ticket.first');
  const handle = await ctx.env.client.workflow.start(built.workflowType, built.options);
  const wrong = await startEngine(ctx.env, asAction, ctx.prisma, { registerSchedules: false });
  try {
    const failure = await eventually('the workflow task to fail', async () => {
      const history = await handle.fetchHistory();
      return (history.events ?? []).find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure?.message ?? '';
    });
    assert.match(failure, new RegExp(`Workflow type "${tag}\\.reused" is declared as a scheduled-action type, but this run was started as a record`));
    assert.equal((await handle.describe()).status.name, 'RUNNING', 'the run is kept; nothing ran on the wrong function');
  } finally {
    await wrong.stop();
  }
  const right = await startEngine(ctx.env, asTrigger, ctx.prisma, { registerSchedules: false });
  try {
    assert.equal(((await handle.result()) as RecordRunResult).outcome, 'success');
  } finally {
    await right.stop();
  }
});
