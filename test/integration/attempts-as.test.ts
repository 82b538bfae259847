/**
 * `attemptsAs`: by default a per-record attempt (and `onError`) runs as a local activity, recorded
 * as a marker (no activity task, no second workflow task); `attemptsAs: 'activity'` keeps normal
 * activities. Both run the same action with the same outcomes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineApp, DefinitionError } from '../../src';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

const tag = uniqueName('attempts');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    local: { where: { subject: { startsWith: `${tag}-local` }, status: 'open' }, schedulerCron: false, action: { update: { status: 'processed' } } },
    remote: { where: { subject: { startsWith: `${tag}-remote` }, status: 'open' }, schedulerCron: false, attemptsAs: 'activity', action: { update: { status: 'processed' } } },
    failing: {
      where: { subject: { startsWith: `${tag}-failing` }, status: 'open' },
      schedulerCron: false,
      maxAttempts: 2,
      backoff: 0,
      action: () => {
        throw new Error('nope');
      },
      onError: { update: { status: 'errored' } },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });
let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;

before(async () => {
  ctx = await testContext('attempts-as');
  engine = await startEngine(ctx.env, app, ctx.prisma);
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

async function eventTypes(workflowId: string): Promise<string[]> {
  const history = await ctx.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => {
    if (e.activityTaskScheduledEventAttributes) return `activity:${e.activityTaskScheduledEventAttributes.activityType?.name}`;
    if (e.markerRecordedEventAttributes) return `marker:${e.markerRecordedEventAttributes.markerName}`;
    return String(e.eventType);
  });
}

test('by default an attempt is a local activity: one marker, no activity task', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: `${tag}-local` } });
  const handle = await engine.triggers.runTrigger(t, 'Ticket.local');
  await handle.result();
  const types = await eventTypes(handle.workflowId);
  assert.ok(!types.some((x) => x.startsWith('activity:')), types.join(', '));
  assert.ok(types.includes('marker:core_local_activity'), types.join(', '));
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
});

test("attemptsAs: 'activity' runs the attempt as a normal activity", async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: `${tag}-remote` } });
  const handle = await engine.triggers.runTrigger(t, 'Ticket.remote');
  await handle.result();
  const types = await eventTypes(handle.workflowId);
  assert.ok(types.includes('activity:pttRunAction'), types.join(', '));
  assert.ok(!types.includes('marker:core_local_activity'), types.join(', '));
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
});

test('local attempts keep the outcomes: two failed attempts, then onError, in local activities', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: `${tag}-failing` } });
  const handle = await engine.triggers.runTrigger(t, 'Ticket.failing');
  const result = (await handle.result()) as { outcome: string; attempts: number };
  assert.deepEqual([result.outcome, result.attempts], ['success', 2]);
  const types = await eventTypes(handle.workflowId);
  assert.equal(types.filter((x) => x === 'marker:core_local_activity').length, 3, `attempt 1, attempt 2, onError: ${types.join(', ')}`);
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'errored');
});

test('a wrong attemptsAs names the option and the values', () => {
  assert.throws(
    () => uniqueResource(`${tag}x`, { model: 'Ticket', triggers: { bad: { action: { delete: true }, attemptsAs: 'remote' as 'local' } } }),
    (e: unknown) => e instanceof DefinitionError && /attemptsAs/.test(e.message) && /local/.test(e.message) && /activity/.test(e.message),
  );
});
