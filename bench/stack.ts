/**
 * What every benchmark round stands on: the Temporal server, the database, the variant's own
 * worker process, and the waits that end a round when its work is done (never on a timer).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import { Client as PgClient, Pool } from 'pg';
import { createTriggerClient, type TriggerClient } from '../src';
import { migrate, startTemporalStack } from '../src/devstack';
import { freePortBlock } from '../src/devstack/ports';
import { dropTemporalPostgresDatabases } from '../src/devstack/temporal-postgres';
import { app } from './app';
import { CHUNK_UPDATE_SQL, RECORD_UPDATE_SQL } from './chunk-sql';
import { rssBytes } from './proc';

export const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const dbUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ptt_bench';
export const say = (line: string): void => void process.stdout.write(`${line}\n`);

export interface Env {
  client: Client;
  triggers: TriggerClient;
  db: PgClient;
  graphile: WorkerUtils;
  serverPid: number;
  address: string;
  /** The current round's worker process, and its RSS once it was ready (before any work). */
  workerPid: number;
  workerReadyRss: number;
}

/** Worker processes running now: stopped with the benchmark on Ctrl-C or SIGTERM. */
const live = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`\n${signal}: stopping the worker processes and the server…`);
    for (const w of live) w.kill('SIGKILL');
    process.exit(130);
  });
}

export interface WorkerProcess {
  pid: number;
  /** Writes `go` to its stdin (the graphile process starts working then). */
  go(): void;
  stop(): Promise<void>;
}

/**
 * V8's old-space limit of every worker process (MiB; 0: V8's default, about a quarter of the
 * machine's memory), as docs/production.md recommends running a worker: with the default limit V8
 * lets the heap, and the native buffers its garbage holds, grow far past the live set under load.
 */
export const WORKER_HEAP_MB = Number(process.env.BENCH_WORKER_HEAP_MB ?? 1024);

/** Starts a worker process and waits until it prints `ready`. */
function startProcess(args: string[], env: NodeJS.ProcessEnv, label: string): Promise<WorkerProcess> {
  // BENCH_WORKER_NODE_ARGS: more node flags for the worker processes (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`)
  const heap = [...(WORKER_HEAP_MB > 0 ? [`--max-old-space-size=${WORKER_HEAP_MB}`] : []), ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const child: ChildProcess = spawn(process.execPath, [...heap, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (live.delete(child), resolve())));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready'))
        resolve({
          pid: child.pid!,
          go: () => void child.stdin!.write('go\n'),
          async stop() {
            child.kill('SIGTERM');
            await exited;
          },
        });
    });
    child.once('exit', (code) => reject(new Error(`the ${label} process exited (${code}) before it was ready`)));
  });
}

/** A Temporal worker process of `role` (bench/worker-process.ts). */
export function temporalWorkerProcess(role: string, address: string): Promise<WorkerProcess> {
  return startProcess(['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], { BENCH_ROLE: role, TEMPORAL_ADDRESS: address, DATABASE_URL: dbUrl }, `${role} worker`);
}

/** graphile-worker in its lean process (bench/graphile-process.cjs), waiting for `go`. */
export function graphileProcess(concurrency: number): Promise<WorkerProcess> {
  return startProcess([path.join(__dirname, 'graphile-process.cjs')], { DATABASE_URL: dbUrl, BENCH_CONCURRENCY: String(concurrency), BENCH_CHUNK_SQL: CHUNK_UPDATE_SQL, BENCH_RECORD_SQL: RECORD_UPDATE_SQL }, 'graphile');
}

/** Runs `fn` with a process up as the round's worker (its pid in `e.workerPid`). */
export async function withProcess<T>(e: Env, start: () => Promise<WorkerProcess>, fn: (w: WorkerProcess) => Promise<T>): Promise<T> {
  const w = await start();
  e.workerPid = w.pid;
  e.workerReadyRss = rssBytes(w.pid);
  try {
    return await fn(w);
  } finally {
    await w.stop();
  }
}

/**
 * The same table for every round: `n` open tickets, graphile's job table emptied, the table
 * vacuumed and analysed, and a checkpoint taken (no round pays for the previous one's writes).
 */
export async function resetTickets(db: PgClient, n: number): Promise<void> {
  await db.query('TRUNCATE "Ticket" RESTART IDENTITY');
  await db.query('TRUNCATE ptt_run_commit');
  await db.query(`INSERT INTO "Ticket" (subject, "updatedAt") SELECT 'bench ' || g, now() FROM generate_series(1, $1::int) g`, [n]);
  await db.query('TRUNCATE graphile_worker._private_jobs CASCADE');
  await db.query('VACUUM ANALYZE "Ticket"');
  await db.query('CHECKPOINT');
}

/** Waits until `n` tickets are processed; fails when nothing moved for two minutes (the bench never hangs). */
export async function waitProcessed(db: PgClient, n: number): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "Ticket" WHERE status = 'processed'`);
    const done = Number(rows[0]!.n);
    if (done >= n) return;
    if (done !== last) [last, since] = [done, Date.now()];
    if (Date.now() - since > 120_000) throw new Error(`stuck at ${done} of ${n} processed for two minutes`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until no run of these workflow types is open (a round ends when its runs have closed, not only when its rows are written). */
export async function waitClosed(client: Client, workflowTypes: string[]): Promise<void> {
  const query = `ExecutionStatus = 'Running' AND (${workflowTypes.map((t) => `WorkflowType = '${t}'`).join(' OR ')})`;
  const deadline = Date.now() + 300_000;
  while ((await client.workflow.count(query)).count > 0) {
    if (Date.now() > deadline) throw new Error(`runs of ${workflowTypes.join(', ')} still open after five minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until graphile-worker's queue is empty. */
export async function waitJobsDone(db: PgClient): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM graphile_worker._private_jobs');
    if (Number(rows[0]!.n) === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A history's events and its encoded size in bytes (what the server stores and sends). With
 * BENCH_HISTORY_DETAIL=1 the first history of each kind is printed event type by event type.
 */
function sizeOf(history: temporal.api.history.v1.IHistory, kind: string): { events: number; bytes: number } {
  if (process.env.BENCH_HISTORY_DETAIL && !detailed.has(kind)) {
    detailed.add(kind);
    const byType = new Map<string, { n: number; bytes: number }>();
    for (const ev of history.events ?? []) {
      const type = temporal.api.enums.v1.EventType[ev.eventType ?? 0] ?? String(ev.eventType);
      const t = byType.get(type) ?? { n: 0, bytes: 0 };
      t.n++;
      t.bytes += temporal.api.history.v1.HistoryEvent.encode(ev).finish().length;
      byType.set(type, t);
    }
    say(`  history of one ${kind} run: ${[...byType].map(([type, t]) => `${type.replace('EVENT_TYPE_', '')} ${t.n}× ${t.bytes} B`).join(', ')}`);
  }
  return { events: history.events?.length ?? 0, bytes: temporal.api.history.v1.History.encode(history).finish().length };
}
const detailed = new Set<string>();

/** Events and bytes of every run of a workflow id, and the largest run's events. */
export async function eventsOfRuns(client: Client, workflowId: string, since = new Date(0)): Promise<{ total: number; bytes: number; max: number; runs: number }> {
  let total = 0;
  let bytes = 0;
  let max = 0;
  let runs = 0;
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}' AND StartTime >= '${since.toISOString()}'` })) {
    const h = sizeOf(await client.workflow.getHandle(workflowId, wf.runId).fetchHistory(), wf.type);
    total += h.events;
    bytes += h.bytes;
    max = Math.max(max, h.events);
    runs++;
  }
  return { total, bytes, max, runs };
}

/** Mean history events and bytes of (up to 20 of) the children of a parent. */
export async function meanChildEvents(client: Client, parentId: string, since = new Date(0)): Promise<{ events: number; bytes: number }> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `ParentWorkflowId = '${parentId}' AND StartTime >= '${since.toISOString()}'`, pageSize: 20 })) {
    ids.push(wf.workflowId);
    if (ids.length >= 20) break;
  }
  if (!ids.length) return { events: 0, bytes: 0 };
  const sizes = await Promise.all(ids.map(async (id) => sizeOf(await client.workflow.getHandle(id).fetchHistory(), 'child')));
  return { events: sizes.reduce((a, b) => a + b.events, 0) / sizes.length, bytes: sizes.reduce((a, b) => a + b.bytes, 0) / sizes.length };
}

/** A fresh `ptt_bench` database with the project's migrations. */
export async function prepareDatabase(): Promise<void> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS ptt_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE ptt_bench');
  await admin.end();
  await migrate(dbUrl, path.resolve(__dirname, '../prisma/migrations'));
}

/** Starts the Temporal server with `persistence` and runs `fn` against it. */
export async function withStack<T>(persistence: string, fn: (e: Env) => Promise<T>): Promise<T> {
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
  // the benchmark's own connection enqueues graphile's jobs (the worker process only works them)
  const graphilePool = new Pool({ connectionString: dbUrl, max: 2 });
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
