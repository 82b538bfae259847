import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { createPrismaClient } from '../../example/prisma-client';
import { migrate } from '../../src/db/migrate';
import { freePort } from '../../src/devstack/ports';
import { startEmbeddedPostgres } from '../../src/devstack/embedded-postgres';
import { createSampleActivities } from '../../example/sample-activities';
import { connectTestEnv, uniqueName } from '../helpers/temporal';

test('the embedded default (PGlite over pglite-socket) migrates and serves Prisma and a real Worker', async () => {
  const pg = await startEmbeddedPostgres({ dataDir: 'memory://', port: await freePort() });
  const env = await connectTestEnv();
  const prisma = createPrismaClient(pg.url, { max: 4 });
  try {
    const result = await migrate(pg.url, path.resolve(__dirname, '../../prisma/migrations'));
    assert.deepEqual(result.applied, ['20261128000000_init', '20261202000000_ptt_run_commit', '20261206000000_ptt_run_commit_result']);
    const taskQueue = uniqueName('pglite');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../example/sample-workflows'),
      activities: createSampleActivities(prisma),
    });
    const out = await worker.runUntil(env.client.workflow.execute('sampleWorkflow', { taskQueue, workflowId: uniqueName('pglite-wf'), args: ['on pglite'] }));
    assert.equal(out.total, 1);
    assert.equal((await prisma.sampleRun.findFirstOrThrow()).message, 'on pglite');
  } finally {
    await prisma.$disconnect();
    await env.teardown();
    await pg.stop();
  }
});

test('the embedded default keeps each connection\'s extended-protocol exchange whole under concurrency (no 26000 from another connection\'s Parse)', async () => {
  const pg = await startEmbeddedPostgres({ dataDir: 'memory://', port: await freePort() });
  const pool = new Pool({ connectionString: pg.url, max: 8 });
  try {
    // parameterized queries (Parse, Bind, Describe, Execute, Sync) from 8 connections at once,
    // each answering with its own value; and a transaction interleaved with them
    const rounds = await Promise.all(
      Array.from({ length: 8 }, (_, c) =>
        (async () => {
          const got: number[] = [];
          for (let i = 0; i < 40; i++) {
            // a statement text of its own per connection: a Parse from another connection in between would change what runs
            const { rows } = await pool.query<{ c: number; v: number }>(`SELECT ${c}::int AS c, $1::int + $2::int AS v`, [c * 1000, i]);
            assert.equal(rows[0]!.c, c, 'the statement this connection parsed');
            got.push(rows[0]!.v);
          }
          return got;
        })(),
      ),
    );
    rounds.forEach((got, c) => assert.deepEqual(got, Array.from({ length: 40 }, (_, i) => c * 1000 + i)));
  } finally {
    await pool.end();
    await pg.stop();
  }
});
