import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createPrismaClient, type PrismaClient } from '../../example/prisma-client';
import { createSampleActivities } from '../../example/sample-activities';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { eventually } from '../helpers/eventually';
import { connectTestEnv, uniqueName } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let prisma: PrismaClient;

before(async () => {
  env = await connectTestEnv();
  db = await createTestDatabase('schedule');
  prisma = createPrismaClient(db.url);
});
after(async () => {
  await prisma?.$disconnect();
  await db?.drop();
  await env?.teardown();
});

test('a Temporal Schedule created through the client starts its workflow', async () => {
  const taskQueue = uniqueName('schedule');
  const scheduleId = uniqueName('sched');
  const handle = await env.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '2s' }] },
    action: { type: 'startWorkflow', workflowType: 'sampleWorkflow', taskQueue, args: ['from a schedule'] },
  });
  try {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../example/sample-workflows'),
      activities: createSampleActivities(prisma),
    });
    await worker.runUntil(eventually('the scheduled workflow to write its row', async () => (await prisma.sampleRun.count({ where: { message: 'from a schedule' } })) > 0));
    assert.ok((await prisma.sampleRun.count({ where: { message: 'from a schedule' } })) >= 1, 'the scheduled workflow wrote its row');
    const desc = await handle.describe();
    assert.ok(desc.info.recentActions.length >= 1, 'the schedule records the action it took');
    const started = desc.info.recentActions[0]?.action;
    assert.equal(started?.type, 'startWorkflow');
    const run = env.client.workflow.getHandle(started!.workflow.workflowId);
    assert.equal((await run.describe()).type, 'sampleWorkflow');
  } finally {
    await handle.delete();
  }
});
