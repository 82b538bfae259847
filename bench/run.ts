/**
 * `npm run bench [-- 10000 100000] [--chunked-only]`: throughput of one scheduler tick, from the
 * tick to the last completed action, for N matching records: a chunked declarative update (chunks
 * of BENCH_CHUNK_SIZE, default 500), the per-record trigger, and the same work done by raw Temporal
 * (one minimal child workflow + one activity per record) on the same server in the same run; their
 * ratio; the worker's peak memory; history events per scheduler workflow run.
 *
 * Starts its own in-memory Temporal server (no UI) on free ports and uses a fresh database on
 * BENCH_DATABASE_URL (default: database `ptt_bench` on the local Postgres).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { createPrismaClient } from '../example/prisma-client';
import { createTriggerClient, createTriggerWorker, defineApp, defineResource, type SchedulerResult } from '../src';
import { migrate, startTemporalStack } from '../src/devstack';
import { freePortBlock } from '../src/devstack/ports';
import { dropTemporalPostgresDatabases } from '../src/devstack/temporal-postgres';
import { createBaselineActivities } from './baseline-activities';

const argv = process.argv.slice(2);
const sizes = argv.map(Number).filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [10_000];
/** `--chunked-only`: only the chunked declarative update (for 100,000-record runs). */
const chunkedOnly = argv.includes('--chunked-only');
const CHUNK_SIZE = Number(process.env.BENCH_CHUNK_SIZE ?? 500);
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dbUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ptt_bench';
const say = (line: string): void => void process.stdout.write(`${line}\n`);

class PeakMemory {
  peak = 0;
  private timer: NodeJS.Timeout | undefined;
  start(): void {
    this.peak = process.memoryUsage().rss;
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage().rss)), 100);
  }
  stop(): number {
    clearInterval(this.timer);
    return Math.max(this.peak, process.memoryUsage().rss);
  }
}

async function main(): Promise<void> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS ptt_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE ptt_bench');
  await admin.end();
  await migrate(dbUrl, path.resolve(__dirname, '../prisma/migrations'));
  const prisma = createPrismaClient(dbUrl, { max: 20 });

  // Temporal's persistence: `sqlite` (default, in memory), `sqlite-file` (a fresh SQLite file in WAL
  // mode) or `postgres` (the local Postgres, 4 shards; slower here, where Postgres fsyncs).
  const persistence = process.env.BENCH_TEMPORAL_PERSISTENCE ?? 'sqlite';
  const withBaseline = process.env.BENCH_BASELINE !== '0';
  const existing = process.env.BENCH_TEMPORAL_ADDRESS;
  const temporalDbs = ['ptt_bench_temporal', 'ptt_bench_temporal_visibility'];
  if (!existing && persistence === 'postgres') await dropTemporalPostgresDatabases(adminUrl, temporalDbs);
  const stack = existing
    ? { address: existing, stop: async () => {} }
    : await startTemporalStack({
        port: await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]),
        ui: false,
        dataDir: persistence === 'sqlite-file' ? fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-bench-temporal-')) : path.resolve(__dirname, '../.data/bench-temporal'),
        persistent: persistence === 'sqlite-file',
        ignoreCli: true,
        persistence: persistence === 'postgres' ? { postgresUrl: adminUrl, database: temporalDbs[0], visibilityDatabase: temporalDbs[1] } : 'sqlite',
      });
  say(existing ? `Temporal at ${existing} (BENCH_TEMPORAL_ADDRESS)` : `Temporal (stock server, ${persistence} persistence) started at ${stack.address}`);
  const connection = await Connection.connect({ address: stack.address });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address: stack.address });

  const Ticket = defineResource({
    model: 'Ticket',
    triggers: {
      process: {
        where: { status: 'open' },
        schedulerCron: false,
        action: async (t: { id: number }, { tx }) => {
          await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', processedAt: new Date() } });
        },
        queue: 'bench-process',
        workflowType: 'Bench.Ticket.process',
        schedulerWorkflowType: 'Bench.Ticket.process.scheduler',
      },
      // the same update, declarative, in chunks: one workflow and one UPDATE per chunk
      bulk: {
        where: { status: 'open' },
        schedulerCron: false,
        chunks: { size: CHUNK_SIZE },
        action: { update: { status: 'processed' } },
        queue: 'bench-bulk',
        workflowType: 'Bench.Ticket.bulk',
        schedulerWorkflowType: 'Bench.Ticket.bulk.scheduler',
      },
    },
  });
  const app = defineApp({ name: 'bench', resources: [Ticket] });
  const workerOptions = { maxConcurrentActivityTaskExecutions: 40, maxConcurrentWorkflowTaskExecutions: 40, maxCachedWorkflows: 2000 };
  const engineWorker = await createTriggerWorker({ connection: native, client, app, prisma, workerOptions, registerSchedules: false, warn: () => {} });
  const baselineWorker = await Worker.create({
    connection: native,
    taskQueue: 'bench-baseline',
    workflowsPath: require.resolve('./baseline-workflows'),
    activities: createBaselineActivities(prisma),
    ...workerOptions,
  });
  const triggers = createTriggerClient({ client, app });
  const running = Promise.all([engineWorker.run(), baselineWorker.run()]);

  const reset = async (n: number): Promise<void> => {
    await prisma.$executeRawUnsafe('TRUNCATE "Ticket" RESTART IDENTITY');
    for (let i = 0; i < n; i += 5000) {
      await prisma.ticket.createMany({ data: Array.from({ length: Math.min(5000, n - i) }, (_, j) => ({ subject: `bench ${i + j}` })) });
    }
  };
  const waitAllProcessed = async (n: number): Promise<void> => {
    for (;;) {
      const done = await prisma.ticket.count({ where: { status: 'processed' } });
      if (done >= n) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const rows: string[] = [];
  say(`cores: ${os.cpus().length}; Temporal persistence: ${persistence}; sizes: ${SIZES.join(', ')}`);
  const chunkRows: string[] = [];
  for (const n of SIZES) {
    // --- chunked declarative update: one tick
    await reset(n);
    const memChunk = new PeakMemory();
    memChunk.start();
    const c0 = Date.now();
    const chunkTick = (await (await triggers.schedule('Ticket.bulk')).result()) as SchedulerResult;
    await waitAllProcessed(n);
    const chunkMs = Date.now() - c0;
    const chunkRss = memChunk.stop();
    const chunkRate = n / (chunkMs / 1000);
    say(`\n== ${n.toLocaleString('en')} records, chunked declarative update (chunks of ${CHUNK_SIZE})\nchunked      : ${chunkRate.toFixed(0)} records/s (${(chunkMs / 1000).toFixed(1)} s; ${chunkTick.started} chunk runs; peak RSS ${(chunkRss / 2 ** 20).toFixed(0)} MiB)`);
    chunkRows.push(`| ${n} | ${CHUNK_SIZE} | ${chunkRate.toFixed(0)} | ${chunkTick.started} | ${(chunkRss / 2 ** 20).toFixed(0)} |`);
    if (chunkedOnly) continue;

    // --- this library: one scheduler tick
    await reset(n);
    const memEngine = new PeakMemory();
    memEngine.start();
    let t0 = Date.now();
    const handle = await triggers.schedule('Ticket.process', { childrenPerRun: process.env.BENCH_CHILDREN_PER_RUN ? Number(process.env.BENCH_CHILDREN_PER_RUN) : undefined });
    const stats = (await handle.result()) as SchedulerResult;
    const tickMs = Date.now() - t0;
    await waitAllProcessed(n);
    const engineMs = Date.now() - t0;
    const engineRss = memEngine.stop();
    const histories: number[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
      const h = await client.workflow.getHandle(handle.workflowId, wf.runId).fetchHistory();
      histories.push(h.events?.length ?? 0);
    }
    const dupes = await prisma.ticket.count({ where: { status: { not: 'processed' } } });

    // --- raw Temporal baseline (BENCH_BASELINE=0 skips it)
    let baseMs = NaN;
    let baseRss = NaN;
    if (withBaseline) {
      await reset(n);
      const memBase = new PeakMemory();
      memBase.start();
      t0 = Date.now();
      await client.workflow.start('baselineParent', { taskQueue: 'bench-baseline', workflowId: `baseline-parent-${n}-${Date.now()}`, args: [{ afterId: 0, childQueue: 'bench-baseline' }] });
      await waitAllProcessed(n);
      baseMs = Date.now() - t0;
      baseRss = memBase.stop();
    }

    const engineRate = n / (engineMs / 1000);
    const baseRate = n / (baseMs / 1000);
    const skipped = 'skipped (BENCH_BASELINE=0)';
    const fmt = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
    say(
      `\n== ${n.toLocaleString('en')} matching records\n` +
        `this library : ${fmt(engineRate)} records/s (${fmt(engineMs / 1000, 1)} s; scheduler tick finished starting runs in ${fmt(tickMs / 1000, 1)} s)\n` +
        `raw Temporal : ${withBaseline ? `${fmt(baseRate)} records/s (${fmt(baseMs / 1000, 1)} s)` : skipped}\n` +
        `ratio        : ${withBaseline ? `${fmt(engineRate / baseRate, 2)} (this library / raw Temporal)` : skipped}\n` +
        `peak RSS     : ${fmt(engineRss / 2 ** 20)} MiB (this library)${withBaseline ? `, ${fmt(baseRss / 2 ** 20)} MiB (baseline)` : ''}; bench process, worker included\n` +
        `scheduler    : ${stats.started} started, ${stats.skipped} skipped, ${stats.read} read, ${stats.pages} pages, ${stats.runs} workflow runs; ` +
        `history events per run max ${Math.max(...histories)}, mean ${fmt(histories.reduce((a, b) => a + b, 0) / Math.max(1, histories.length))}; records left unprocessed: ${dupes}`,
    );
    rows.push(`| ${n} | ${fmt(engineRate)} | ${fmt(baseRate)} | ${fmt(engineRate / baseRate, 2)} | ${fmt(engineRss / 2 ** 20)} | ${Math.max(...histories)} | ${stats.runs} |`);
  }
  say(`\n| records | chunk size | chunked rec/s | chunk runs | peak RSS MiB |\n|---|---|---|---|---|\n${chunkRows.join('\n')}`);
  if (rows.length) say(`\n| records | library rec/s | raw Temporal rec/s | ratio | peak RSS MiB | max history events/run | scheduler runs |\n|---|---|---|---|---|---|---|\n${rows.join('\n')}`);

  engineWorker.shutdown();
  baselineWorker.shutdown();
  await running;
  await prisma.$disconnect();
  await native.close();
  await connection.close();
  await stack.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
