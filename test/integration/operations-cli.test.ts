/**
 * The operations commands against the real server and database: preview, run-now, status,
 * runs, pause / resume, run and cancel, each with --json, and the errors they give.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, type Engine } from '../helpers/engine';
import type * as OpsApp from '../fixtures/ops-app';

const exec = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const fixture = path.join(root, 'test/fixtures/ops-app.ts');
const tag = uniqueName('ops');
let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
let mod: typeof OpsApp;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, OPS_TAG: tag, OPS_DATABASE_URL: ctx.db.url, TEMPORAL_ADDRESS: ctx.env.connection.options.address };
  try {
    const r = await exec(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...args], { cwd: root, env });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
async function json<T>(...args: string[]): Promise<T> {
  const r = await cli(...args, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

before(async () => {
  ctx = await testContext('opscli');
  process.env.OPS_TAG = tag;
  process.env.OPS_DATABASE_URL = ctx.db.url;
  mod = await import('../fixtures/ops-app');
  engine = await startEngine(ctx.env, mod.app, ctx.prisma, { registerSchedules: true });
  await ctx.prisma.ticket.createMany({ data: [`${tag} a`, `${tag} b`, `${tag} broken`].map((subject) => ({ subject })) });
});
after(async () => {
  await engine?.stop();
  await mod?.prisma.$disconnect();
  await ctx?.close();
});

test('preview: how many records a tick would start and the first keys, starting nothing', async () => {
  const [p] = await json<{ tenant: null; matching: number; wouldStart: number; first: { id: number }[] }[]>('preview', fixture, 'Ticket.process', '--limit', '2');
  assert.equal(p?.matching, 3);
  assert.equal(p?.first.length, 2);
  assert.equal((await ctx.env.client.workflow.count(`TriggerOwner = '${tag}'`)).count, 0, 'no run started');
});

test('run-now starts a tick through the Schedule; status then shows ticks, outcomes, the last error and what still matches', async () => {
  const r = await json<{ via: string }>('run-now', fixture, 'Ticket.process');
  assert.equal(r.via, 'schedule');
  await eventually('the tick to process the two good tickets', async () => ((await ctx.prisma.ticket.count({ where: { subject: { startsWith: tag }, status: 'processed' } })) === 2 ? true : undefined));
  // wait with the client (cheap), so the command below is run once, not once per poll
  const closed = (o: string) => `TriggerOwner = '${tag}' AND TriggerName = 'Ticket.process' AND TriggerKind = 'record' AND TriggerOutcome = '${o}' AND ExecutionStatus != 'Running'`;
  await eventually('visibility to show the three runs closed', async () => ((await ctx.env.client.workflow.count(closed('success'))).count === 2 && (await ctx.env.client.workflow.count(closed('failure'))).count === 1 ? true : undefined));
  const status = await eventually('status to show the three runs closed', async () => {
    const [s] = await json<{ state: string; lastTick?: string; nextTick?: string; inFlight: number; outcomes24h: Record<string, number>; lastError?: { outcome: string; message?: string }; matching?: number }[]>('status', fixture, 'Ticket.process');
    return s && s.outcomes24h.success === 2 && s.outcomes24h.failure === 1 && s.inFlight === 0 ? s : undefined;
  });
  assert.equal(status.state, 'active');
  assert.ok(status.lastTick && status.nextTick?.endsWith('-01-01T00:00:00.000Z'), JSON.stringify(status));
  assert.equal(status.lastError?.outcome, 'failure');
  assert.match(status.lastError?.message ?? '', /cannot process .* broken/);
  assert.equal(status.matching, 1, 'the broken ticket still matches');
  const text = await cli('status', fixture);
  assert.match(text.stdout, /Ticket\.process \(trigger, .*\)\n {2}schedule {3}active; last tick .*\n {2}in flight {2}0; matching now 1\n {2}last 24 h {2}success 2, failure 1\n {2}last error failure/);
});

test('runs lists the latest runs, filtered by outcome', async () => {
  const failed = await json<{ workflowId: string; outcome: string; status: string }[]>('runs', fixture, 'Ticket.process', '--outcome', 'failure');
  assert.deepEqual(failed.map((r) => [r.outcome, r.status]), [['failure', 'failed']]);
  assert.equal((await json<unknown[]>('runs', fixture, 'Ticket.process', '--limit', '2')).length, 2);
  const bad = await cli('runs', fixture, 'Ticket.process', '--outcome', 'exploded');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--outcome "exploded" is not an outcome: use one of running, backoff/);
});

test('pause and resume with a note; a misspelt trigger gets a suggestion', async () => {
  const paused = await json<{ state: string; note?: string; scheduleId: string }>('pause', fixture, 'Ticket.process', '--note', 'INC-7 database migration');
  assert.deepEqual([paused.state, paused.note], ['paused', 'INC-7 database migration']);
  const desc = await ctx.env.client.schedule.getHandle(paused.scheduleId).describe();
  assert.equal(desc.state.paused, true, 'paused on the server');
  const resumed = await json<{ state: string; note?: string }>('resume', fixture, 'Ticket.process');
  assert.equal(resumed.state, 'active');
  assert.equal(resumed.note || undefined, undefined, "resume without --note clears the pause's note");
  assert.doesNotMatch((await cli('status', fixture, 'Ticket.process')).stdout, /note:/, 'status shows no stale note');
  const typo = await cli('pause', fixture, 'Ticket.proces');
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /Ticket\.proces.*did you mean "Ticket\.process"/);
});

test('run starts one record\'s run by its id; cancel ends a sleeping run cancelled', async () => {
  const sleepy = await ctx.prisma.ticket.create({ data: { subject: `${tag} sleepy` } });
  const started = await json<{ workflowId: string; alreadyRunning: boolean }>('run', fixture, 'Ticket.process', String(sleepy.id));
  assert.equal(started.alreadyRunning, false);
  await eventually('the run to snooze', async () => {
    const d = await ctx.env.client.workflow.getHandle(started.workflowId).describe();
    return d.searchAttributes.TriggerOutcome?.[0] === 'snoozed' ? true : undefined;
  });
  const again = await json<{ alreadyRunning: boolean }>('run', fixture, 'Ticket.process', String(sleepy.id));
  assert.equal(again.alreadyRunning, true);
  const c = await json<{ result: string }>('cancel', started.workflowId);
  assert.equal(c.result, 'cancel requested');
  const closed = await eventually('the run to close', async () => {
    const d = await ctx.env.client.workflow.getHandle(started.workflowId).describe();
    return d.status.name !== 'RUNNING' ? d : undefined;
  });
  assert.equal(closed.status.name, 'CANCELLED');
  const missing = await cli('run', fixture, 'Ticket.process', '99999999');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error \[NOT_FOUND\]: Ticket\.process: no Ticket with \{"id":99999999\}/, 'the id keeps its type');
  const missingJson = await cli('run', fixture, 'Ticket.process', '99999999', '--json');
  assert.deepEqual(JSON.parse(missingJson.stdout), { error: { code: 'NOT_FOUND', message: 'Ticket.process: no Ticket with {"id":99999999}' } });
  const noRun = await cli('cancel', 'nope/-/1', '--json');
  assert.equal(noRun.code, 1);
  assert.deepEqual(JSON.parse(noRun.stdout), { error: { code: 'NOT_FOUND', message: 'no workflow nope/-/1 in this namespace' } });
});

test('retry starts a failed record run again for the same record', async () => {
  const [failed] = await json<{ workflowId: string; runId: string }[]>('runs', fixture, 'Ticket.process', '--outcome', 'failure');
  const r = await json<{ workflowId: string; runId?: string; alreadyRunning: boolean }>('retry', fixture, failed!.workflowId);
  assert.equal(r.workflowId, failed!.workflowId, 'the same record, so the same workflow id');
  assert.notEqual(r.runId, failed!.runId, 'a new run');
  const again = await eventually('the retried run to fail again (the ticket is still broken)', async () => {
    const d = await ctx.env.client.workflow.getHandle(r.workflowId).describe();
    return d.status.name !== 'RUNNING' ? d : undefined;
  });
  assert.equal(again.status.name, 'FAILED');
  // the same record failed twice: status says so
  const closedFailures = `TriggerOwner = '${tag}' AND TriggerName = 'Ticket.process' AND TriggerOutcome = 'failure' AND ExecutionStatus != 'Running'`;
  await eventually('visibility to show both failed runs', async () => ((await ctx.env.client.workflow.count(closedFailures)).count === 2 ? true : undefined));
  const [s] = await json<{ repeatedFailures: { workflowId: string; failures: number }[] }[]>('status', fixture, 'Ticket.process');
  assert.deepEqual(s?.repeatedFailures.map((f) => [f.workflowId, f.failures]), [[failed!.workflowId, 2]]);
  assert.match((await cli('status', fixture, 'Ticket.process')).stdout, /failing {4}record \d+ \(2 failed runs\): picked up by every tick while they match/);
  const notRecord = await cli('retry', fixture, 'no-such-workflow');
  assert.equal(notRecord.code, 1);
  assert.match(notRecord.stderr, /no workflow no-such-workflow/);
});

test('backfill starts the ticks of a past window, one after the other; a backfilled scheduled action sees the time it stands for', async () => {
  const r = await json<{ overlap: string }>('backfill', fixture, 'Ticket.report', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-03T00:30:00Z');
  assert.equal(r.overlap, 'bufferAll');
  const seen = await eventually('three backfilled reports', async () => (mod.reports.length >= 3 ? [...mod.reports].sort() : undefined));
  assert.deepEqual(seen, ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z']);
  const bad = await cli('backfill', fixture, 'Ticket.report', '--from', '2026-01-03T00:00:00Z', '--to', '2026-01-01T00:00:00Z');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--from \(2026-01-03T00:00:00.000Z\) must be before --to/);
});
