/**
 * One Temporal worker process of the benchmark, for one variant (BENCH_ROLE), so its CPU and
 * memory are measured apart from the benchmark's own bookkeeping and from the other variants:
 * - `library`, `chunk`, `latency`, `idle`: this library's worker for that trigger's queue only;
 * - `baseline`: the hand-written Temporal baselines' worker (bench/baseline-workflows.ts);
 * - `bare`: an SDK worker with the baselines' workflows and no activities, the memory floor;
 *   `bare-prisma`: the same with the app's PrismaClient after one query (a worker's floor with Prisma).
 * Both load a prebuilt workflow bundle, as a deployment does. Prints `ready` when it polls;
 * stops on SIGTERM. (graphile-worker runs in its own lean process: graphile-process.cjs.)
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

const QUEUES: Record<string, string> = { library: 'bench-process', chunk: 'bench-bulk', latency: 'bench-stamp', idle: 'bench-idle' };
/** The same limits for every Temporal worker of the benchmark. */
const workerOptions = {
  maxConcurrentActivityTaskExecutions: 40,
  maxConcurrentLocalActivityExecutions: 40,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxCachedWorkflows: Number(process.env.BENCH_MAX_CACHED ?? 2000),
};

async function temporalWorker(role: string, address: string, dbUrl: string): Promise<{ run(): Promise<void>; shutdown(): void }> {
  const native = await NativeConnection.connect({ address });
  const baselineBundle = { codePath: process.env.BENCH_BASELINE_BUNDLE! };
  if (role === 'bare' || role === 'bare-prisma') {
    if (role === 'bare-prisma') {
      // the floor of a worker that also uses the app's PrismaClient (its query compiler loaded by one query)
      const { createPrismaClient } = await import('../example/prisma-client');
      await createPrismaClient(dbUrl, { max: 20 }).$queryRawUnsafe('SELECT 1');
    }
    const w = await Worker.create({ connection: native, taskQueue: 'bench-bare', workflowBundle: baselineBundle, ...workerOptions });
    return { run: () => w.run(), shutdown: () => w.shutdown() };
  }
  // loaded here only: the bare worker's memory holds neither Prisma nor the library
  const { createPrismaClient } = await import('../example/prisma-client');
  const prisma = createPrismaClient(dbUrl, { max: 20 });
  if (role === 'baseline') {
    const { createBaselineActivities } = await import('./baseline-activities');
    const w = await Worker.create({ connection: native, taskQueue: 'bench-baseline', workflowBundle: baselineBundle, activities: createBaselineActivities(prisma), ...workerOptions });
    return { run: () => w.run(), shutdown: () => w.shutdown() };
  }
  const [{ createTriggerWorker }, { app }] = await Promise.all([import('../src'), import('./app')]);
  const client = new Client({ connection: await Connection.connect({ address }) });
  const w = await createTriggerWorker({ connection: native, client, app, prisma, workerOptions, taskQueues: [QUEUES[role]!], require: false, registerSchedules: false, warn: () => {}, workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE! } });
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
  if (!QUEUES[role] && role !== 'baseline' && role !== 'bare' && role !== 'bare-prisma') throw new Error(`BENCH_ROLE: unknown role "${role}"`);
  const w = await temporalWorker(role, process.env.TEMPORAL_ADDRESS!, process.env.DATABASE_URL!);
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
