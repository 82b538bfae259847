// Quickstart: define a trigger, run its worker, run its scheduler once and wait for every run.
// Run it against `npm start`'s stack:  DATABASE_URL=... TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx example/quickstart.ts
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createTriggerClient, createTriggerWorker, defineApp, defineResource, snooze } from '../src';
import { createPrismaClient, type PrismaClient } from './prisma-client';

export const Tickets = defineResource({
  model: 'Ticket',
  triggers: {
    triage: {
      where: { status: 'open', subject: { startsWith: 'quickstart' } }, // which records
      schedulerCron: '*/5 * * * *', // when the scheduler looks for them (false = on demand only)
      maxAttempts: 3, // retries, with exponential backoff between them
      action: async (ticket: { id: number; priority: number }, { tx }) => {
        if (ticket.priority < 0) snooze(60); // not now: try again in a minute, without using an attempt
        await tx.ticket.update({ where: { id: ticket.id }, data: { status: 'processed', processedAt: new Date() } });
      },
      onError: { update: { status: 'errored' } }, // after the last attempt
      workflowType: 'Quickstart.Ticket.triage', // stable names: renaming code never orphans a run
      schedulerWorkflowType: 'Quickstart.Ticket.triage.scheduler',
      queue: 'quickstart',
    },
  },
});

export const quickstartApp = defineApp({ name: 'quickstart', resources: [Tickets] });

export async function runQuickstart(deps: { client: Client; connection: NativeConnection; prisma: PrismaClient }) {
  const { client, connection, prisma } = deps;
  await prisma.ticket.createMany({ data: [{ subject: 'quickstart: printer' }, { subject: 'quickstart: vpn' }] });
  const worker = await createTriggerWorker({ connection, client, app: quickstartApp, prisma, registerSchedules: false });
  const triggers = createTriggerClient({ client, app: quickstartApp });
  return worker.runUntil(() => triggers.scheduleAndRunTriggers(quickstartApp, { drain: true }));
  // => { success: 3, failure: 0, ..., notDrained: [], byKind: { scheduler: { success: 1, ... }, record: { success: 2, ... }, ... },
  //      runs: [{ kind: 'scheduler', outcome: 'success', ... }, { kind: 'record', recordId: '1', outcome: 'success', ... }, ...] }
  //    (as in AshOban, the totals count the scheduler run too; byKind.record counts the two tickets)
}

if (require.main === module) {
  void (async () => {
    const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
    const prisma = createPrismaClient(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:55432/postgres');
    const connection = await NativeConnection.connect({ address });
    const client = new Client({ connection: await Connection.connect({ address }) });
    console.log(await runQuickstart({ client, connection, prisma }));
    await prisma.$disconnect();
    process.exit(0);
  })();
}
