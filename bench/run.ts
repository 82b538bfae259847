/**
 * `npm run bench` prints one table. Every variant runs in its own worker process against one
 * Temporal server and one database, in rounds interleaved as palindromes (A B C … C B A, each
 * round the whole tick), repeated BENCH_REPS times; each row gives the median with min–max.
 *
 * Per record (P1), ticks of BENCH_PER_RECORD records:
 * - `library`      a per-record trigger (a function action doing one update)
 * - `expert-db`    the headline baseline: hand-written Temporal (local activities, 25 child starts
 *                  per workflow task, a prebuilt bundle) with the library's database guarantees
 * - `expert-sa`    expert-db with the library's search attributes and outcome upsert: what
 *                  making every run searchable costs
 * - `expert`       the same without them (a bare update): what the guarantees cost
 * - `raw`          the naive hand-written code (normal activities, 500 starts per task): context
 * - `no-children`  no workflow per record: what the per-record-workflow design costs
 * Chunks (P2, P3), ticks of BENCH_CHUNK_RECORDS records, BENCH_CHUNK_SIZE (500) per chunk:
 * - `chunk`          the library's chunked declarative update
 * - `graphile-batch` the headline baseline: graphile-worker batch jobs of the same size in a lean
 *                    process, at the best concurrency of a sweep run first
 * - `expert-chunk-db` expert-chunk with the library's exactly-once bookkeeping by hand
 * - `expert-chunk`   hand-written Temporal, one child per chunk: Temporal's floor
 * - `graphile`       one graphile job per record: context
 * - `sql-ceiling`    the same UPDATEs back to back from one client: the physical limit
 * Latency (P4): `latency` (runTrigger → the action starts) vs `latency-raw` (a direct start of a
 * child whose work is a local activity), one call at a time. Idle (P5): a tick matching nothing.
 *
 * `-- --quick`: the small version (under 5 minutes). `-- --only library,expert-db` runs some rows.
 * `-- --servers` compares the Temporal server's persistence options on the per-record path.
 * Env: BENCH_REPS, BENCH_PER_RECORD / BENCH_CHUNK_RECORDS (comma-separated tick sizes),
 * BENCH_LATENCY_CALLS, BENCH_WORKER_HEAP_MB (1024; 0: V8's default), BENCH_TEMPORAL_PERSISTENCE (sqlite, the default: in memory; sqlite-file;
 * sqlite-file-full; postgres; postgres-relaxed), BENCH_ADMIN_URL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeWorkflowBundle } from '../src';
import { app } from './app';
import type { Round } from './measure';
import { rssBytes } from './proc';
import { prepareDatabase, say, temporalWorkerProcess, withStack, WORKER_HEAP_MB, type Env } from './stack';
import { summarize } from './table';
import { graphileConcurrency, variants } from './variants';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv.find((a, i) => argv[i - 1] === '--only') ?? argv.find((a) => a.startsWith('--only='))?.slice(7);
const ONLY = onlyArg ? new Set(onlyArg.split(',')) : undefined;
const sizes = (env: string | undefined, dflt: number[]): number[] => (env ? env.split(',').map(Number) : dflt);
const REPS = Number(process.env.BENCH_REPS ?? (quick ? 1 : 3));
const PER_RECORD = sizes(process.env.BENCH_PER_RECORD, quick ? [250] : [250, 1_000, 10_000]);
const CHUNK = sizes(process.env.BENCH_CHUNK_RECORDS, quick ? [10_000] : [10_000, 100_000]);
const LATENCY = Number(process.env.BENCH_LATENCY_CALLS ?? (quick ? 100 : 1_000));
const IDLE = quick ? 3 : 5;
/** Context rows run at one tick size (the middle one): the headline rows at every size. */
const contextSize = (xs: number[]): number => xs[Math.floor((xs.length - 1) / 2)]!;

type Step = readonly [variant: string, n: number];

/** A B C … C B A, `reps` times. */
function palindromes(vs: string[], n: number, reps: number): Step[] {
  const one = [...vs, ...[...vs].reverse()].map((v) => [v, n] as const);
  return Array.from({ length: reps }, () => one).flat();
}

function plan(): Step[] {
  const keep = (vs: string[]): string[] => vs.filter((v) => !ONLY || ONLY.has(v));
  const steps: Step[] = [];
  for (const n of PER_RECORD) steps.push(...palindromes(keep(n === contextSize(PER_RECORD) ? ['library', 'expert-db', 'expert-sa', 'expert', 'raw', 'no-children'] : ['library', 'expert-db']), n, REPS));
  for (const n of CHUNK) steps.push(...palindromes(keep(n === contextSize(CHUNK) ? ['chunk', 'graphile-batch', 'expert-chunk-db', 'expert-chunk', 'graphile', 'sql-ceiling'] : ['chunk', 'graphile-batch', 'sql-ceiling']), n, REPS));
  steps.push(...palindromes(keep(['latency', 'latency-raw']), LATENCY, REPS));
  if (!ONLY || ONLY.has('idle')) steps.push(['idle', IDLE]);
  return steps;
}

/** graphile-worker's best concurrency for batch jobs: one round at each, the fastest wins. */
async function sweepGraphile(e: Env, n: number): Promise<string> {
  const results: string[] = [];
  let best = { c: graphileConcurrency.batch, rate: 0 };
  for (const c of [1, 2, 4, 8, 16]) {
    graphileConcurrency.batch = c;
    const r = await variants['graphile-batch']!(e, n, 0);
    const rate = r.records / (r.ms / 1000);
    results.push(`${c}: ${Math.round(rate).toLocaleString('en')}/s`);
    if (rate > best.rate) best = { c, rate };
  }
  graphileConcurrency.batch = best.c;
  return `graphile-worker batch jobs, concurrency sweep on ${n.toLocaleString('en')} records (records/s): ${results.join(', ')}; best ${best.c}`;
}

/** Ready RSS of a bare SDK worker (the memory floor), without or with a PrismaClient that ran a query. */
async function bareWorkerRss(e: Env, role: 'bare' | 'bare-prisma'): Promise<number> {
  const w = await temporalWorkerProcess(role, e.address);
  try {
    return rssBytes(w.pid);
  } finally {
    await w.stop();
  }
}

async function servers(): Promise<void> {
  const rows: string[] = ['| Temporal persistence | records/s (per record) | server CPU ms/rec |', '|---|---|---|'];
  const n = PER_RECORD[0]!;
  for (const p of ['sqlite', 'sqlite-file-full', 'sqlite-file', 'postgres', 'postgres-relaxed']) {
    const r = await withStack(p, async (e) => {
      await variants.library!(e, Math.max(50, n / 5), 0); // warm-up
      return variants.library!(e, n, 1);
    });
    rows.push(`| ${p} | ${(r.records / (r.ms / 1000)).toFixed(1)} | ${(r.serverCpuMs / r.records).toFixed(1)} |`);
    say(rows[rows.length - 1]!);
  }
  say(`\n${rows.join('\n')}`);
}

async function main(): Promise<void> {
  const began = Date.now();
  await prepareDatabase();
  // every Temporal worker loads a prebuilt workflow bundle, as a deployment does
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-bench-bundle-'));
  process.env.BENCH_WORKFLOW_BUNDLE = path.join(dir, 'workflows.js');
  await writeWorkflowBundle(app, process.env.BENCH_WORKFLOW_BUNDLE);
  process.env.BENCH_BASELINE_BUNDLE = path.join(dir, 'baseline.js');
  fs.writeFileSync(process.env.BENCH_BASELINE_BUNDLE, (await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflows'), logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } })).code);
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  say(`${new Date().toISOString().slice(0, 10)}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; load ${load()}; ${quick ? 'quick' : 'full'} run, ${REPS} repetition(s); ticks: per record ${PER_RECORD.join(', ')}, chunked ${CHUNK.join(', ')}; ${LATENCY} latency calls`);
  say(`every worker process (Temporal and graphile): ${WORKER_HEAP_MB > 0 ? `node --max-old-space-size=${WORKER_HEAP_MB}, as docs/production.md recommends` : "V8's default heap limit"} (BENCH_WORKER_HEAP_MB)`);
  if (argv.includes('--servers')) return servers();
  const steps = plan();
  const rounds: Round[] = [];
  const header: string[] = [];
  await withStack(process.env.BENCH_TEMPORAL_PERSISTENCE ?? 'sqlite', async (e) => {
    const floor = async (role: 'bare' | 'bare-prisma'): Promise<number> => Math.round((await bareWorkerRss(e, role)) / 2 ** 20);
    header.push(`bare SDK worker ready RSS (the memory floor): ${await floor('bare')} MiB; with the app's PrismaClient after one query: ${await floor('bare-prisma')} MiB`);
    if (steps.some(([v]) => v === 'graphile-batch')) header.push(await sweepGraphile(e, Math.max(...CHUNK)));
    for (const h of header) say(h);
    for (const [i, [v, n]] of steps.entries()) {
      const r = await variants[v]!(e, n, i);
      rounds.push(r);
      say(`round ${i + 1}/${steps.length}: ${v} ${n.toLocaleString('en')} in ${(r.ms / 1000).toFixed(1)} s`);
    }
  });
  say(`\n${summarize(rounds)}\n\n${header.join('\n')}\nload at the end ${load()}; bench finished in ${((Date.now() - began) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
