/**
 * `npm start`: the whole local stack and the example app's trigger worker.
 * - Temporal server + UI (ports 7233 / 8233; history in .data/temporal/temporal.sqlite)
 * - database: DATABASE_URL, or the embedded PGlite in .data/pglite (port 55432), migrated
 * - the example app's triggers and scheduled actions (example/app.ts), registered as Schedules
 * Ctrl-C stops everything.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createTriggerWorker, startDevStack } from '../src';
import { app, seed } from './app';
import { createPrismaClient } from './prisma-client';

async function main(): Promise<void> {
  const stack = await startDevStack();
  const prisma = createPrismaClient(stack.databaseUrl);
  await seed(prisma);
  const nativeConnection = await NativeConnection.connect({ address: stack.temporal.address });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const client = new Client({ connection });
  const worker = await createTriggerWorker({ connection: nativeConnection, client, app, prisma });
  const s = worker.schedules;
  process.stderr.write(`[worker] schedules: ${s?.created.length} created, ${s?.updated.length} updated, ${s?.unchanged.length} unchanged, ${s?.deleted.length} removed\n`);
  for (const r of worker.nextRuns) process.stderr.write(`[worker] ${r.id} (${r.cron}): next run ${r.next?.toISOString() ?? 'never'}\n`);
  const ui = stack.temporal.uiUrl ?? 'http://localhost:8233';
  process.stderr.write(
    `\nReady. Runs appear in the Temporal UI at ${ui}/namespaces/default/workflows\n` +
      `Filter them, e.g. the tickets whose every attempt failed: TriggerName = "Ticket.process" AND TriggerOutcome IN ("error-handled", "discard", "failure")\n` +
      `Ctrl-C stops everything.\n\n`,
  );
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
