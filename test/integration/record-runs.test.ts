/**
 * The per-record workflow against real Temporal + Postgres: one transaction (lock, re-read, action,
 * commit), outcomes, retries with durable backoff, onError, snooze, cancel, search attributes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { WorkflowFailedError } from '@temporalio/client';
import { defineApp, snooze, cancel, type RecordRunResult } from '../../src';
import * as searchAttributes from '../../workflows/search-attributes';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';
import { eventually, gate } from '../helpers/eventually';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('rr');
const calls: Record<string, { attempt: number; lastAttempt: boolean; args: Record<string, unknown>; metadata: unknown }[]> = {};
const record = (name: string, c: { attempt: number; lastAttempt: boolean; args: Record<string, unknown>; metadata: unknown }): void => {
  (calls[name] ??= []).push({ attempt: c.attempt, lastAttempt: c.lastAttempt, args: c.args, metadata: c.metadata });
};
const backoffAsked: string[] = [];
const never = gate();
/** When set, the `process` action holds its transaction (and row lock) until this is opened. */
let holdLock: ReturnType<typeof gate> | undefined;

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    process: {
      where: { status: 'open' },
      schedulerCron: false,
      actionInput: { source: 'static', keep: 'static' },
      readMetadata: (t: { subject: string }) => ({ subjectLength: t.subject.length }),
      action: async (t: { id: number; subject: string }, c) => {
        record(`process:${t.subject}`, c);
        if (holdLock) await holdLock.promise;
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', processedAt: new Date() } });
      },
    },
    flaky: {
      where: { status: 'open' },
      schedulerCron: false,
      maxAttempts: 3,
      backoff: 1,
      action: async (t: { id: number; subject: string; attempts: number }, c) => {
        record(`flaky:${t.subject}`, c);
        // a write that must be rolled back with the failed attempt
        await c.tx.ticket.update({ where: { id: t.id }, data: { attempts: { increment: 1 }, body: 'half-done' } });
        if (t.subject.startsWith('always') || c.attempt < 3) throw new Error(`attempt ${c.attempt} failed`);
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    askedBackoff: {
      where: { status: 'open' },
      schedulerCron: false,
      maxAttempts: 3,
      backoff: (attempt) => {
        backoffAsked.push(`error ${attempt}`);
        return 0;
      },
      action: async () => {
        throw new Error('never works');
      },
    },
    timesOut: {
      where: { status: 'open' },
      schedulerCron: false,
      maxAttempts: 2,
      // every attempt waits on a gate opened only when the file ends, so each one times out
      timeout: 1000,
      backoff: (attempt) => {
        backoffAsked.push(`timeout ${attempt}`);
        return 0;
      },
      action: async () => {
        await never.promise;
      },
    },
    handled: {
      where: { status: 'open' },
      schedulerCron: false,
      maxAttempts: 2,
      backoff: 0,
      action: async () => {
        throw new Error('handled boom');
      },
      onError: async (t: { id: number; subject: string }, c) => {
        if (t.subject === 'handler fails') throw new Error('handler boom');
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'errored', lastError: `${c.error.message} @${c.attempt}` } });
      },
    },
    discarded: {
      where: { status: 'open' },
      schedulerCron: false,
      backoff: 0,
      onErrorFailsJob: true,
      action: async () => {
        throw new Error('discard me');
      },
      onError: { update: { status: 'errored' } },
    },
    handlerSnoozes: {
      where: { status: 'open' },
      schedulerCron: false,
      action: async (t: { subject: string }, c) => {
        record(`handlerSnoozes:${t.subject}`, c);
        throw new Error('always fails');
      },
      onError: async (t: { id: number; subject: string }, c) => {
        if ((calls[`handlerSnoozes:${t.subject}`]?.length ?? 0) === 1) c.snooze(1);
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'errored', lastError: c.error.message } });
      },
    },
    snoozy: {
      where: { status: 'open' },
      schedulerCron: false,
      maxAttempts: 1,
      action: async (t: { id: number; subject: string }, c) => {
        record(`snoozy:${t.subject}`, c);
        if ((calls[`snoozy:${t.subject}`]?.length ?? 0) === 1) snooze(1);
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    cancelling: {
      where: { status: 'open' },
      schedulerCron: false,
      action: async (t: { id: number }, c) => {
        await c.tx.ticket.update({ where: { id: t.id }, data: { body: 'should roll back' } });
        cancel('not today');
      },
    },
    declarativeDelete: { where: { status: 'errored' }, schedulerCron: false, action: { delete: true } },
    declarativeUpdate: {
      where: { status: 'open', priority: { gte: 5 } },
      schedulerCron: false,
      action: { update: (t: { priority: number }) => ({ status: 'processed', priority: t.priority + 1 }) },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('records');
  engine = await startEngine(ctx.env, app, ctx.prisma);
});
after(async () => {
  never.open();
  await engine?.stop();
  await ctx?.close();
});

const id = (name: string): string => `Ticket.${name}`;

test('success: the action runs on the re-read record in a transaction; outcome and search attributes are set', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'hello' } });
  const handle = await engine.triggers.runTrigger(t, id('process'), { actionArguments: { keep: 'runtime', extra: 1 } });
  assert.match(handle.workflowId, new RegExp(`^${tag}\\.Ticket\\.process/-/${t.id}/[0-9a-f]{16}$`));
  const result = (await handle.result()) as RecordRunResult;
  assert.equal(result.outcome, 'success');
  assert.equal(result.attempts, 1);
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
  const c = calls['process:hello']![0]!;
  assert.deepEqual(c.args, { source: 'static', keep: 'runtime', extra: 1 }, 'runtime actionArguments win over actionInput');
  assert.deepEqual(c.metadata, { subjectLength: 5 });
  assert.equal(c.lastAttempt, true);
  const desc = await handle.describe();
  assert.equal(desc.typedSearchAttributes.get(searchAttributes.TriggerOutcome), 'success');
  // filterable in visibility (what the UI uses)
  const query = `TriggerName = 'Ticket.process' AND TriggerOwner = '${tag}' AND TriggerRecordId = '${t.id}' AND TriggerOutcome = 'success'`;
  assert.equal(await eventually('visibility to list the run', async () => (await ctx.env.client.workflow.count(query)).count), 1);
});

test('a record that no longer matches, or is gone, ends the run cancelled (never a failure)', async () => {
  const changed = await ctx.prisma.ticket.create({ data: { subject: 'changed', status: 'processed' } });
  const r1 = (await (await engine.triggers.runTrigger(changed, id('process'))).result()) as RecordRunResult;
  assert.equal(r1.outcome, 'cancelled');
  assert.match(r1.reason ?? '', /no longer matches/);
  const r2 = (await (await engine.triggers.runTrigger({ id: 999_999, subject: 'ghost' }, id('process'))).result()) as RecordRunResult;
  assert.equal(r2.outcome, 'cancelled');
  assert.equal(calls['process:changed'], undefined, 'the action never ran');
});

test('errors retry up to maxAttempts with the backoff as durable timers; each failed attempt is rolled back', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'third time lucky' } });
  const handle = await engine.triggers.runTrigger(t, id('flaky'));
  const result = (await handle.result()) as RecordRunResult;
  assert.equal(result.outcome, 'success');
  assert.equal(result.attempts, 3);
  assert.deepEqual(calls['flaky:third time lucky']!.map((c) => [c.attempt, c.lastAttempt]), [[1, false], [2, false], [3, true]]);
  const row = await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } });
  assert.equal(row.attempts, 1, 'only the successful attempt was committed');
  const history = await handle.fetchHistory();
  const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
  assert.equal(timers.length, 2, 'two backoff timers');
  for (const e of timers) assert.equal(Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds), 1);
});

test('after the last attempt without onError the run fails (outcome failure, workflow Failed)', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'always failing' } });
  const handle = await engine.triggers.runTrigger(t, id('flaky'));
  await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError);
  assert.equal((await handle.describe()).status.name, 'FAILED');
  assert.equal(calls['flaky:always failing']!.length, 3);
  const row = await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } });
  assert.equal(row.status, 'open');
  assert.equal(row.body, '', 'nothing of the failed attempts was committed');
});

test('a backoff function is asked only when a retry follows: never after the last attempt, for errors and timeouts alike', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'asks backoff' } });
  await assert.rejects((await engine.triggers.runTrigger(t, id('askedBackoff'))).result(), WorkflowFailedError);
  assert.deepEqual(backoffAsked.splice(0), ['error 1', 'error 2'], 'three attempts, two retries');
  const slow = await ctx.prisma.ticket.create({ data: { subject: 'times out' } });
  await assert.rejects((await engine.triggers.runTrigger(slow, id('timesOut'))).result(), WorkflowFailedError);
  assert.deepEqual(backoffAsked.splice(0), ['timeout 1'], 'two attempts timed out, one retry');
});

test('onError runs after the final attempt with the error: success, or discard with onErrorFailsJob; a failing handler fails the run', async () => {
  const a = await ctx.prisma.ticket.create({ data: { subject: 'handled' } });
  const ha = await engine.triggers.runTrigger(a, id('handled'));
  const ra = (await ha.result()) as RecordRunResult;
  assert.equal(ra.outcome, 'success');
  assert.equal((await ha.describe()).typedSearchAttributes.get(searchAttributes.TriggerOutcome), 'error-handled', 'findable among the runs whose attempts all failed');
  const allFailed = `TriggerOwner = '${tag}' AND TriggerOutcome IN ('failure', 'discard', 'error-handled') AND TriggerRecordId = '${a.id}'`;
  assert.equal(await eventually('visibility to find the handled run', async () => (await ctx.env.client.workflow.count(allFailed)).count), 1);
  assert.equal(ra.attempts, 2);
  const rowA = await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: a.id } });
  assert.equal(rowA.status, 'errored');
  assert.equal(rowA.lastError, 'handled boom @2');

  const b = await ctx.prisma.ticket.create({ data: { subject: 'discarded' } });
  const hb = await engine.triggers.runTrigger(b, id('discarded'));
  await assert.rejects(hb.result(), (err: unknown) => err instanceof WorkflowFailedError && /discard/.test(String((err.cause as Error)?.message)));
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: b.id } })).status, 'errored');

  const c = await ctx.prisma.ticket.create({ data: { subject: 'handler fails' } });
  const hc = await engine.triggers.runTrigger(c, id('handled'));
  await assert.rejects(hc.result(), (err: unknown) => err instanceof WorkflowFailedError && /handler boom/.test(String((err.cause as Error)?.message)));
});

test('snooze is a durable sleep that does not use an attempt', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'sleepy' } });
  const handle = await engine.triggers.runTrigger(t, id('snoozy'));
  const result = (await handle.result()) as RecordRunResult;
  assert.equal(result.outcome, 'success');
  assert.equal(result.snoozes, 1);
  assert.deepEqual(calls['snoozy:sleepy']!.map((c) => c.attempt), [1, 1], 'both runs were attempt 1 of maxAttempts 1');
  const history = await handle.fetchHistory();
  const timer = (history.events ?? []).find((e) => e.timerStartedEventAttributes);
  assert.equal(Number(timer?.timerStartedEventAttributes?.startToFireTimeout?.seconds), 1);
  // While it slept, the run showed as `snoozed` in the UI (read from the history, not raced with a query).
  const outcomes = (history.events ?? []).flatMap((e) => {
    const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.TriggerOutcome;
    return field?.data ? [JSON.parse(Buffer.from(field.data).toString('utf8')) as string] : [];
  });
  assert.deepEqual(outcomes, ['snoozed', 'running', 'success']);
});

test('a snooze from onError is honoured: after it, the final attempt runs again, then onError', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'handler naps' } });
  const result = (await (await engine.triggers.runTrigger(t, id('handlerSnoozes'))).result()) as RecordRunResult;
  assert.deepEqual([result.outcome, result.snoozes, result.attempts], ['success', 1, 1]);
  assert.equal(calls['handlerSnoozes:handler naps']!.length, 2, 'the action ran again after the snooze');
  const row = await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } });
  assert.deepEqual([row.status, row.lastError], ['errored', 'always fails']);
});

test('cancel ends the run cancelled with the reason, rolling back the action', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'cancel me' } });
  const result = (await (await engine.triggers.runTrigger(t, id('cancelling'))).result()) as RecordRunResult;
  assert.equal(result.outcome, 'cancelled');
  assert.equal(result.reason, 'not today');
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).body, '');
});

test('declarative update (a function of the record) and delete actions', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'decl', priority: 7 } });
  assert.equal(((await (await engine.triggers.runTrigger(t, id('declarativeUpdate'))).result()) as RecordRunResult).outcome, 'success');
  const row = await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } });
  assert.deepEqual([row.status, row.priority], ['processed', 8]);
  const e = await ctx.prisma.ticket.create({ data: { subject: 'gone', status: 'errored' } });
  assert.equal(((await (await engine.triggers.runTrigger(e, id('declarativeDelete'))).result()) as RecordRunResult).outcome, 'success');
  assert.equal(await ctx.prisma.ticket.findUnique({ where: { id: e.id } }), null);
});

test('the FOR UPDATE lock is held for the whole action', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'locked' } });
  holdLock = gate();
  try {
    const handle = await engine.triggers.runTrigger(t, id('process'));
    // wait until the action is running (it records its call first); it then waits on the gate
    await eventually('the action to start', () => calls['process:locked']);
    const pg = new Client({ connectionString: ctx.db.url });
    await pg.connect();
    try {
      await pg.query('BEGIN');
      await assert.rejects(pg.query('SELECT 1 FROM "Ticket" WHERE id = $1 FOR UPDATE NOWAIT', [t.id]), /could not obtain lock/);
      await pg.query('ROLLBACK');
    } finally {
      await pg.end();
    }
    holdLock.open();
    assert.equal(((await handle.result()) as RecordRunResult).outcome, 'success');
  } finally {
    holdLock.open();
    holdLock = undefined;
  }
});
