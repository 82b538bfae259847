/**
 * One worker process of the benchmark, for one variant (BENCH_ROLE), so its CPU and memory are
 * measured apart from the benchmark's own bookkeeping and from the other variants:
 * - `library`, `chunk`, `latency`, `idle`: this library's worker for that trigger's queue only;
 * - `expert`, `raw`, `latency-raw`: the hand-written Temporal baselines' worker;
 * - `graphile`: a graphile-worker runner doing the same UPDATE per job.
 * Prints `ready` when it polls; stops on SIGTERM.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { run as runGraphile } from 'graphile-worker';
import { Pool } from 'pg';
import { createPrismaClient } from '../example/prisma-client';
import { createTriggerWorker } from '../src';
import { app } from './app';
import { createBaselineActivities } from './baseline-activities';

const QUEUES: Record<string, string> = { library: 'bench-process', chunk: 'bench-bulk', latency: 'bench-stamp', idle: 'bench-idle' };
const workerOptions = {
  maxConcurrentActivityTaskExecutions: 40,
  maxConcurrentLocalActivityExecutions: 40,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxCachedWorkflows: Number(process.env.BENCH_MAX_CACHED ?? 2000),
};


async function temporalWorker(role: string, address: string, dbUrl: string): Promise<{ run(): Promise<void>; shutdown(): void }> {
  const prisma = createPrismaClient(dbUrl, { max: 20 });
  const native = await NativeConnection.connect({ address });
  if (role === 'raw' || role === 'latency-raw' || role === 'expert') {
    const w = await Worker.create({ connection: native, taskQueue: 'bench-baseline', workflowsPath: require.resolve('./baseline-workflows'), activities: createBaselineActivities(prisma), ...workerOptions });
    return { run: () => w.run(), shutdown: () => w.shutdown() };
  }
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  // as deployed: the workflow bundle built beforehand (`prisma-temporal-triggers bundle`), no webpack in the worker
  const workflowBundle = process.env.BENCH_WORKFLOW_BUNDLE ? { codePath: process.env.BENCH_WORKFLOW_BUNDLE } : undefined;
  const w = await createTriggerWorker({ connection: native, client, app, prisma, workerOptions, taskQueues: [QUEUES[role]!], require: false, registerSchedules: false, warn: () => {}, ...(workflowBundle ? { workflowBundle } : {}) });
  return { run: () => w.run(), shutdown: () => w.shutdown() };
}

/** Exits when the benchmark that started this process is gone (killed, or stopped by a timeout). */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 1000).unref();
}

async function main(): Promise<void> {
  exitWithParent();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const role = process.env.BENCH_ROLE ?? '';
  const dbUrl = process.env.DATABASE_URL!;
  if (role === 'graphile') {
    // graphile-worker in its documented high-throughput configuration: a local queue fetching jobs
    // in batches, batched completion, 24 concurrent jobs on one pool
    const pgPool = new Pool({ connectionString: dbUrl, max: 30 });
    pgPool.on('error', (err) => process.stderr.write(`graphile pool: ${err.message}\n`));
    pgPool.on('connect', (c) => c.on('error', (err) => process.stderr.write(`graphile connection: ${err.message}\n`)));
    const runner = await runGraphile({
      pgPool,
      concurrency: 24,
      noHandleSignals: true,
      pollInterval: 1000,
      taskList: {
        mark: async (payload, helpers) => {
          await helpers.query('UPDATE "Ticket" SET status = \'processed\', "processedAt" = now() WHERE id = $1', [(payload as { id: number }).id]);
        },
      },
      preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
    process.stdout.write('ready\n');
    await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
    await runner.stop();
    await pgPool.end();
    return;
  }
  if (!QUEUES[role] && role !== 'raw' && role !== 'latency-raw' && role !== 'expert') throw new Error(`BENCH_ROLE: unknown role "${role}"`);
  const w = await temporalWorker(role, process.env.TEMPORAL_ADDRESS!, dbUrl);
  const running = w.run();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => w.shutdown());
  await running;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
