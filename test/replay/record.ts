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
import { freePortBlock } from '../../src/devstack/ports';
import { startTemporalStack } from '../../src/devstack/temporal-server';
import { withDatabase } from '../helpers/db';
import { QUEUE, release, replayApp, script } from './app';
import { writeHistoryFile } from './history-file';

const root = path.resolve(__dirname, '../..');
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
    const worker = await createTriggerWorker({ connection: env.nativeConnection, client, app, prisma, registerSchedules: false, warn: () => {} });
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

  let worker = await startWorker();
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
  } finally {
    release.open();
    worker.worker.shutdown();
    await worker.done;
    await prisma.$disconnect();
    await env.teardown();
    await stack.stop();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
