/**
 * AshOban's own test cases, ported (drain counts that include the scheduler run, a manual run with
 * arguments drained by scheduleAndRunTriggers, extra args on the run), plus the semantics where
 * this port follows Oban's uniqueness states (a cancelled run never blocks a triggerOnce record)
 * and fixes AshOban's rough edges (a timed-out attempt waits the trigger's own backoff).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTriggerClient, defineApp, type RecordRunResult, type SchedulerResult } from '../../src';
import { scheduledActionInput } from '../../src/definitions/wire-plan';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';
import { eventually, gate as openable } from '../helpers/eventually';
import { childrenOf } from '../helpers/runs';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('par');
const seen: { subject: string; args: Record<string, unknown>; extraArgs: Record<string, unknown>; attempt: number }[] = [];
let gate: Promise<void> = Promise.resolve();
/** What a first attempt that must time out waits on: opened when the file ends. */
const never = openable();
const snoozesLeft = new Map<number, number>();

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    process: {
      where: { status: 'open', subject: { startsWith: 'p:' } },
      schedulerCron: false,
      extraArgs: { extra_arg: 1 },
      action: async (t: { id: number; subject: string }, c) => {
        seen.push({ subject: t.subject, args: c.args, extraArgs: c.extraArgs, attempt: c.attempt });
        if (t.subject.includes('gated')) await gate;
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    urgent: { where: { status: 'open', subject: { startsWith: 'urgent:' } }, schedulerCron: false, workerPriority: 0, schedulerPriority: 9, action: { update: { status: 'processed' } } },
    paused: { where: { subject: { startsWith: 'paused:' } }, schedulerCron: false, state: 'paused', action: { update: { status: 'processed' } } },
    once: {
      where: { subject: { startsWith: 'once:' }, priority: { gt: 0 } },
      schedulerCron: false,
      triggerOnce: true,
      action: async (t: { id: number }, c) => {
        await c.tx.ticket.update({ where: { id: t.id }, data: { attempts: { increment: 1 } } });
      },
    },
    lookup: {
      where: { subject: { startsWith: 'lookup:' } },
      schedulerCron: false,
      action: async (_t, c) => {
        // Prisma's P2025 from the action's own query: an error, not "no longer applies"
        await c.tx.organisation.findUniqueOrThrow({ where: { id: 'no-such-organisation' } });
      },
    },
    slowFirst: {
      where: { status: 'open', subject: { startsWith: 'slow:' } },
      schedulerCron: false,
      // The first attempt never returns, so it times out; the second has the whole 5 s to commit.
      timeout: 5000,
      maxAttempts: 2,
      backoff: 0,
      action: async (t: { id: number }, c) => {
        if (c.attempt === 1) await never.promise;
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    sleepy: {
      where: { subject: { startsWith: 'sleepy:' } },
      schedulerCron: false,
      action: async (t: { id: number }, c) => {
        const left = snoozesLeft.get(t.id) ?? 0;
        if (left > 0) {
          snoozesLeft.set(t.id, left - 1);
          c.snooze(1);
        }
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    failJob: {
      where: { status: 'open', subject: { startsWith: 'failjob:' } },
      schedulerCron: false,
      onErrorFailsJob: true,
      action: async () => {
        throw new Error('always');
      },
      onError: { update: { status: 'errored' } },
    },
    dontFailJob: {
      where: { status: 'open', subject: { startsWith: 'dontfail:' } },
      schedulerCron: false,
      action: async () => {
        throw new Error('always');
      },
      onError: { update: { status: 'errored' } },
    },
    forgotReturn: {
      where: { status: 'open', subject: { startsWith: 'forgot:' } },
      schedulerCron: false,
      // a JS-style mistake: the update function returns nothing
      action: { update: (() => undefined) as never },
    },
    brokenWhere: {
      // throws when the scheduler queries (boot skips a where function that throws)
      where: () => {
        throw new Error('where exploded');
      },
      schedulerCron: false,
      action: { update: { status: 'processed' } },
    },
  },
});

let slowDigestCalls = 0;
const sleepyDigestSeen: number[] = [];
const Digest = uniqueResource(tag, {
  model: 'DailyReport',
  scheduledActions: {
    sleepyDigest: {
      cron: '@yearly',
      action: async (c) => {
        sleepyDigestSeen.push(c.scheduledAt.getTime());
        if (sleepyDigestSeen.length <= 3) c.snooze(1);
      },
    },
    slowDigest: {
      cron: '@yearly',
      timeout: 5000,
      maxAttempts: 2,
      backoff: 0,
      action: async (c) => {
        slowDigestCalls++;
        if (c.attempt === 1) await never.promise;
      },
    },
  },
});

const Subscription = uniqueResource(tag, {
  model: 'Subscription',
  primaryKey: ['id', 'organisationId'], // not the schema's order: the key is matched by field
  triggers: {
    expire: {
      where: ({ now }) => ({ active: true, expiresAt: { lt: now }, organisationId: { startsWith: `${tag}-` } }),
      schedulerCron: false,
      action: { update: { active: false } },
    },
  },
});

const app = defineApp({ name: tag, resources: [Ticket, Subscription, Digest] });

/** Whole seconds of each durable timer the run started (its backoff waits), from its history. */
async function timerSeconds(handle: { fetchHistory(): Promise<{ events?: { timerStartedEventAttributes?: { startToFireTimeout?: { seconds?: unknown } | null } | null }[] | null }> }): Promise<number[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.timerStartedEventAttributes).map((e) => Number(String(e.timerStartedEventAttributes!.startToFireTimeout?.seconds ?? 0)));
}

before(async () => {
  ctx = await testContext('ashoban-parity');
  engine = await startEngine(ctx.env, app, ctx.prisma);
});
after(async () => {
  never.open();
  await engine?.stop();
  await ctx?.close();
});

test('AshOban: "if a record exists, it is processed": the drain counts the scheduler and the record run (success: 2)', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'p: one' } });
  const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'process'], { drain: true });
  assert.equal(r.success, 2);
  assert.deepEqual([r.failure, r.discard, r.cancelled, r.snoozed], [0, 0, 0, 0]);
  assert.equal(r.byKind.scheduler.success, 1);
  assert.equal(r.byKind.record.success, 1);
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
});

test('AshOban: "on_error_fails_oban_job? true/false": discard: 1, success: 1 / success: 2, discard: 0; the handler ran either way', async () => {
  const a = await ctx.prisma.ticket.create({ data: { subject: 'failjob: one' } });
  const b = await ctx.prisma.ticket.create({ data: { subject: 'dontfail: one' } });
  const failed = await engine.triggers.scheduleAndRunTriggers([Ticket, 'failJob'], { drain: true });
  assert.deepEqual([failed.discard, failed.success, failed.failure], [1, 1, 0]);
  const kept = await engine.triggers.scheduleAndRunTriggers([Ticket, 'dontFailJob'], { drain: true });
  assert.deepEqual([kept.success, kept.discard, kept.failure], [2, 0, 0]);
  for (const t of [a, b]) assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'errored');
});

test('AshOban: "extra args are set on a job": they are in the run input and reach the action', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'p: extra' } });
  const built = await engine.triggers.buildTrigger(t, 'Ticket.process');
  assert.deepEqual((built.options.args as [{ extraArgs?: unknown }])[0].extraArgs, { extra_arg: 1 });
  await engine.triggers.scheduleAndRunTriggers([Ticket, 'process'], { drain: true });
  assert.deepEqual(seen.find((s) => s.subject === 'p: extra')?.extraArgs, { extra_arg: 1 });
});

test('AshOban: "a record can be processed manually with additional arguments": the drain also waits for runs already in flight', async () => {
  const held = openable();
  gate = held.promise;
  const schedulersDone = async (): Promise<number> =>
    (await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerKind = 'scheduler' AND TriggerName = 'Ticket.process' AND ExecutionStatus = 'Completed'`)).count;
  const before = await schedulersDone();
  try {
    const manual = await ctx.prisma.ticket.create({ data: { subject: 'p: gated manual' } });
    const inFlight = await ctx.prisma.ticket.create({ data: { subject: 'p: gated in flight' } });
    // With arguments: a run of its own (all arguments make a run unique, as in Oban).
    await engine.triggers.runTrigger(manual, 'Ticket.process', { actionArguments: { special_arg: 'special_value' } });
    // Without: the same run the scheduler would start, so the scheduler skips it.
    const same = await engine.triggers.runTrigger(inFlight, 'Ticket.process');
    // Both actions are running (and hold their row locks) before the scheduler starts.
    await eventually('both gated actions to be running', () => seen.filter((s) => s.subject.startsWith('p: gated')).length >= 2);
    // The gate opens once the scheduler has completed (it has started or skipped every run), not after a time.
    const opened = eventually('the scheduler to complete', async () => (await schedulersDone()) > before).then(held.open);
    const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'process'], { drain: true });
    await opened;
    assert.deepEqual(seen.find((s) => s.subject === 'p: gated manual')?.args, { special_arg: 'special_value' });
    assert.equal((await same.describe()).status.name, 'COMPLETED', 'the skipped in-flight run was waited for');
    assert.equal(r.byKind.scheduler.success, 1);
    // manual (with arguments) and in-flight succeed; the scheduler's own run for `manual` waited on
    // its row lock, then found it processed: no longer applies.
    assert.equal(r.byKind.record.success, 2);
    assert.equal(r.byKind.record.cancelled, 1);
    assert.equal(await ctx.prisma.ticket.count({ where: { subject: { startsWith: 'p: gated' }, status: 'processed' } }), 2);
  } finally {
    held.open();
  }
});

test("AshOban: a paused trigger's scheduler is run and cancels; a failing scheduler counts as a failure instead of throwing", async () => {
  const paused = await engine.triggers.scheduleAndRunTriggers([Ticket, 'paused'], { drain: true });
  assert.equal(paused.cancelled, 1);
  assert.equal(paused.byKind.scheduler.cancelled, 1);
  const stats = (await (await engine.triggers.schedule('Ticket.paused')).result()) as SchedulerResult;
  assert.match(stats.cancelled ?? '', /paused/);
  const broken = await engine.triggers.scheduleAndRunTriggers([Ticket, 'brokenWhere'], { drain: true });
  assert.equal(broken.failure, 1);
  assert.equal(broken.byKind.scheduler.failure, 1);
  // the failed tick says which trigger, which page and why
  await assert.rejects((await engine.triggers.schedule('Ticket.brokenWhere')).result(), (err: unknown) => {
    assert.match(String((err as { cause?: Error }).cause?.message), /^Ticket\.brokenWhere: the record query failed on page 1 \(after 0 records, 0 runs started\) after 1 attempt\(s\): Ticket\.brokenWhere\.where: threw while the scheduler read the matching records: where exploded$/);
    return true;
  });
});

test('triggerOnce: a cancelled run (record did not match yet) leaves the record free; a completed one does not', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'once: later', priority: 0 } });
  const first = await engine.triggers.runTrigger(t, 'Ticket.once');
  await assert.rejects(first.result(), (err: unknown) => /no longer matches/.test(String((err as { cause?: Error }).cause?.message)));
  const r0 = await engine.triggers.drainMany([first.workflowId], Date.now() + 30_000);
  assert.equal(r0.cancelled, 1, 'a cancelled triggerOnce run counts as cancelled');
  await ctx.prisma.ticket.update({ where: { id: t.id }, data: { priority: 1 } });
  const second = await engine.triggers.runTrigger(t, 'Ticket.once');
  assert.equal(second.alreadyRunning || second.alreadyCompleted, false, 'the cancelled run did not block the record');
  assert.equal(((await second.result()) as RecordRunResult).outcome, 'success');
  const third = await engine.triggers.runTrigger(t, 'Ticket.once');
  assert.deepEqual([third.alreadyRunning, third.alreadyCompleted], [false, true]);
  const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'once'], { drain: true });
  assert.equal(r.byKind.record.success + r.byKind.record.cancelled, 0, 'the scheduler skips the completed record');
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).attempts, 1);
});

test("Prisma's P2025 from the action's own query fails the run (it is not the record going away)", async () => {
  await ctx.prisma.ticket.create({ data: { subject: 'lookup: org' } });
  const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'lookup'], { drain: true });
  assert.equal(r.byKind.record.failure, 1);
  assert.equal(r.byKind.record.cancelled, 0);
});

test("a timed-out attempt waits the trigger's own backoff (0 here), not the exponential default", async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'slow: first attempt' } });
  const handle = await engine.triggers.runTrigger(t, 'Ticket.slowFirst');
  const result = (await handle.result()) as RecordRunResult;
  assert.deepEqual([result.outcome, result.attempts], ['success', 2]);
  const timers = await timerSeconds(handle);
  assert.deepEqual(timers, [0], 'one backoff timer of under a second (exponential would be 17 s)');
});

test('the same holds for scheduled actions: a timed-out attempt waits their backoff', async () => {
  const handle = await engine.triggers.schedule('DailyReport.slowDigest');
  const result = (await handle.result()) as { outcome: string; attempts: number };
  assert.deepEqual([result.outcome, result.attempts, slowDigestCalls], ['success', 2, 2]);
  const timers = await timerSeconds(handle);
  assert.deepEqual(timers, [0]);
});

test('a declarative update function that returns nothing fails the run and leaves the record (it is never taken for a delete)', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'forgot: return' } });
  const handle = await engine.triggers.runTrigger(t, 'Ticket.forgotReturn');
  await assert.rejects(handle.result(), (err: unknown) => /update function returned undefined/.test(String((err as { cause?: Error }).cause?.message)));
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'open');
});

test('a run that snoozes many times continues as new, keeping its attempt and snooze count', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'sleepy: often' } });
  snoozesLeft.set(t.id, 3);
  const built = await engine.triggers.buildTrigger(t, 'Ticket.sleepy');
  const input = (built.options.args as [Record<string, unknown>])[0];
  const handle = await ctx.env.client.workflow.start(built.workflowType, { ...built.options, args: [{ ...input, snoozesPerRun: 2 }] });
  const result = (await handle.result()) as RecordRunResult;
  assert.deepEqual([result.outcome, result.attempts, result.snoozes], ['success', 1, 3]);
  const last = await ctx.env.client.workflow.getHandle(handle.workflowId).describe();
  assert.notEqual(last.runId, handle.firstExecutionRunId, 'the run continued as new');
});

test('a declarative update on a compound key whose fields are listed in another order than the schema', async () => {
  const org = await ctx.prisma.organisation.create({ data: { id: `${tag}-acme`, name: 'Acme' } });
  await ctx.prisma.subscription.createMany({
    data: [
      { organisationId: org.id, id: 1, plan: 'pro', expiresAt: new Date(Date.now() - 60_000) },
      { organisationId: org.id, id: 2, plan: 'pro', expiresAt: new Date(Date.now() + 3_600_000) },
    ],
  });
  const r = await engine.triggers.scheduleAndRunTriggers([Subscription, 'expire'], { drain: true });
  assert.equal(r.byKind.record.success, 1);
  const rows = await ctx.prisma.subscription.findMany({ where: { organisationId: org.id }, orderBy: { id: 'asc' } });
  assert.deepEqual(rows.map((s) => s.active), [false, true]);
});

test('schedule(): unique while running, as in AshOban: a scheduler per trigger and tenant, a scheduled action per tenant and arguments', async () => {
  // An app no worker serves: its runs stay running, so the overlap is certain.
  const idleResource = uniqueResource(`${tag}-idle`, {
    model: 'Ticket',
    triggers: { process: { schedulerCron: false, action: { delete: true } } },
    scheduledActions: { digest: { cron: '@daily', action: async () => {} } },
  });
  const idle = createTriggerClient({ client: ctx.env.client, app: defineApp({ name: `${tag}-idle`, resources: [idleResource] }) });
  const [a, b] = await Promise.all([idle.schedule('Ticket.process'), idle.schedule('Ticket.process')]);
  const c = await idle.schedule('Ticket.process', { tenant: 'other' });
  const [d1, d2] = await Promise.all([idle.schedule('Ticket.digest', { actionArguments: { day: 1 } }), idle.schedule('Ticket.digest', { actionArguments: { day: 1 } })]);
  const d3 = await idle.schedule('Ticket.digest', { actionArguments: { day: 2 } });
  try {
    assert.equal(a.workflowId, b.workflowId);
    assert.equal((await a.describe()).runId, (await b.describe()).runId);
    assert.notEqual(c.workflowId, a.workflowId, 'another tenant, another scheduler');
    assert.equal((await d1.describe()).runId, (await d2.describe()).runId);
    assert.notEqual(d3.workflowId, d1.workflowId, 'other arguments, another run');
  } finally {
    for (const h of [a, c, d1, d3]) await h.terminate('test done');
  }
});

test('workerPriority goes to the per-record runs and schedulerPriority to the scheduler (AshOban had them swapped)', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'urgent: now' } });
  const scheduler = await engine.triggers.schedule('Ticket.urgent');
  const stats = (await scheduler.result()) as SchedulerResult;
  assert.equal(stats.started, 1);
  const priorityOf = async (workflowId: string): Promise<number | null | undefined> => (await ctx.env.client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.priority?.priorityKey;
  const [child] = await childrenOf(ctx.env.client, scheduler.workflowId, 1);
  assert.equal(await priorityOf(child!), 1, 'workerPriority 0 -> Temporal priority key 1');
  assert.equal(await priorityOf(scheduler.workflowId), 5, 'schedulerPriority 9 -> key 5');
  const manual = await engine.triggers.runTrigger(t, 'Ticket.urgent', { args: { again: true } });
  assert.equal(await priorityOf(manual.workflowId), 1);
  await manual.result();
});

test('a scheduled action that snoozes many times continues as new too, keeping its counts and its scheduled time', async () => {
  const def = app.scheduledAction('DailyReport.sleepyDigest');
  const handle = await ctx.env.client.workflow.start(def.workflowType, {
    workflowId: `${tag}-sleepy-digest`,
    taskQueue: def.queue,
    args: [scheduledActionInput(app, def, { snoozesPerRun: 2 })],
  });
  const result = (await handle.result()) as { outcome: string; attempts: number; snoozes: number };
  assert.deepEqual([result.outcome, result.attempts, result.snoozes], ['success', 1, 3]);
  assert.notEqual((await ctx.env.client.workflow.getHandle(handle.workflowId).describe()).runId, handle.firstExecutionRunId, 'the run continued as new');
  assert.equal(new Set(sleepyDigestSeen).size, 1, 'ctx.scheduledAt stays the first run\'s start');
});
