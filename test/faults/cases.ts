/**
 * The fault cases. Each injects real faults (kill -9 of worker processes, PostgreSQL stopped
 * under open transactions, the Temporal server stopped and killed under a running worker, CPU
 * hogs), proves that the fault landed where it was meant to (what the killed worker's
 * connections were doing, a marker committed before the kill, the same worker before and after
 * an outage), and reports what every record went through: lost (never committed), duplicated
 * (committed twice) and, for chunks, misreported (committed but not counted a success) must be 0.
 * Record runs and chunk runs get the same cases.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { activityInfo } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { createPrismaClient, type PrismaClient } from '../../example/prisma-client';
import { createTriggerClient, createTriggerWorker, type RecordRunResult, type SchedulerResult, type TriggerWorker } from '../../src';
import { migrate } from '../../src/db/migrate';
import { isInfrastructureError } from '../../src/prisma/db-errors';
import { freePortBlock, isPortFree } from '../../src/devstack/ports';
import { startTemporalStack } from '../../src/devstack/temporal-server';
import type { ChunkRunResult } from '../../workflows/types';
import { eventually } from '../helpers/eventually';
import { startPrivatePostgres } from '../helpers/private-postgres';
import { uniqueName } from '../helpers/temporal';
import { makeFaultApp, type FaultAppOptions } from './app';
import { allCommitted, spawnWorker, tally, type FaultCase, type FaultEnv, type Figures, type WorkerProcess } from './harness';
import { activityOf } from './proof';

const root = path.resolve(__dirname, '../..');
const seconds = (since: number): number => Math.round((Date.now() - since) / 100) / 10;
type Mode = 'record' | 'chunk';

async function seed(prisma: PrismaClient, tag: string, n: number, extra: string[] = []): Promise<void> {
  const subjects = [...Array.from({ length: n }, (_, i) => `${tag} ${i}`), ...extra.map((e) => `${tag} ${e}`)];
  for (let i = 0; i < subjects.length; i += 1000) await prisma.ticket.createMany({ data: subjects.slice(i, i + 1000).map((subject) => ({ subject })) });
}

/** Waits until every run the scheduler started has closed (so a late duplicate would be counted). */
async function runsClosed(client: Client, schedulerWorkflowId: string, started: number): Promise<void> {
  await eventually(
    `the ${started} runs of ${schedulerWorkflowId} to close`,
    async () => {
      const all = await client.workflow.count(`ParentWorkflowId = '${schedulerWorkflowId}'`);
      const open = await client.workflow.count(`ParentWorkflowId = '${schedulerWorkflowId}' AND ExecutionStatus = 'Running'`);
      return all.count >= started && open.count === 0;
    },
    { timeoutMs: 600_000, everyMs: 500 },
  );
}

/** Records the runs of these ticks reported a success: one per successful record run, `chunk.success` per chunk run. */
async function reportedSuccesses(client: Client, schedulerWorkflowIds: string[]): Promise<number> {
  let n = 0;
  for (const parent of schedulerWorkflowIds) {
    for await (const wf of client.workflow.list({ query: `ParentWorkflowId = '${parent}'` })) {
      const result = (await client.workflow.getHandle(wf.workflowId).result().catch(() => undefined)) as (RecordRunResult & Partial<ChunkRunResult>) | undefined;
      n += result?.chunk ? result.chunk.success : result?.outcome === 'success' ? 1 : 0;
    }
  }
  return n;
}

async function figures(f: FaultEnv, c: { name: string; tag: string; faults: number; lastFault: number; proof: string; note?: string; reported?: number }): Promise<Figures> {
  const t = await tally(f.prisma, c.tag);
  const committed = t.records - t.lost;
  return {
    case: c.name,
    records: t.records,
    faults: c.faults,
    lost: t.lost,
    duplicated: t.duplicated,
    ...(c.reported !== undefined ? { misreported: committed - c.reported } : {}),
    recoverSeconds: seconds(c.lastFault),
    proof: c.proof,
    ...(c.note ? { note: c.note } : {}),
  };
}

/** Kills the worker while it holds open transactions; returns how many it held at that moment. */
async function killInTransaction(f: FaultEnv, worker: WorkerProcess): Promise<number> {
  const open = await eventually(`worker ${worker.child.pid} to hold an attempt's transaction open`, async () => (await activityOf(f.databaseUrl, worker.appName)).inTransaction, { everyMs: 20 });
  await worker.kill9();
  return open;
}

function killMidAction(mode: Mode, kills: number, n: number): FaultCase {
  const name = `worker killed -9 mid-${mode === 'chunk' ? 'chunk' : 'action'} (transaction open), ${kills} times`;
  return {
    name,
    async run(f) {
      const tag = uniqueName(mode === 'chunk' ? 'killc' : 'kill');
      // Actions hold their transaction 1 s: the kills land while transactions are open.
      const opts: FaultAppOptions = { holdMs: 1000, timeout: 5000, pageSize: 50, ...(mode === 'chunk' ? { chunks: 10 } : {}) };
      await seed(f.prisma, tag, n);
      const triggers = createTriggerClient({ client: f.env.client, app: makeFaultApp(tag, opts) });
      let worker = await spawnWorker(f, tag, opts, { concurrency: 5 });
      const scheduler = await triggers.schedule('Ticket.work');
      const stats = (await scheduler.result()) as SchedulerResult;
      let lastFault = Date.now();
      const committed = () => f.prisma.ticket.count({ where: { subject: { startsWith: `${tag} ` }, attempts: { gt: 0 } } });
      const held: number[] = [];
      // One kill each time another n/(kills+2) records committed (work is left after the last),
      // while the worker holds transactions open.
      for (let i = 0; i < kills; i++) {
        const target = Math.round(((i + 1) * n) / (kills + 2));
        await eventually('progress before the next kill', async () => (await committed()) >= target);
        held.push(await killInTransaction(f, worker));
        lastFault = Date.now();
        worker = await spawnWorker(f, tag, opts, { concurrency: 5 });
      }
      await allCommitted(f.prisma, tag, n);
      await runsClosed(f.env.client, scheduler.workflowId, stats.started);
      await worker.stop();
      return figures(f, { name, tag, faults: held.length, lastFault, proof: `open transactions at each kill: ${held.join(', ')}`, reported: await reportedSuccesses(f.env.client, [scheduler.workflowId]) });
    },
  };
}

function killBetweenCommitAndCompletion(mode: Mode): FaultCase {
  const tries = mode === 'chunk' ? [1, 5] : [1, 3];
  const size = mode === 'chunk' ? 5 : 1;
  const name = `worker killed between ${mode === 'chunk' ? 'a chunk' : 'an action'}'s commit and its completion (maxAttempts ${tries.join(' and ')})`;
  return {
    name,
    // The new worker re-runs the workflow task, the attempt finds its own commit marker and reports
    // what it did, so the crash costs no attempt and every record counts as a success.
    expectNote: new RegExp(`^${tries.map((m) => `maxAttempts ${m}: success after 1 attempt\\(s\\)${mode === 'chunk' ? `, ${size} of ${size} records success` : ''}`).join('; ')}$`),
    async run(f) {
      const tag = uniqueName(mode === 'chunk' ? 'commitc' : 'commit');
      let lastFault = Date.now();
      const outcomes: string[] = [];
      const proofs: string[] = [];
      const parents: string[] = [];
      for (const maxAttempts of tries) {
        const opts: FaultAppOptions = { timeout: 3000, maxAttempts, ...(mode === 'chunk' ? { chunks: size } : {}) };
        const sub = `${tag}${maxAttempts}`;
        await seed(f.prisma, sub, size);
        const paused = await spawnWorker(f, sub, opts, { hook: 'pause-after-commit' });
        const triggers = createTriggerClient({ client: f.env.client, app: makeFaultApp(sub, opts) });
        let handle: WorkflowHandle;
        if (mode === 'record') handle = await triggers.runTrigger(await f.prisma.ticket.findFirstOrThrow({ where: { subject: `${sub} 0` } }), 'Ticket.work');
        else {
          const tick = await triggers.schedule('Ticket.work');
          await tick.result();
          parents.push(tick.workflowId);
          handle = await eventually('the chunk run to be listed', async () => {
            for await (const wf of f.env.client.workflow.list({ query: `ParentWorkflowId = '${tick.workflowId}'` })) return f.env.client.workflow.getHandle(wf.workflowId);
            return undefined;
          });
        }
        await paused.waitFor(/^COMMITTED /);
        // the proof: the attempt's marker and its records are committed while the worker hangs before reporting
        const markers = await countMarkers(f.databaseUrl, handle.workflowId);
        const committedBefore = await f.prisma.ticket.count({ where: { subject: { startsWith: `${sub} ` }, attempts: { gt: 0 } } });
        proofs.push(`maxAttempts ${maxAttempts}: ${markers} marker(s) and ${committedBefore} record(s) committed before the kill`);
        await paused.kill9();
        lastFault = Date.now();
        const worker = await spawnWorker(f, sub, opts);
        const result = (await handle.result()) as RecordRunResult & Partial<ChunkRunResult>;
        outcomes.push(`maxAttempts ${maxAttempts}: ${result.outcome} after ${result.attempts} attempt(s)${result.chunk ? `, ${result.chunk.success} of ${size} records success` : ''}`);
        await worker.stop();
        // counted under the case's tag from now on
        await f.prisma.$executeRawUnsafe(`UPDATE "Ticket" SET subject = $1 || ' ' || id WHERE subject LIKE $2`, tag, `${sub} %`);
      }
      return figures(f, { name, tag, faults: tries.length, lastFault, proof: proofs.join('; '), note: outcomes.join('; '), ...(mode === 'chunk' ? { reported: await reportedSuccesses(f.env.client, parents) } : {}) });
    },
  };
}

async function countMarkers(databaseUrl: string, workflowId: string): Promise<number> {
  const c = new PgClient({ connectionString: databaseUrl });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM ptt_run_commit WHERE workflow_id = $1', [workflowId])).rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

function killMidQuery(): FaultCase {
  const name = 'worker killed -9 while its scheduler page query runs';
  return {
    name,
    async run(f) {
      const tag = uniqueName('query');
      const opts: FaultAppOptions = { pageSize: 50 };
      const n = 200;
      await seed(f.prisma, tag, n);
      const triggers = createTriggerClient({ client: f.env.client, app: makeFaultApp(tag, opts) });
      const doomed = await spawnWorker(f, tag, opts);
      // Hold the table: the page query starts and waits at the database, so the kill lands mid-query.
      const lock = new PgClient({ connectionString: f.databaseUrl });
      await lock.connect();
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE "Ticket" IN ACCESS EXCLUSIVE MODE');
      const scheduler = await triggers.schedule('Ticket.work');
      let querying: number;
      try {
        querying = await eventually('the page query to run at the database', async () => (await activityOf(f.databaseUrl, doomed.appName)).querying, { everyMs: 20 });
        await doomed.kill9();
      } finally {
        await lock.query('ROLLBACK');
        await lock.end();
      }
      const lastFault = Date.now();
      const worker = await spawnWorker(f, tag, opts);
      const stats = (await scheduler.result()) as SchedulerResult;
      await allCommitted(f.prisma, tag, n);
      await runsClosed(f.env.client, scheduler.workflowId, stats.started);
      await worker.stop();
      return figures(f, { name, tag, faults: 1, lastFault, proof: `${querying} page query of the killed worker running at the database when it died`, note: `the tick read ${stats.read} and started ${stats.started} (noticed by the heartbeat timeout: 1 minute)` });
    },
  };
}

/** Counts the database outages the worker's activities met (errors the library takes for the database being away). */
class CountOutages implements ActivityInboundCallsInterceptor {
  static seen = 0;
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      const out = (await next(input)) as { status?: string; infrastructure?: boolean };
      if (out?.infrastructure) CountOutages.seen++;
      return out;
    } catch (err) {
      if (isInfrastructureError(err)) CountOutages.seen++;
      throw err;
    }
  }
}

/**
 * PostgreSQL (a private cluster) stopped while the worker holds transactions open (chunk runs), or
 * as a scheduler queries its 4th page (record runs), and started 3 s later.
 */
function postgresRestart(mode: Mode, n: number, pageSize: number): FaultCase {
  const name = mode === 'chunk' ? `PostgreSQL stopped under open chunk transactions and started again (${n} records)` : `PostgreSQL stopped and started mid-scan (${n} records)`;
  return {
    name,
    async run(f) {
      const pg = await startPrivatePostgres();
      const appName = 'ptt-fault-in-process';
      const url = new URL(pg.url);
      url.searchParams.set('application_name', appName);
      const prisma = createPrismaClient(url.toString());
      let worker: TriggerWorker | undefined;
      try {
        await migrate(pg.url, path.join(root, 'prisma', 'migrations'));
        const tag = uniqueName(mode === 'chunk' ? 'pgdownc' : 'pgdown');
        await seed(prisma, tag, n);
        const app = makeFaultApp(tag, { pageSize, timeout: 'infinity', ...(mode === 'chunk' ? { chunks: 20, holdMs: 1000 } : {}) });
        let pages = 0;
        let lastFault = Date.now();
        let restarted: Promise<void> | undefined;
        let proof = '';
        const restart = (): void => {
          pg.stop();
          lastFault = Date.now();
          restarted = new Promise((r) => setTimeout(r, 3000)).then(() => pg.start());
        };
        let attempts = 0;
        /**
         * Record runs: on the 4th page query, stop the database. Chunk runs: once the 3rd chunk
         * attempt has started, stop it as soon as chunk transactions are open.
         */
        class StopMidScan implements ActivityInboundCallsInterceptor {
          async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
            const type = activityInfo().activityType;
            if (mode === 'record' && type === 'pttFindRecords' && ++pages === 4) {
              proof = `stopped as the scheduler asked for page 4 of ${Math.ceil(n / pageSize)}`;
              restart();
            }
            if (mode === 'chunk' && type === 'pttRunAction' && ++attempts === 3) {
              void eventually('chunk transactions to be open', async () => (await activityOf(pg.url, appName)).inTransaction, { everyMs: 10 }).then((open) => {
                proof = `${open} chunk transactions open when the database stopped`;
                restart();
              });
            }
            return next(input);
          }
        }
        CountOutages.seen = 0;
        worker = await createTriggerWorker({
          connection: f.env.nativeConnection,
          client: f.env.client,
          app,
          prisma,
          registerSchedules: false,
          warn: () => {},
          workerOptions: { interceptors: { activity: [() => ({ inbound: new StopMidScan() }), () => ({ inbound: new CountOutages() })] } },
        });
        const running = worker.run();
        const scheduler = await createTriggerClient({ client: f.env.client, app }).schedule('Ticket.work');
        const stats = (await scheduler.result()) as SchedulerResult;
        await eventually('the database to have been stopped', () => restarted !== undefined);
        await restarted;
        await allCommitted(prisma, tag, n);
        await runsClosed(f.env.client, scheduler.workflowId, stats.started);
        worker.shutdown();
        await running;
        worker = undefined;
        return await figures(
          { ...f, prisma },
          { name, tag, faults: 1, lastFault, proof: `${proof}; ${CountOutages.seen} outage(s) met by attempts and queries`, note: `the tick read ${stats.read} in ${stats.pages} pages and started ${stats.started}`, reported: await reportedSuccesses(f.env.client, [scheduler.workflowId]) },
        );
      } finally {
        worker?.shutdown();
        await prisma.$disconnect();
        pg.destroy();
      }
    },
  };
}

function twoWorkersUnderLoad(n: number): FaultCase {
  const name = `two workers on one queue, both cores busy, 2 connections each (${n} records)`;
  return {
    name,
    expectNote: /^0 runs not completed$/,
    async run(f) {
      const tag = uniqueName('busy');
      const opts: FaultAppOptions = { holdMs: 50, timeout: 'infinity', pageSize: 100 };
      await seed(f.prisma, tag, n);
      const hogs = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
      try {
        const workers = await Promise.all([spawnWorker(f, tag, opts, { pool: 2 }), spawnWorker(f, tag, opts, { pool: 2 })]);
        const started = Date.now();
        const scheduler = await createTriggerClient({ client: f.env.client, app: makeFaultApp(tag, opts) }).schedule('Ticket.work');
        const stats = (await scheduler.result()) as SchedulerResult;
        await allCommitted(f.prisma, tag, n);
        await runsClosed(f.env.client, scheduler.workflowId, stats.started);
        const failedAttempts = await f.env.client.workflow.count(`ParentWorkflowId = '${scheduler.workflowId}' AND ExecutionStatus != 'Completed'`);
        const alive = hogs.filter((h) => h.exitCode === null && h.signalCode === null).length;
        await Promise.all(workers.map((w) => w.stop()));
        return await figures(f, { name, tag, faults: 0, lastFault: started, proof: `${alive} CPU hogs spinning until the last run closed`, note: `${failedAttempts.count} runs not completed` });
      } finally {
        for (const h of hogs) h.kill('SIGKILL');
      }
    },
  };
}

function poisonRecord(): FaultCase {
  const name = 'a poison record (readMetadata of 3 MB, over the 2 MiB payload limit) among 100';
  return {
    name,
    expectNote: /^101 runs started, 1 failed/,
    async run(f) {
      const tag = uniqueName('poison');
      const opts: FaultAppOptions = { pageSize: 50 };
      await seed(f.prisma, tag, 100, ['poison']);
      const worker = await spawnWorker(f, tag, opts);
      const started = Date.now();
      const scheduler = await createTriggerClient({ client: f.env.client, app: makeFaultApp(tag, opts) }).schedule('Ticket.work');
      const stats = (await scheduler.result()) as SchedulerResult;
      await allCommitted(f.prisma, tag, 100);
      await runsClosed(f.env.client, scheduler.workflowId, stats.started);
      const failed = await f.env.client.workflow.count(`ParentWorkflowId = '${scheduler.workflowId}' AND ExecutionStatus = 'Failed'`);
      await worker.stop();
      return figures(f, { name, tag, faults: 1, lastFault: started, proof: 'the poison record is in the tick: it failed alone', note: `${stats.started} runs started, ${failed.count} failed (the poison record, alone)` });
    },
  };
}

/**
 * The Temporal server stopped (SIGTERM) and later killed (SIGKILL) with runs snoozed, each time
 * started again on the same SQLite file and port, under one worker that stays up throughout.
 */
function temporalRestarts(n: number): FaultCase {
  const name = `Temporal server SIGTERM, then SIGKILL, with ${n} runs snoozed, one worker up throughout (SQLite file)`;
  return {
    name,
    expectProof: /^the same worker/,
    async run(f) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-fault-temporal-'));
      const port = await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]);
      const tag = uniqueName('server');
      const app = makeFaultApp(tag, { snoozeFirstSeconds: 3 });
      await seed(f.prisma, tag, n);
      const records = await f.prisma.ticket.findMany({ where: { subject: { startsWith: `${tag} ` } } });
      let stack = await startTemporalStack({ port, ui: false, persistent: true, dataDir });
      const connection = await Connection.connect({ address: stack.address });
      const native = await NativeConnection.connect({ address: stack.address });
      const client = new Client({ connection });
      const worker = await createTriggerWorker({ connection: native, client, app, prisma: f.prisma, registerSchedules: false, warn: () => {} });
      let workerEnded = false;
      const running = worker.run().finally(() => (workerEnded = true));
      let lastFault = Date.now();
      try {
        for (const how of ['SIGTERM', 'SIGKILL'] as const) {
          const batch = how === 'SIGTERM' ? records.slice(0, n / 2) : records.slice(n / 2);
          await createTriggerClient({ client, app }).runTriggers(batch, 'Ticket.work');
          await eventually(`${batch.length} runs to snooze`, async () => (await client.workflow.count(`TriggerOwner = '${tag}' AND TriggerOutcome = 'snoozed'`)).count >= batch.length);
          if (how === 'SIGKILL') for (const pid of stack.pids) process.kill(-pid, 'SIGKILL');
          await stack.stop();
          lastFault = Date.now();
          // a killed server's sockets go once the process is reaped
          await eventually('the stopped server to release its port', () => isPortFree(port));
          stack = await startTemporalStack({ port, ui: false, persistent: true, dataDir });
        }
        await allCommitted(f.prisma, tag, n);
        await eventually('every run to close', async () => (await client.workflow.count(`TriggerOwner = '${tag}' AND ExecutionStatus = 'Running'`)).count === 0);
        const upThroughout = !workerEnded;
        return await figures(f, { name, tag, faults: 2, lastFault, proof: upThroughout ? 'the same worker (never stopped) completed every run after both outages' : 'the worker stopped during the outages' });
      } finally {
        worker.shutdown();
        await running.catch(() => undefined);
        await native.close();
        await connection.close();
        await stack.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Every case, at `npm run faults` size (or smaller, for a quick look). */
export function faultCases(scale: 'small' | 'full'): FaultCase[] {
  const full = scale === 'full';
  return [
    killBetweenCommitAndCompletion('record'),
    killBetweenCommitAndCompletion('chunk'),
    killMidAction('record', full ? 10 : 3, full ? 200 : 60),
    killMidAction('chunk', full ? 6 : 2, full ? 600 : 200),
    postgresRestart('record', full ? 1000 : 200, full ? 50 : 20),
    postgresRestart('chunk', full ? 1000 : 200, 100),
    killMidQuery(),
    temporalRestarts(full ? 80 : 20),
    twoWorkersUnderLoad(full ? 1000 : 200),
    poisonRecord(),
  ];
}

export function formatFigures(rows: Figures[]): string {
  const head = ['case', 'records', 'faults', 'lost', 'duplicated', 'misreported', 'recover (s)', 'proof', 'note'];
  const lines = rows.map((r) => [r.case, String(r.records), String(r.faults), String(r.lost), String(r.duplicated), r.misreported === undefined ? '-' : String(r.misreported), String(r.recoverSeconds), r.proof, r.note ?? '']);
  return [head, head.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
