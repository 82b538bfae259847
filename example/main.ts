/**
 * `npm start`: the whole local stack and the example worker.
 * - Temporal server + UI (ports 7233 / 8233; history in .data/temporal/temporal.sqlite)
 * - database: DATABASE_URL, or the embedded PGlite in .data/pglite (port 55432), migrated
 * - a worker for the sample workflow, started every 10 s by a Temporal Schedule
 * Ctrl-C stops everything.
 */
import { Client, Connection, ScheduleAlreadyRunning } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevStack } from '../src/devstack/dev-stack';
import { createPrismaClient } from './prisma-client';
import { createSampleActivities } from './sample-activities';

async function main(): Promise<void> {
  const stack = await startDevStack();
  const prisma = createPrismaClient(stack.databaseUrl);
  const nativeConnection = await NativeConnection.connect({ address: stack.temporal.address });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const client = new Client({ connection });
  const taskQueue = 'example-sample';
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./sample-workflows'),
    activities: createSampleActivities(prisma),
  });
  try {
    await client.schedule.create({
      scheduleId: 'example-sample-every-10s',
      spec: { intervals: [{ every: '10s' }] },
      action: { type: 'startWorkflow', workflowType: 'sampleWorkflow', taskQueue, args: ['hello from the sample schedule'] },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  process.stderr.write(`\nReady. Open ${stack.temporal.uiUrl} to see the runs. Ctrl-C stops everything.\n\n`);
  await worker.run(); // returns after Ctrl-C / SIGTERM (the Temporal runtime handles the signals)
  await connection.close();
  await nativeConnection.close();
  await prisma.$disconnect();
  await stack.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
