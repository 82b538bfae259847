/**
 * `npm start`: the whole local stack and the example app's trigger worker.
 * - Temporal server + UI (ports 7233 / 8233; history in .data/temporal/temporal.sqlite)
 * - database: DATABASE_URL, or the embedded PGlite in .data/pglite (port 55432), migrated
 * - the example app's triggers and scheduled actions (example/app.ts), registered as Schedules
 * - the trigger dashboard (port 8234, DASHBOARD_PORT), whose actions are allowed from this machine
 * Ctrl-C stops everything.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createTriggerClient, createTriggerWorker, runAfterWrite } from '../src';
import { fromLoopback, serveDashboard } from '../src/dashboard';
import { startDevStack } from '../src/devstack';
import { app, seed } from './app';
import { startLiveView } from './live-view';
import { createPrismaClient } from './prisma-client';

async function main(): Promise<void> {
  // on a terminal the live view redraws in place: keep the SDK's log to warnings and errors
  if (process.stdout.isTTY) Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = await startDevStack();
  const base = createPrismaClient(stack.databaseUrl);
  await seed(base);
  const nativeConnection = await NativeConnection.connect({ address: stack.temporal.address });
  const connection = await Connection.connect({ address: stack.temporal.address });
  const client = new Client({ connection });
  // Run after write: every ticket created through this client starts its Ticket.process run at once
  // (inside a run, for the run's actor).
  const prisma = base.$extends(runAfterWrite({ triggers: createTriggerClient({ client, app }), on: { Ticket: { process: ['create', 'createManyAndReturn'] } } }));
  // boot messages (bundling the workflow code takes a while) on stderr, one line each
  const logger = new DefaultLogger('INFO', (entry) => void process.stderr.write(`[worker] ${entry.message}\n`));
  const worker = await createTriggerWorker({ connection: nativeConnection, client, app, prisma, logger });
  const ui = stack.temporal.uiUrl ?? 'http://localhost:8233';
  // the trigger dashboard: a developer's own machine may act (pause, run now, retry …)
  const dashboard = await serveDashboard({ client, app, prisma: base, authorize: (req) => fromLoopback(req), temporalUiUrl: ui, port: Number(process.env.DASHBOARD_PORT ?? 8234), refreshMs: 2000 });
  process.stderr.write(
    `\nReady. The trigger dashboard is at ${dashboard.url}\n` +
      `Runs appear in the Temporal UI at ${ui}/namespaces/default/workflows\n` +
      `Filter them, e.g. the tickets whose every attempt failed: TriggerName = "Ticket.process" AND TriggerOutcome IN ("error-handled", "discard", "failure")\n` +
      `or one tenant's chunks of expired subscriptions: TriggerName = "Subscription.expire" AND TriggerKind = "chunk" AND TriggerTenant = "globex"\n` +
      `Ctrl-C stops everything.\n\n`,
  );
  // a compact live view; the worker's own log lines go to stderr
  const view = startLiveView(client, app);
  const stopping = (): void => void process.stderr.write('\nstopping…\n');
  process.once('SIGINT', stopping);
  process.once('SIGTERM', stopping);
  await worker.run(); // returns after Ctrl-C / SIGTERM (the Temporal runtime handles the signals)
  view.stop();
  await dashboard.close();
  await connection.close();
  await nativeConnection.close();
  await base.$disconnect();
  await stack.stop();
  process.stderr.write('stopped\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
