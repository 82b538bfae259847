/**
 * Re-records the replay histories (`npm run replay:record`): runs every path of every workflow of
 * this library once against a throw-away Temporal server and the test Postgres
 * (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres), and writes each
 * run's history to test/replay/histories/<path>.json. test/unit/replay.test.ts replays them.
 *
 * Existing files are kept (they stand for runs started by earlier versions): only new paths are
 * written. `-- --force` overwrites every file, for before anything is released.
 * Once a version is released, a change that alters workflow commands goes behind `patched()`, the
 * old histories stay, and the new path gets a history of its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPrismaClient } from '../../example/prisma-client';
import { createTriggerClient, createTriggerWorker, defineApp, defineResource, type TriggerWorker } from '../../src';
import { migrate } from '../../src/db/migrate';
import { scheduledActionInput } from '../../src/definitions/wire-plan';
import { freePortBlock } from '../../src/devstack/ports';
import { startTemporalStack } from '../../src/devstack/temporal-server';
import { withDatabase } from '../helpers/db';
import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { lose, onErrorScript, QUEUE, queryFailures, release, replayApp, script } from './app';
import { writeHistoryFile } from './history-file';

const root = path.resolve(__dirname, '../..');
/** `--legacy`: record only the scenarios kept for runs of earlier versions, named `legacy-…` (run from a checkout of that version). */
const legacy = process.argv.includes('--legacy');

/**
 * Loses an action attempt's result as `lose` says for its record: `before` it runs, or `after` it
 * committed, failing it as an attempt abandoned by its worker (the type the library gives those).
 */
class LoseResults implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const args = input.args[0] as { key?: Record<string, unknown> } | undefined;
    const id = Number(args?.key?.id);
    const when = activityInfo().activityType === 'pttRunAction' ? lose.get(id) : undefined;
    if (!when) return next(input);
    lose.delete(id);
    if (when === 'after') await next(input);
    throw ApplicationFailure.retryable(`scripted: the attempt's result is lost ${when} it ran`, 'TriggerAttemptAbandoned');
  }
}
const out = path.join(__dirname, 'histories');
const say = (line: string): void => void process.stderr.write(`[replay:record] ${line}\n`);

async function main(): Promise<void> {
  const port = await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]);
  const stack = await startTemporalStack({ port, ui: false, persistent: false, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-replay-')) });
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const dbName = `ptt_replay_${process.pid}`;
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = withDatabase(adminUrl, dbName);
  await migrate(dbUrl, path.join(root, 'prisma', 'migrations'));
  const prisma = createPrismaClient(dbUrl);
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: stack.address });
  const client = env.client;
  const triggers = createTriggerClient({ client, app: replayApp });
  const startWorker = async (app = replayApp): Promise<{ worker: TriggerWorker; done: Promise<void> }> => {
    const worker = await createTriggerWorker({ connection: env.nativeConnection, client, app, prisma, registerSchedules: false, warn: () => {}, workerOptions: { interceptors: { activity: [() => ({ inbound: new LoseResults() })] } } });
    return { worker, done: worker.run() };
  };
  fs.mkdirSync(out, { recursive: true });
  if (process.argv.includes('--force')) for (const f of fs.readdirSync(out)) if (f.endsWith('.json')) fs.rmSync(path.join(out, f));

  /** Waits for the run's whole chain to close, then writes the history of one of its runs. */
  const save = async (name: string, handle: WorkflowHandle, which: 'first' | 'last' = 'last', runId?: string): Promise<void> => {
    await handle.result().catch(() => undefined);
    const id = runId ?? (which === 'first' ? (handle as { firstExecutionRunId?: string }).firstExecutionRunId : undefined);
    const history = await client.workflow.getHandle(handle.workflowId, id).fetchHistory();
    if (fs.existsSync(path.join(out, `${name}.json`)) && !process.argv.includes('--force')) return say(`${name}: kept (recorded by an earlier version)`);
    writeHistoryFile(path.join(out, `${name}.json`), handle.workflowId, history);
    say(`${name}: ${history.events?.length ?? 0} events`);
  };
  const ticket = (subject: string, status: 'open' | 'processed' = 'open') => prisma.ticket.create({ data: { subject, status } });

  /** The one child run a scheduler run started. */
  const onlyChild = async (parent: WorkflowHandle): Promise<WorkflowHandle> => {
    await parent.result().catch(() => undefined);
    for (;;) {
      for await (const wf of client.workflow.list({ query: `ParentWorkflowId = '${parent.workflowId}'` })) return client.workflow.getHandle(wf.workflowId);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /**
   * A tick of a chunk trigger over these subjects (created in order, after every record left open
   * by earlier scenarios is closed); its one chunk run. `lost`: the first attempt's result is lost
   * (`before` or `after` it ran).
   */
  const chunkOf = async (trigger: string, subjects: string[], lost?: 'before' | 'after'): Promise<WorkflowHandle> => {
    await prisma.ticket.updateMany({ where: { status: 'open' }, data: { status: 'errored' } });
    const created = [];
    for (const s of subjects) created.push(await ticket(s));
    if (lost) lose.set(created[0]!.id, lost);
    return onlyChild(await triggers.schedule(trigger));
  };

  let worker = await startWorker();
  const teardown = async (): Promise<void> => {
    release.open();
    worker.worker.shutdown();
    await worker.done;
    await prisma.$disconnect();
    await env.teardown();
    await stack.stop();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  };
  if (legacy) {
    try {
      await recordLegacy();
    } finally {
      await teardown();
    }
    return;
  }

  /** Paths of the version before the attempt engine, recorded by that version (`--legacy`). */
  async function recordLegacy(): Promise<void> {
    script.set('legacy outage', { outage: 1 });
    await save('legacy-record-outage', await triggers.runTrigger(await ticket('legacy outage'), 'Ticket.record'));
    const once = await ticket('legacy once');
    lose.set(once.id, 'after');
    await save('legacy-record-last-attempt-committed', await triggers.runTrigger(once, 'Ticket.activityOnce'));
    script.set('legacy onerror snooze', { fail: 2 });
    onErrorScript.set('legacy onerror snooze', { snooze: 1 });
    await save('legacy-record-onerror-snooze', await triggers.runTrigger(await ticket('legacy onerror snooze'), 'Ticket.handledScripted'));
    script.set('cs legacy outage a', { outage: 1 });
    await save('legacy-chunk-outage', await chunkOf('Ticket.chunkScripted', ['cs legacy outage a', 'cs legacy outage b']));
    script.set('cs legacy snooze a', { snooze: 1 });
    await save('legacy-chunk-snooze', await chunkOf('Ticket.chunkScripted', ['cs legacy snooze a', 'cs legacy snooze b']));
    release.close();
    script.set('cs legacy slow a', { hang: 1 });
    await save('legacy-chunk-timeout-backoff', await chunkOf('Ticket.chunkScripted', ['cs legacy slow a', 'cs legacy slow b']));
    release.open();
    onErrorScript.set('cs legacy ons bad', { snooze: 1 });
    await save('legacy-chunk-onerror-snooze', await chunkOf('Ticket.chunkScripted', ['cs legacy ons a', 'cs legacy ons bad']));
    await save('legacy-chunk-last-attempt-committed', await chunkOf('Ticket.chunkOnce', ['co legacy lost a', 'co legacy lost bad'], 'after'));
  }

  try {
    script.set('success', {});
    await save('record-success', await triggers.runTrigger(await ticket('success'), 'Ticket.record'));
    script.set('retry', { fail: 1 });
    await save('record-error-backoff-success', await triggers.runTrigger(await ticket('retry'), 'Ticket.record'));
    script.set('fails', { fail: 2 });
    await save('record-failure', await triggers.runTrigger(await ticket('fails'), 'Ticket.record'));
    await save('record-no-longer-applies', await triggers.runTrigger(await ticket('gone', 'processed'), 'Ticket.record'));
    script.set('handled', { fail: 1 });
    await save('record-onerror-success', await triggers.runTrigger(await ticket('handled'), 'Ticket.handled'));
    script.set('discarded', { fail: 1 });
    await save('record-onerror-discard', await triggers.runTrigger(await ticket('discarded'), 'Ticket.discarded'));
    await save('record-triggeronce-cancel', await triggers.runTrigger(await ticket('once'), 'Ticket.once'));
    script.set('slow', { hang: 1 });
    await save('record-timeout-backoff-success', await triggers.runTrigger(await ticket('slow'), 'Ticket.timesOut'));
    // the timed-out attempt is still running in the worker: let it end, or stopping the worker waits for it
    release.open();

    // attempts as local activities (patch ptt-local-attempts; the histories above are from before it)
    await save('record-local-success', await triggers.runTrigger(await ticket('local success'), 'Ticket.record'));
    script.set('local retry', { fail: 1 });
    await save('record-local-error-backoff-success', await triggers.runTrigger(await ticket('local retry'), 'Ticket.record'));
    script.set('local discarded', { fail: 1 });
    await save('record-local-onerror-discard', await triggers.runTrigger(await ticket('local discarded'), 'Ticket.discarded'));
    release.close();
    script.set('local slow', { hang: 1 });
    await save('record-local-timeout-backoff-success', await triggers.runTrigger(await ticket('local slow'), 'Ticket.timesOut'));
    release.open();

    // snooze twice, continuing as new after each snooze
    script.set('napper', { snooze: 2 });
    const built = await triggers.buildTrigger(await ticket('napper'), 'Ticket.record');
    const input = (built.options.args as [Record<string, unknown>])[0];
    const napper = await client.workflow.start(built.workflowType, { ...built.options, args: [{ ...input, snoozesPerRun: 1 }] });
    await save('record-snooze-continue-as-new-first', napper, 'first');
    await save('record-snooze-continue-as-new-last', napper);

    // a scheduler tick over 5 records, 2 per run: three runs
    for (let i = 0; i < 5; i++) await ticket(`paged ${i}`);
    const scheduler = await triggers.schedule('Ticket.paged', { childrenPerRun: 2 });
    await save('scheduler-continue-as-new-first', scheduler, 'first');
    await save('scheduler-continue-as-new-last', scheduler);
    // the same after the ptt-chunk-pages patch
    for (let i = 0; i < 5; i++) await ticket(`paged again ${i}`);
    const patchedScheduler = await triggers.schedule('Ticket.paged', { childrenPerRun: 2 });
    await save('scheduler-chunk-pages-continue-as-new-first', patchedScheduler, 'first');
    await save('scheduler-chunk-pages-continue-as-new-last', patchedScheduler);

    // a scheduled action that snoozes, then fails once, then succeeds
    script.set('digest', { snooze: 1, fail: 1 });
    await save('scheduled-action-snooze-retry', await triggers.schedule('Ticket.digest'));

    // a chunk of 5 with one record failing both attempts, then handed to onError
    for (const s of ['chunk a', 'chunk bad', 'chunk c']) await ticket(s);
    const chunkTick = await triggers.schedule('Ticket.chunked');
    await chunkTick.result();
    await save('scheduler-chunks', chunkTick);
    const chunkRunId = await (async () => {
      for (;;) {
        for await (const wf of client.workflow.list({ query: `ParentWorkflowId = '${chunkTick.workflowId}'` })) return wf.workflowId;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await save('chunk-partial-failure-onerror', client.workflow.getHandle(chunkRunId));

    // a scheduler over two tenants
    for (const s of ['tenant t1 a', 'tenant t2 a']) await ticket(s);
    await save('scheduler-two-tenants', await triggers.schedule('Ticket.tenanted'));

    // a timeout function: the first attempt has 1 s and hangs (on a release of its own), the second has no limit
    release.promise = new Promise<void>((r) => (release.open = r));
    script.set('limited', { hang: 1 });
    await save('record-timeout-function', await triggers.runTrigger(await ticket('limited'), 'Ticket.limited'));
    release.open();

    // a scheduled action over two tenants: one run per tenant
    await save('scheduled-action-tenant-fanout', await triggers.schedule('Ticket.perTenant'));

    // a run of a type the first worker does not know waits, then resumes on a worker that does
    worker.worker.shutdown();
    await worker.done;
    const without = defineApp({
      name: 'replay',
      resources: [defineResource({ model: 'Ticket', triggers: { other: { schedulerCron: false, queue: QUEUE, workflowType: 'replay.other', schedulerWorkflowType: 'replay.other.scheduler', action: { delete: true } } } })],
    });
    worker = await startWorker(without);
    script.set('dangling', {});
    const dangling = await triggers.runTrigger(await ticket('dangling'), 'Ticket.dangling');
    for (;;) {
      const events = (await dangling.fetchHistory()).events ?? [];
      if (events.some((e) => e.workflowTaskFailedEventAttributes)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.worker.shutdown();
    await worker.done;
    worker = await startWorker();
    await save('record-dangling-resumes', dangling);

    // the attempt engine (patch ptt-attempt-engine): record runs
    script.set('engine outage', { outage: 1 });
    await save('engine-record-outage', await triggers.runTrigger(await ticket('engine outage'), 'Ticket.record'));
    const recovered = await ticket('engine lost after');
    lose.set(recovered.id, 'after');
    await save('engine-record-lost-recovered', await triggers.runTrigger(recovered, 'Ticket.activityMode'));
    const rerun = await ticket('engine lost before');
    lose.set(rerun.id, 'before');
    await save('engine-record-lost-rerun', await triggers.runTrigger(rerun, 'Ticket.activityMode'));
    release.close();
    script.set('engine slow', { hang: 1 });
    await save('engine-record-timeout-backoff', await triggers.runTrigger(await ticket('engine slow'), 'Ticket.timesOut'));
    release.open();
    for (const [name, behaviour, fails] of [
      ['cancel', { cancel: true }, 1],
      ['snooze', { snooze: 1 }, 2],
      ['outage', { outage: 1 }, 2],
      ['fails', { fail: true }, 1],
    ] as const) {
      const subject = `engine onerror ${name}`;
      script.set(subject, { fail: fails });
      onErrorScript.set(subject, { ...behaviour });
      await save(`engine-record-onerror-${name}`, await triggers.runTrigger(await ticket(subject), 'Ticket.handledScripted'));
    }
    script.set('engine quiet', { snoozeZero: 1, fail: 2 });
    await save('engine-record-quiet-snooze-zero-failure', await triggers.runTrigger(await ticket('engine quiet'), 'Ticket.quiet'));
    await save('engine-record-quiet-no-longer-applies', await triggers.runTrigger(await ticket('engine quiet gone', 'processed'), 'Ticket.quiet'));
    for (const s of ['poisoned a', 'poisoned big']) await ticket(s);
    const poisonTick = await triggers.schedule('Ticket.poisoned');
    await save('scheduler-poison', poisonTick);
    for await (const wf of client.workflow.list({ query: `ParentWorkflowId = '${poisonTick.workflowId}'` })) {
      const input = ((await client.workflow.getHandle(wf.workflowId).fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [])[0];
      if (input && Buffer.from(input.data as Uint8Array).toString('utf8').includes('"poison"')) await save('engine-record-poison', client.workflow.getHandle(wf.workflowId));
    }

    // chunk runs
    script.set('cs outage a', { outage: 1 });
    await save('engine-chunk-outage', await chunkOf('Ticket.chunkScripted', ['cs outage a', 'cs outage b']));
    release.close();
    script.set('cs slow a', { hang: 1 });
    await save('engine-chunk-timeout-backoff', await chunkOf('Ticket.chunkScripted', ['cs slow a', 'cs slow b']));
    release.open();
    onErrorScript.set('cs ons bad', { snooze: 1 });
    await save('engine-chunk-onerror-snooze', await chunkOf('Ticket.chunkScripted', ['cs ons a', 'cs ons bad']));
    onErrorScript.set('cs onf bad', { fail: true });
    await save('engine-chunk-onerror-fails', await chunkOf('Ticket.chunkScripted', ['cs onf bad']));
    await save('engine-chunk-lost-recovered-discard', await chunkOf('Ticket.chunkOnce', ['co lost a', 'co lost bad'], 'after'));
    await save('engine-chunk-failure', await chunkOf('Ticket.chunkPlain', ['cp fails bad1', 'cp fails bad2']));
    script.set('cp cancel a', { cancel: true });
    await save('engine-chunk-cancelled', await chunkOf('Ticket.chunkPlain', ['cp cancel a', 'cp cancel b']));
    // a chunk that snoozes twice and continues as new after each snooze (started by hand to set snoozesPerRun)
    script.set('cs napper a', { snooze: 2 });
    await prisma.ticket.updateMany({ where: { status: 'open' }, data: { status: 'errored' } });
    const naps = [await ticket('cs napper a'), await ticket('cs napper b')];
    const builtChunk = await triggers.buildTrigger(naps[0]!, 'Ticket.chunkScripted');
    const chunkInput = { ...(builtChunk.options.args as [Record<string, unknown>])[0], chunk: { keys: naps.map((t) => ({ id: t.id })), recordIds: naps.map((t) => String(t.id)) }, snoozesPerRun: 1 };
    const napperChunk = await client.workflow.start(builtChunk.workflowType, { ...builtChunk.options, workflowId: `${builtChunk.options.workflowId}/chunk-by-hand`, args: [chunkInput] });
    await save('engine-chunk-snooze-continue-as-new-first', napperChunk, 'first');
    await save('engine-chunk-snooze-continue-as-new-last', napperChunk);

    // scheduler ticks
    await ticket('flaky 1');
    queryFailures.left = 1;
    await save('scheduler-query-retry', await triggers.schedule('Ticket.flakyQuery'));
    await ticket('flaky 2');
    queryFailures.left = 2;
    await save('scheduler-query-failed-tick', await triggers.schedule('Ticket.flakyQuery'));
    queryFailures.left = 0;
    await save('scheduler-paused-cancelled', await triggers.schedule('Ticket.paused'));
    release.close();
    script.set('busy 1', { hang: 1 });
    const busy = await triggers.runTrigger(await ticket('busy 1'), 'Ticket.busy');
    for (;;) {
      if ((script.get('busy 1')?.hang ?? 1) === 0) break; // the action is hanging: its run is in flight
      await new Promise((r) => setTimeout(r, 50));
    }
    await save('scheduler-child-already-started', await triggers.schedule('Ticket.busy'));
    release.open();
    await busy.result();

    await prisma.ticket.updateMany({ where: { status: 'open' }, data: { status: 'errored' } });
    for (const s of ['with args 1', 'with args 2']) await ticket(s);
    await save('scheduler-arguments-actor', await triggers.schedule('Ticket.withArgs', { actionArguments: { note: 'given' }, actor: { id: 'replay-actor' } }));
    await prisma.ticket.updateMany({ where: { status: 'open' }, data: { status: 'errored' } });
    for (const s of ['ct a', 'ct broken']) await ticket(s);
    await save('scheduler-chunk-poison', await triggers.schedule('Ticket.chunkTenants'));

    // a timeout function that fails, then a backoff function that fails; the exponential default after a timeout
    release.close();
    script.set('broken functions', { hang: 1 });
    await save('engine-record-broken-functions', await triggers.runTrigger(await ticket('broken functions'), 'Ticket.brokenFunctions'));
    script.set('default backoff', { hang: 1 });
    await save('engine-record-timeout-default-backoff', await triggers.runTrigger(await ticket('default backoff'), 'Ticket.defaultBackoff'));
    script.set('engine slow twice', { hang: 2 });
    await save('engine-record-timeout-final', await triggers.runTrigger(await ticket('engine slow twice'), 'Ticket.timesOut'));
    release.open();
    // onError snoozes, and the run continues as new in its second round of the final attempt
    script.set('engine onerror snooze cas', { fail: 2 });
    onErrorScript.set('engine onerror snooze cas', { snooze: 1 });
    const casTicket = await ticket('engine onerror snooze cas');
    const builtCas = await triggers.buildTrigger(casTicket, 'Ticket.handledScripted');
    const casRun = await client.workflow.start(builtCas.workflowType, { ...builtCas.options, args: [{ ...(builtCas.options.args as [Record<string, unknown>])[0], snoozesPerRun: 1 }] });
    await save('engine-record-onerror-snooze-continue-as-new-first', casRun, 'first');
    await save('engine-record-onerror-snooze-continue-as-new-last', casRun);

    // scheduled actions
    await save('scheduled-action-one-tenant', await triggers.schedule('Ticket.oneTenant'));
    script.set('scripted action', { outage: 1, cancel: true });
    await save('scheduled-action-outage-cancel', await triggers.schedule('Ticket.scriptedAction'));
    script.set('scripted action', { fail: 2 });
    await save('scheduled-action-failure', await triggers.schedule('Ticket.scriptedAction'));
    // a scheduled action that snoozes twice, continuing as new after each snooze (started by hand to set snoozesPerRun)
    script.set('scripted action', { snooze: 2 });
    const action = replayApp.scheduledActions.find((a) => a.id === 'Ticket.scriptedAction')!;
    const napping = await client.workflow.start(action.workflowType, {
      workflowId: 'replay.scriptedAction/by-hand',
      taskQueue: action.queue,
      memo: { pttRole: 'scheduled-action' },
      args: [scheduledActionInput(replayApp, action, { snoozesPerRun: 1 })],
    });
    await save('scheduled-action-snooze-continue-as-new-first', napping, 'first');
    await save('scheduled-action-snooze-continue-as-new-last', napping);

    // Runs started with RUN_COMMANDS: the engine without a patch marker (every run above that
    // predates it was recorded with the marker and stands for runs started by 0.1 releases)
    await save('commands-record-success', await triggers.runTrigger(await ticket('commands success'), 'Ticket.record'));
    script.set('commands retry', { fail: 1 });
    await save('commands-record-local-error-backoff-success', await triggers.runTrigger(await ticket('commands retry'), 'Ticket.record'));
    script.set('commands napper', { snooze: 2 });
    const builtCommands = await triggers.buildTrigger(await ticket('commands napper'), 'Ticket.record');
    const commandsInput = (builtCommands.options.args as [Record<string, unknown>])[0];
    const commandsNapper = await client.workflow.start(builtCommands.workflowType, { ...builtCommands.options, args: [{ ...commandsInput, snoozesPerRun: 1 }] });
    await save('commands-record-snooze-continue-as-new-first', commandsNapper, 'first');
    await save('commands-record-snooze-continue-as-new-last', commandsNapper);
    await save('commands-chunk-failure', await chunkOf('Ticket.chunkPlain', ['cp cmd fails bad1', 'cp cmd ok']));
    for (let i = 0; i < 5; i++) await ticket(`paged commands ${i}`);
    const commandsScheduler = await triggers.schedule('Ticket.paged', { childrenPerRun: 2 });
    await save('commands-scheduler-continue-as-new-first', commandsScheduler, 'first');
    await save('commands-scheduler-continue-as-new-last', commandsScheduler);
    for (const s of ['chunk commands a', 'chunk commands bad']) await ticket(s);
    await save('commands-scheduler-chunks', await triggers.schedule('Ticket.chunked'));
    // packed keys: a page of plain keys and chunk inputs packed, an attempt committed whole as a bare success
    await prisma.ticket.updateMany({ where: { status: 'open' }, data: { status: 'errored' } });
    for (const s of ['chunk packed a', 'chunk packed b', 'chunk packed bad']) await ticket(s);
    await save('packed-scheduler-chunks', await triggers.schedule('Ticket.chunked'));
    await save('packed-chunk-success', await chunkOf('Ticket.chunkPlain', ['cp packed a', 'cp packed b']));
    await save('packed-chunk-failure', await chunkOf('Ticket.chunkPlain', ['cp packed fails bad1', 'cp packed ok']));
  } finally {
    await teardown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
