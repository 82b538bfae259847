/**
 * `npm run bench` prints one table: for each variant, records/s, its ratio to its baseline, server,
 * worker and database CPU ms per record (from /proc), history events per record, the largest
 * scheduler run, peak worker RSS, the server's growth, and latency. Variants run interleaved
 * (A B B A, each round half the records) in one process against one server:
 *
 * - `library`  per-record trigger (function action, one update)   vs `raw`: hand-written Temporal
 *              (a parent starting one child per record, one activity each)                    (P1)
 * - `chunk`    chunked declarative update (chunks of BENCH_CHUNK_SIZE, default 500)
 *              vs `graphile`: graphile-worker 0.18, one job and one UPDATE per record         (P2, P3)
 * - `latency`  runTrigger -> action start, one call at a time, vs the same through a direct
 *              workflow start                                                                  (P4)
 * - `idle`     a tick of a trigger nothing matches                                             (P5)
 *
 * `-- --quick` is the small version (under 5 minutes); `-- --only chunk,graphile` runs some;
 * `-- --servers` compares the Temporal server's persistence options on the per-record path.
 * Starts its own Temporal server (BENCH_TEMPORAL_PERSISTENCE: sqlite (in memory, the default),
 * sqlite-file (WAL, synchronous=NORMAL), sqlite-file-full (synchronous=FULL), postgres,
 * postgres-relaxed (synchronous_commit=off)) and a fresh database `ptt_bench` on BENCH_ADMIN_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import { Client as PgClient, Pool } from 'pg';
import { createTriggerClient, writeWorkflowBundle, type SchedulerResult, type TriggerClient } from '../src';
import { migrate, startTemporalStack } from '../src/devstack';
import { freePortBlock } from '../src/devstack/ports';
import { dropTemporalPostgresDatabases } from '../src/devstack/temporal-postgres';
import { app, CHUNK_SIZE } from './app';
import { PeakRss, postgresCpu, postgresCpuDelta, treeCpuMs as cpuMs, treeRssBytes as rssBytes } from './proc';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv.find((a, i) => argv[i - 1] === '--only') ?? argv.find((a) => a.startsWith('--only='))?.slice(7);
const ONLY = onlyArg ? new Set(onlyArg.split(',')) : undefined;
const SIZES = {
  perRecord: Number(process.env.BENCH_PER_RECORD ?? (quick ? 250 : 5_000)),
  chunk: Number(process.env.BENCH_CHUNK_RECORDS ?? (quick ? 10_000 : 100_000)),
  latency: Number(process.env.BENCH_LATENCY_CALLS ?? (quick ? 50 : 250)),
  idle: quick ? 3 : 5,
};
const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dbUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ptt_bench';
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const MiB = 2 ** 20;

interface Round {
  variant: string;
  records: number;
  ms: number;
  serverCpuMs: number;
  workerCpuMs: number;
  dbCpuMs: number;
  events?: number;
  maxEventsPerRun?: number;
  workerPeakRss: number;
  workerReadyRss: number;
  serverRssBefore: number;
  serverRssAfter: number;
  latencies?: number[];
  note?: string;
}

interface Env {
  client: Client;
  triggers: TriggerClient;
  db: PgClient;
  graphile: WorkerUtils;
  serverPid: number;
  /** The current round's worker process, and its RSS once it was ready (before any work). */
  workerPid: number;
  workerReadyRss: number;
  address: string;
}

/** Worker processes running now: stopped with the benchmark on Ctrl-C or SIGTERM. */
const liveWorkers = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`\n${signal}: stopping the worker processes and the server…`);
    for (const w of liveWorkers) w.kill('SIGKILL');
    process.exit(130);
  });
}

/** Starts the worker process of a variant and waits until it polls. */
async function startWorkerProcess(role: string, address: string): Promise<{ pid: number; stop(): Promise<void> }> {
  const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
    env: { ...process.env, BENCH_ROLE: role, TEMPORAL_ADDRESS: address, DATABASE_URL: dbUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  liveWorkers.add(worker);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => (liveWorkers.delete(worker), resolve())));
  await new Promise<void>((resolve, reject) => {
    worker.stdout!.on('data', (b: Buffer) => (b.toString().includes('ready') ? resolve() : undefined));
    worker.once('exit', (code) => reject(new Error(`the ${role} worker process exited (${code}) before it was ready`)));
  });
  return {
    pid: worker.pid!,
    async stop() {
      worker.kill('SIGTERM');
      await exited;
    },
  };
}

async function resetTickets(db: PgClient, n: number): Promise<void> {
  await db.query('TRUNCATE "Ticket" RESTART IDENTITY');
  await db.query(`INSERT INTO "Ticket" (subject, "updatedAt") SELECT 'bench ' || g, now() FROM generate_series(1, $1::int) g`, [n]);
  await db.query('ANALYZE "Ticket"');
}

/** Waits until `n` tickets are processed; fails when nothing moved for two minutes (the bench never hangs). */
async function waitProcessed(db: PgClient, n: number): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "Ticket" WHERE status = 'processed'`);
    const done = Number(rows[0]!.n);
    if (done >= n) return;
    if (done !== last) [last, since] = [done, Date.now()];
    if (Date.now() - since > 120_000) throw new Error(`stuck at ${done} of ${n} processed for two minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until no run of these workflow types is open (a round ends when its runs have closed, not only when its rows are written). */
async function waitClosed(client: Client, workflowTypes: string[]): Promise<void> {
  const query = `ExecutionStatus = 'Running' AND (${workflowTypes.map((t) => `WorkflowType = '${t}'`).join(' OR ')})`;
  const deadline = Date.now() + 300_000;
  while ((await client.workflow.count(query)).count > 0) {
    if (Date.now() > deadline) throw new Error(`runs of ${workflowTypes.join(', ')} still open after five minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until graphile-worker's queue is empty. */
async function waitJobsDone(db: PgClient): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM graphile_worker._private_jobs');
    if (Number(rows[0]!.n) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Events of every run of a workflow id, and the largest. */
async function eventsOfRuns(client: Client, workflowId: string, since = new Date(0)): Promise<{ total: number; max: number; runs: number }> {
  let total = 0;
  let max = 0;
  let runs = 0;
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}' AND StartTime >= '${since.toISOString()}'` })) {
    const n = (await client.workflow.getHandle(workflowId, wf.runId).fetchHistory()).events?.length ?? 0;
    total += n;
    max = Math.max(max, n);
    runs++;
  }
  return { total, max, runs };
}

/** Mean history events of (up to 20 of) the children of a parent. */
async function meanChildEvents(client: Client, parentId: string, since = new Date(0)): Promise<number> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `ParentWorkflowId = '${parentId}' AND StartTime >= '${since.toISOString()}'`, pageSize: 20 })) {
    ids.push(wf.workflowId);
    if (ids.length >= 20) break;
  }
  if (!ids.length) return 0;
  const counts = await Promise.all(ids.map(async (id) => (await client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0));
  return counts.reduce((a, b) => a + b, 0) / counts.length;
}

/** Runs `work` and measures it: wall time, CPU of server, worker and Postgres, peak worker RSS. */
async function measure(e: Env, variant: string, records: number, work: () => Promise<Partial<Round>>): Promise<Round> {
  const peaks = new PeakRss([e.workerPid, e.serverPid]).start();
  const [s0, w0, d0, r0] = [cpuMs(e.serverPid), cpuMs(e.workerPid), postgresCpu(), rssBytes(e.serverPid)];
  const t0 = Date.now();
  const extra = await work();
  const ms = Date.now() - t0;
  const [s1, w1, d1] = [cpuMs(e.serverPid), cpuMs(e.workerPid), postgresCpu()];
  const p = peaks.stop();
  return { variant, records, ms, serverCpuMs: s1 - s0, workerCpuMs: w1 - w0, dbCpuMs: postgresCpuDelta(d0, d1), workerPeakRss: p.get(e.workerPid) ?? 0, workerReadyRss: e.workerReadyRss, serverRssBefore: r0, serverRssAfter: rssBytes(e.serverPid), ...extra };
}

const variants: Record<string, (e: Env, n: number, round: number) => Promise<Round>> = {
  async library(e, n) {
    await resetTickets(e.db, n);
    const since = new Date();
    let wfId = '';
    const round = await measure(e, 'library', n, async () => {
      const handle = await e.triggers.schedule('Ticket.process');
      wfId = handle.workflowId;
      await handle.result();
      await waitProcessed(e.db, n);
      await waitClosed(e.client, ['Bench.Ticket.process']);
      return {};
    });
    const runs = await eventsOfRuns(e.client, wfId, since);
    return { ...round, events: runs.total + n * (await meanChildEvents(e.client, wfId, since)), maxEventsPerRun: runs.max };
  },
  expert: (e, n, r) => handWritten(e, n, r, 'expert', "expert hand-written Temporal: local activities, 25 child starts per workflow task (the library's headline baseline)"),
  raw: (e, n, r) => handWritten(e, n, r, 'raw', 'naive hand-written Temporal (normal activities, 500 child starts per workflow task): context only'),
  async chunk(e, n) {
    await resetTickets(e.db, n);
    const since = new Date();
    let wfId = '';
    let started = 0;
    const round = await measure(e, 'chunk', n, async () => {
      const handle = await e.triggers.schedule('Ticket.bulk');
      wfId = handle.workflowId;
      started = ((await handle.result()) as SchedulerResult).started;
      await waitProcessed(e.db, n);
      await waitClosed(e.client, ['Bench.Ticket.bulk']);
      return {};
    });
    const runs = await eventsOfRuns(e.client, wfId, since);
    return { ...round, events: runs.total + started * (await meanChildEvents(e.client, wfId, since)), maxEventsPerRun: runs.max, note: `${started} chunks of ${CHUNK_SIZE}` };
  },
  async graphile(e, n) {
    await resetTickets(e.db, n);
    const round = await measure(e, 'graphile', n, async () => {
      for (let i = 1; i <= n; i += 10_000) {
        await e.graphile.addJobs(Array.from({ length: Math.min(10_000, n - i + 1) }, (_, j) => ({ identifier: 'mark', payload: { id: i + j } })));
      }
      await waitProcessed(e.db, n);
      await waitJobsDone(e.db);
      return {};
    });
    return { ...round, note: "naive graphile-worker (one job and one UPDATE per record), not its best: batch jobs of 500 are issue 21's headline baseline, not yet here" };
  },
  async latency(e, n, r) {
    const round = await latencyRound(e, 'latency', n, r, (id) => e.triggers.runTrigger({ id }, 'Ticket.stamp'));
    await waitClosed(e.client, ['Bench.Ticket.stamp']);
    return round;
  },
  async 'latency-raw'(e, n, r) {
    const round = await latencyRound(e, 'latency-raw', n, r, (id) => e.client.workflow.start('expertChild', { taskQueue: 'bench-baseline', workflowId: `latency-raw-${r}-${id}-${Date.now()}`, args: [id] }));
    await waitClosed(e.client, ['expertChild']);
    return round;
  },
  async idle(e, n) {
    const events: number[] = [];
    const round = await measure(e, 'idle', n, async () => {
      for (let i = 0; i < n; i++) {
        const handle = await e.triggers.schedule('Ticket.idle');
        await handle.result();
        events.push((await e.client.workflow.getHandle(handle.workflowId, (handle as { firstExecutionRunId?: string }).firstExecutionRunId).fetchHistory()).events?.length ?? 0);
      }
      return {};
    });
    const history = await e.client.workflow.getHandle(`Bench.Ticket.idle.scheduler/manual/-`).fetchHistory();
    const activities = history.events?.filter((ev) => ev.activityTaskScheduledEventAttributes).length ?? 0;
    return { ...round, events: events.reduce((a, b) => a + b, 0), maxEventsPerRun: Math.max(...events), note: `${activities} activity (one record query) per tick` };
  },
};

/** A hand-written Temporal baseline: its parent pages the ids and starts one child per record. */
async function handWritten(e: Env, n: number, r: number, variant: 'expert' | 'raw', note: string): Promise<Round> {
  const [parent, child] = variant === 'expert' ? ['expertParent', 'expertChild'] : ['baselineParent', 'baselineChild'];
  await resetTickets(e.db, n);
  const wfId = `${variant}-parent-${r}-${Date.now()}`;
  const round = await measure(e, variant, n, async () => {
    await e.client.workflow.start(parent, { taskQueue: 'bench-baseline', workflowId: wfId, args: [{ afterId: 0, childQueue: 'bench-baseline', prefix: wfId }] });
    await waitProcessed(e.db, n);
    await waitClosed(e.client, [parent, child]);
    return {};
  });
  const runs = await eventsOfRuns(e.client, wfId);
  return { ...round, events: runs.total + n * (await meanChildEvents(e.client, wfId)), maxEventsPerRun: runs.max, note };
}

async function latencyRound(e: Env, variant: string, n: number, r: number, start: (id: number) => Promise<unknown>): Promise<Round> {
  await resetTickets(e.db, n);
  const latencies: number[] = [];
  const round = await measure(e, variant, n, async () => {
    for (let id = 1; id <= n; id++) {
      const t0 = Date.now();
      await start(id);
      for (;;) {
        const { rows } = await e.db.query<{ at: Date | null }>('SELECT "processedAt" AS at FROM "Ticket" WHERE id = $1', [id]);
        if (rows[0]?.at) {
          latencies.push(rows[0].at.getTime() - t0);
          break;
        }
        await new Promise((res) => setTimeout(res, 2));
      }
    }
    return {};
  });
  void r;
  return { ...round, latencies };
}

/** Runs `fn` with the variant's worker process up (its pid in `e.workerPid`). */
async function withWorker<T>(e: Env, role: string, fn: () => Promise<T>): Promise<T> {
  const w = await startWorkerProcess(role, e.address);
  e.workerPid = w.pid;
  e.workerReadyRss = rssBytes(w.pid);
  try {
    return await fn();
  } finally {
    await w.stop();
  }
}

/** A B B A: two rounds of each, half the records each. */
function interleaved(a: string, b: string): string[] {
  return [a, b, b, a];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function summarize(rounds: Round[]): string {
  const by = new Map<string, Round[]>();
  for (const r of rounds) by.set(r.variant, [...(by.get(r.variant) ?? []), r]);
  const rate = (rs: Round[]): number => rs.reduce((a, r) => a + r.records, 0) / (rs.reduce((a, r) => a + r.ms, 0) / 1000);
  const baselineOf: Record<string, string> = { library: 'expert', raw: 'expert', chunk: 'graphile', latency: 'latency-raw' };
  const fmt = (v: number | undefined, d = 0): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d }));
  const lines = [
    '| variant | records | records/s | ratio to baseline | server CPU ms/rec | worker CPU ms/rec | Postgres CPU ms/rec | history events/rec | max events/scheduler run | worker RSS ready / peak MiB | server RSS growth MiB | p50 ms | p99 ms | note |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [variant, rs] of by) {
    const n = rs.reduce((a, r) => a + r.records, 0);
    const base = baselineOf[variant] ? by.get(baselineOf[variant]!) : undefined;
    const lat = rs.flatMap((r) => r.latencies ?? []);
    const baseLat = base?.flatMap((r) => r.latencies ?? []) ?? [];
    const ratio = base ? (lat.length && baseLat.length ? percentile(baseLat, 50) / percentile(lat, 50) : rate(rs) / rate(base)) : undefined;
    const events = rs.every((r) => r.events !== undefined) ? rs.reduce((a, r) => a + (r.events ?? 0), 0) / n : undefined;
    lines.push(
      `| ${variant} | ${fmt(n)} | ${variant === 'idle' ? '-' : fmt(rate(rs))} | ${ratio !== undefined ? `${fmt(ratio, 2)}${lat.length ? ' (p50)' : ''}` : '-'} | ${fmt(rs.reduce((a, r) => a + r.serverCpuMs, 0) / n, 2)} | ${fmt(rs.reduce((a, r) => a + r.workerCpuMs, 0) / n, 2)} | ${fmt(rs.reduce((a, r) => a + r.dbCpuMs, 0) / n, 2)} | ${fmt(events, variant === 'idle' ? 0 : 1)} | ${fmt(Math.max(0, ...rs.map((r) => r.maxEventsPerRun ?? 0)) || undefined)} | ${fmt(Math.max(...rs.map((r) => r.workerReadyRss)) / MiB)} / ${fmt(Math.max(...rs.map((r) => r.workerPeakRss)) / MiB)} | ${fmt(rs.reduce((a, r) => a + (r.serverRssAfter - r.serverRssBefore), 0) / MiB)} | ${lat.length ? fmt(percentile(lat, 50)) : '-'} | ${lat.length ? fmt(percentile(lat, 99)) : '-'} | ${rs[0]?.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

async function withStack<T>(persistence: string, fn: (e: Env) => Promise<T>): Promise<T> {
  const temporalDbs = ['ptt_bench_temporal', 'ptt_bench_temporal_visibility'];
  const pgPersistence = persistence.startsWith('postgres');
  if (pgPersistence) await dropTemporalPostgresDatabases(adminUrl, temporalDbs);
  const stack = await startTemporalStack({
    port: await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]),
    ui: false,
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-bench-temporal-')),
    persistent: persistence.startsWith('sqlite-file'),
    sqliteSync: persistence === 'sqlite-file-full' ? 'full' : 'normal',
    ignoreCli: true,
    persistence: pgPersistence ? { postgresUrl: adminUrl, database: temporalDbs[0]!, visibilityDatabase: temporalDbs[1]! } : 'sqlite',
  });
  if (persistence === 'postgres-relaxed') {
    // no fsync wait per commit on the server's own databases (a crash may lose the last commits)
    const admin = new PgClient({ connectionString: adminUrl });
    await admin.connect();
    for (const d of temporalDbs) await admin.query(`ALTER DATABASE ${d} SET synchronous_commit = off`);
    await admin.end();
  }
  // a chunked tick's scheduler history holds its pages of keys: allow reading histories past gRPC's default 4 MiB
  const connection = await Connection.connect({ address: stack.address, channelArgs: { 'grpc.max_receive_message_length': 128 * 1024 * 1024 } });
  const client = new Client({ connection });
  const db = new PgClient({ connectionString: dbUrl });
  await db.connect();
  const graphilePool = new Pool({ connectionString: dbUrl, max: 4 });
  graphilePool.on('error', (err) => say(`graphile pool: ${err.message}`));
  graphilePool.on('connect', (c) => c.on('error', (err) => say(`graphile connection: ${err.message}`)));
  const graphile = await makeWorkerUtils({ pgPool: graphilePool });
  await graphile.migrate();
  try {
    say(`Temporal (stock server, ${persistence}) at ${stack.address}; server process ${stack.pids[0]}`);
    return await fn({ client, triggers: createTriggerClient({ client, app }), db, graphile, serverPid: stack.pids[0]!, workerPid: 0, workerReadyRss: 0, address: stack.address });
  } finally {
    await graphile.release();
    await graphilePool.end();
    await db.end();
    await connection.close();
    await stack.stop();
  }
}

async function prepareDatabase(): Promise<void> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS ptt_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE ptt_bench');
  await admin.end();
  await migrate(dbUrl, path.resolve(__dirname, '../prisma/migrations'));
}

async function main(): Promise<void> {
  const began = Date.now();
  await prepareDatabase();
  // the library's workers load a prebuilt workflow bundle, as a deployment does (and the baseline's
  // worker bundles its two workflows itself, as hand-written code does)
  const bundleFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-bench-bundle-')), 'workflows.js');
  await writeWorkflowBundle(app, bundleFile);
  process.env.BENCH_WORKFLOW_BUNDLE = bundleFile;
  say(`${new Date().toISOString().slice(0, 10)}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB; load ${os.loadavg()[0]!.toFixed(2)}; ${quick ? 'quick' : 'full'} run`);
  if (argv.includes('--servers')) {
    const rows: string[] = ['| Temporal persistence | records/s (per record) | server CPU ms/rec |', '|---|---|---|'];
    for (const p of ['sqlite', 'sqlite-file-full', 'sqlite-file', 'postgres', 'postgres-relaxed']) {
      const r = await withStack(p, async (e) =>
        withWorker(e, 'library', async () => {
          await variants.library!(e, Math.max(50, SIZES.perRecord / 5), 0); // warm-up
          return variants.library!(e, SIZES.perRecord, 1);
        }),
      );
      rows.push(`| ${p} | ${(r.records / (r.ms / 1000)).toFixed(1)} | ${(r.serverCpuMs / r.records).toFixed(1)} |`);
      say(rows[rows.length - 1]!);
    }
    say(`\n${rows.join('\n')}`);
  } else {
    const plan = [
      ...(['library', 'expert', 'raw', 'raw', 'expert', 'library'] as const).map((v) => [v, SIZES.perRecord] as const),
      ...interleaved('chunk', 'graphile').map((v) => [v, SIZES.chunk] as const),
      ...interleaved('latency', 'latency-raw').map((v) => [v, SIZES.latency] as const),
      ['idle', SIZES.idle] as const,
    ].filter(([v]) => !ONLY || ONLY.has(v) || ONLY.has(v.replace(/-raw$/, '')));
    const rounds: Round[] = [];
    await withStack(process.env.BENCH_TEMPORAL_PERSISTENCE ?? 'sqlite', async (e) => {
      for (const [i, [v, n]] of plan.entries()) {
        const r = await withWorker(e, v, () => variants[v]!(e, n, i));
        rounds.push(r);
        say(`round ${i + 1}/${plan.length}: ${v} ${n.toLocaleString('en')} in ${(r.ms / 1000).toFixed(1)} s`);
      }
    });
    say(`\n${summarize(rounds)}`);
  }
  say(`\nbench finished in ${((Date.now() - began) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
