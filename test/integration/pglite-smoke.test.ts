import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
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
    assert.deepEqual(result.applied, ['20261128000000_init', '20261202000000_ptt_run_commit']);
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
