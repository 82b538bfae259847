/**
 * graphile-worker for the benchmark, in a lean process: plain Node (no tsx, no Temporal, no
 * Prisma), loading graphile-worker and pg only. Its tasks run the SQL the benchmark hands it:
 * `markBatch` (a batch job: one set-based UPDATE of its ids) and `mark` (one job per record).
 *
 * Env: DATABASE_URL, BENCH_CONCURRENCY, BENCH_CHUNK_SQL, BENCH_RECORD_SQL. Prints `ready` once its
 * pool is connected, starts working when it reads `go` on stdin, stops on SIGTERM.
 */
'use strict';
const { run } = require('graphile-worker');
const { Pool } = require('pg');

async function main() {
  const concurrency = Number(process.env.BENCH_CONCURRENCY || 4);
  const pgPool = new Pool({ connectionString: process.env.DATABASE_URL, max: concurrency + 2 });
  pgPool.on('error', (err) => process.stderr.write(`graphile pool: ${err.message}\n`));
  pgPool.on('connect', (client) => client.on('error', (err) => process.stderr.write(`graphile connection: ${err.message}\n`)));
  await (await pgPool.connect()).release();
  const chunkSql = process.env.BENCH_CHUNK_SQL;
  const recordSql = process.env.BENCH_RECORD_SQL;
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && process.exit(1), 1000).unref();
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  // graphile-worker's documented high-throughput settings: a local queue fetching jobs in
  // batches, completions batched, one pool shared by `concurrency` jobs
  const runner = await run({
    pgPool,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList: {
      markBatch: async (payload, helpers) => void (await helpers.query(chunkSql, [payload.ids])),
      mark: async (payload, helpers) => void (await helpers.query(recordSql, [payload.id])),
    },
    preset: { worker: { localQueue: { size: Math.max(50, concurrency * 10) }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
  process.stdout.write('running\n');
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await runner.stop();
  await pgPool.end();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
