import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createPrismaClient, type PrismaClient } from '../../example/prisma-client';
import { createSampleActivities } from '../../example/sample-activities';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { connectTestEnv, uniqueName } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let prisma: PrismaClient;

before(async () => {
  env = await connectTestEnv();
  db = await createTestDatabase('worker');
  prisma = createPrismaClient(db.url);
});
after(async () => {
  await prisma?.$disconnect();
  await db?.drop();
  await env?.teardown();
});

test('a real Worker runs a workflow whose activity writes and reads Postgres through Prisma', async () => {
  const taskQueue = uniqueName('sample');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../example/sample-workflows'),
    activities: createSampleActivities(prisma),
  });
  const result = await worker.runUntil(
    env.client.workflow.execute('sampleWorkflow', { taskQueue, workflowId: uniqueName('sample-wf'), args: ['hello from a workflow'] }),
  );
  assert.equal(result.total, 1);
  const row = await prisma.sampleRun.findUniqueOrThrow({ where: { id: result.id } });
  assert.equal(row.message, 'hello from a workflow');
});
