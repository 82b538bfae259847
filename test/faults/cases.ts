/**
 * The fault cases. Each injects real faults (kill -9 of worker processes, a private PostgreSQL
 * cluster stopped mid-scan, a Temporal server stopped and killed, CPU hogs) and reports what
 * every record went through: lost (never committed) and duplicated (committed twice) must be 0.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { activityInfo } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { createPrismaClient, type PrismaClient } from '../../example/prisma-client';
import { createTriggerClient, createTriggerWorker, type RecordRunResult, type SchedulerResult, type TriggerWorker } from '../../src';
import { migrate } from '../../src/db/migrate';
import { freePortBlock, isPortFree } from '../../src/devstack/ports';
import { startTemporalStack } from '../../src/devstack/temporal-server';
import { eventually } from '../helpers/eventually';
import { startPrivatePostgres } from '../helpers/private-postgres';
import { uniqueName } from '../helpers/temporal';
import { makeFaultApp, type FaultAppOptions } from './app';
import { allCommitted, spawnWorker, tally, type FaultCase, type FaultEnv, type Figures } from './harness';

const root = path.resolve(__dirname, '../..');
const seconds = (since: number): number => Math.round((Date.now() - since) / 100) / 10;

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

async function figures(f: FaultEnv, name: string, tag: string, faults: number, lastFault: number, note?: string): Promise<Figures> {
  const t = await tally(f.prisma, tag);
  return { case: name, records: t.records, faults, lost: t.lost, duplicated: t.duplicated, recoverSeconds: seconds(lastFault), ...(note ? { note } : {}) };
}

function killMidAction(kills: number, n: number): FaultCase {
  const name = `worker killed -9 mid-action, ${kills} times`;
  return {
    name,
    fast: kills <= 3,
    async run(f) {
      const tag = uniqueName('kill');
      // Actions hold their transaction 1 s, 5 at a time: the kills land while actions run.
      const opts: FaultAppOptions = { holdMs: 1000, timeout: 5000, pageSize: 50 };
      await seed(f.prisma, tag, n);
      const triggers = createTriggerClient({ client: f.env.client, app: makeFaultApp(tag, opts) });
      let worker = await spawnWorker(f, tag, opts, { concurrency: 5 });
      const scheduler = await triggers.schedule('Ticket.work');
      const stats = (await scheduler.result()) as SchedulerResult;
      let lastFault = Date.now();
      const committed = () => f.prisma.ticket.count({ where: { subject: { startsWith: `${tag} ` }, attempts: { gt: 0 } } });
      // Spread the kills over the work: one each time another n/(kills+1) records committed, each
      // landing while the worker holds 5 actions open.
      let done = 0;
      for (let i = 0; i < kills; i++) {
        const target = Math.round(((i + 1) * n) / (kills + 1));
        await eventually('progress before the next kill', async () => (await committed()) >= target);
        await worker.kill9();
        done++;
        lastFault = Date.now();
        worker = await spawnWorker(f, tag, opts, { concurrency: 5 });
      }
      await allCommitted(f.prisma, tag, n);
      await runsClosed(f.env.client, scheduler.workflowId, stats.started);
      await worker.stop();
      return figures(f, name, tag, done, lastFault);
    },
  };
}

function killBetweenCommitAndCompletion(): FaultCase {
  const name = 'worker killed between commit and completion (maxAttempts 1 and 3)';
  return {
    name,
    fast: true,
    // Attempts run as local activities: the new worker re-runs the workflow task, the attempt finds
    // its own commit marker and reports success, so the crash costs no attempt.
    expectNote: /^maxAttempts 1: success after 1 attempt\(s\); maxAttempts 3: success after 1 attempt\(s\)$/,
    async run(f) {
      const tag = uniqueName('commit');
      let faults = 0;
      let lastFault = Date.now();
      const outcomes: string[] = [];
      for (const maxAttempts of [1, 3]) {
        const opts: FaultAppOptions = { timeout: 3000, maxAttempts };
        const sub = `${tag}${maxAttempts}`;
        await seed(f.prisma, sub, 1);
        const record = await f.prisma.ticket.findFirstOrThrow({ where: { subject: `${sub} 0` } });
        const paused = await spawnWorker(f, sub, opts, { hook: 'pause-after-commit' });
        const handle = await createTriggerClient({ client: f.env.client, app: makeFaultApp(sub, opts) }).runTrigger(record, 'Ticket.work');
        await paused.waitFor(/^COMMITTED /);
        await paused.kill9();
        faults++;
        lastFault = Date.now();
        const worker = await spawnWorker(f, sub, opts);
        const result = (await handle.result()) as RecordRunResult;
        outcomes.push(`maxAttempts ${maxAttempts}: ${result.outcome} after ${result.attempts} attempt(s)`);
        await worker.stop();
        await f.prisma.ticket.update({ where: { id: record.id }, data: { subject: `${tag} ${maxAttempts}` } });
      }
      return figures(f, name, tag, faults, lastFault, outcomes.join('; '));
    },
  };
}

function killMidQuery(): FaultCase {
  const name = 'worker killed -9 mid-query (scheduler page)';
  return {
    name,
    fast: false,
    async run(f) {
      const tag = uniqueName('query');
      const opts: FaultAppOptions = { pageSize: 50 };
      const n = 200;
      await seed(f.prisma, tag, n);
      const triggers = createTriggerClient({ client: f.env.client, app: makeFaultApp(tag, opts) });
      const announcing = await spawnWorker(f, tag, opts, { hook: 'announce-query' });
      const scheduler = await triggers.schedule('Ticket.work');
      await announcing.waitFor(/^QUERY 0$/);
      await announcing.kill9();
      const lastFault = Date.now();
      const worker = await spawnWorker(f, tag, opts);
      const stats = (await scheduler.result()) as SchedulerResult;
      await allCommitted(f.prisma, tag, n);
      await runsClosed(f.env.client, scheduler.workflowId, stats.started);
      await worker.stop();
      return figures(f, name, tag, 1, lastFault, `the tick read ${stats.read} and started ${stats.started} (heartbeat timeout: 1 minute)`);
    },
  };
}

function postgresRestartMidScan(n: number, pageSize: number): FaultCase {
  const name = `PostgreSQL stopped and started mid-scan (${n} records)`;
  return {
    name,
    fast: n <= 300,
    async run(f) {
      const pg = await startPrivatePostgres();
      const prisma = createPrismaClient(pg.url);
      let worker: TriggerWorker | undefined;
      try {
        await migrate(pg.url, path.join(root, 'prisma', 'migrations'));
        const tag = uniqueName('pgdown');
        await seed(prisma, tag, n);
        const app = makeFaultApp(tag, { pageSize, timeout: 'infinity' });
        let pages = 0;
        let lastFault = Date.now();
        let restarted: Promise<void> | undefined;
        /** On the 4th page query: stop the database, start it again 3 s later. */
        class StopMidScan implements ActivityInboundCallsInterceptor {
          async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
            if (activityInfo().activityType === 'pttFindRecords' && ++pages === 4) {
              pg.stop();
              lastFault = Date.now();
              restarted = new Promise((r) => setTimeout(r, 3000)).then(() => pg.start());
            }
            return next(input);
          }
        }
        worker = await createTriggerWorker({
          connection: f.env.nativeConnection,
          client: f.env.client,
          app,
          prisma,
          registerSchedules: false,
          warn: () => {},
          workerOptions: { interceptors: { activity: [() => ({ inbound: new StopMidScan() })] } },
        });
        const running = worker.run();
        const scheduler = await createTriggerClient({ client: f.env.client, app }).schedule('Ticket.work');
        const stats = (await scheduler.result()) as SchedulerResult;
        await restarted;
        await allCommitted(prisma, tag, n);
        await runsClosed(f.env.client, scheduler.workflowId, stats.started);
        worker.shutdown();
        await running;
        worker = undefined;
        return await figures({ ...f, prisma }, name, tag, 1, lastFault, `the tick read ${stats.read} in ${stats.pages} pages and started ${stats.started}`);
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
    fast: n <= 200,
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
        await Promise.all(workers.map((w) => w.stop()));
        return await figures(f, name, tag, 0, started, `${failedAttempts.count} runs not completed`);
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
    fast: true,
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
      return figures(f, name, tag, 1, started, `${stats.started} runs started, ${failed.count} failed (the poison record, alone)`);
    },
  };
}

function temporalRestarts(n: number): FaultCase {
  const name = `Temporal server SIGTERM, then SIGKILL, with ${n} runs snoozed (SQLite file)`;
  return {
    name,
    fast: false,
    async run(f) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-fault-temporal-'));
      const port = await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]);
      const tag = uniqueName('server');
      const app = makeFaultApp(tag, { snoozeFirstSeconds: 5 });
      await seed(f.prisma, tag, n);
      const records = await f.prisma.ticket.findMany({ where: { subject: { startsWith: `${tag} ` } } });
      let lastFault = Date.now();
      for (const how of ['SIGTERM', 'SIGKILL'] as const) {
        const stack = await startTemporalStack({ port, ui: false, persistent: true, dataDir });
        const connection = await Connection.connect({ address: stack.address });
        const native = await NativeConnection.connect({ address: stack.address });
        const client = new Client({ connection });
        const worker = await createTriggerWorker({ connection: native, client, app, prisma: f.prisma, registerSchedules: false, warn: () => {} });
        const running = worker.run();
        const batch = how === 'SIGTERM' ? records.slice(0, n / 2) : records.slice(n / 2);
        await createTriggerClient({ client, app }).runTriggers(batch, 'Ticket.work');
        await eventually(`${batch.length} runs to snooze`, async () => (await client.workflow.count(`TriggerOwner = '${tag}' AND TriggerOutcome = 'snoozed'`)).count >= batch.length);
        worker.shutdown();
        await running;
        await native.close();
        await connection.close();
        if (how === 'SIGKILL') for (const pid of stack.pids) process.kill(-pid, 'SIGKILL');
        await stack.stop();
        lastFault = Date.now();
        // a killed server's sockets go once the process is reaped
        await eventually('the killed server to release its port', () => isPortFree(port));
      }
      const stack = await startTemporalStack({ port, ui: false, persistent: true, dataDir });
      const connection = await Connection.connect({ address: stack.address });
      const native = await NativeConnection.connect({ address: stack.address });
      const client = new Client({ connection });
      const worker = await createTriggerWorker({ connection: native, client, app, prisma: f.prisma, registerSchedules: false, warn: () => {} });
      const running = worker.run();
      try {
        await allCommitted(f.prisma, tag, n);
        await eventually('every run to close', async () => (await client.workflow.count(`TriggerOwner = '${tag}' AND ExecutionStatus = 'Running'`)).count === 0);
      } finally {
        worker.shutdown();
        await running;
        await native.close();
        await connection.close();
        await stack.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      return figures(f, name, tag, 2, lastFault);
    },
  };
}

/** Every case; `npm test` runs the fast ones. */
export function faultCases(scale: 'test' | 'full'): FaultCase[] {
  const full = scale === 'full';
  return [
    killBetweenCommitAndCompletion(),
    poisonRecord(),
    killMidAction(full ? 10 : 3, full ? 200 : 60),
    postgresRestartMidScan(full ? 1000 : 200, full ? 50 : 20),
    twoWorkersUnderLoad(full ? 1000 : 200),
    killMidQuery(),
    temporalRestarts(full ? 80 : 20),
  ];
}

export function formatFigures(rows: Figures[]): string {
  const head = ['case', 'records', 'faults', 'lost', 'duplicated', 'recover (s)', 'note'];
  const lines = rows.map((r) => [r.case, String(r.records), String(r.faults), String(r.lost), String(r.duplicated), String(r.recoverSeconds), r.note ?? '']);
  return [head, head.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
