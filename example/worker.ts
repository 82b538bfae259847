/**
 * One worker process of a multi-process deployment of the example app (docker-compose's `worker-*`
 * services; the README's "Deploying" section). Everything comes from the environment:
 * - `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`,
 *   `PTT_ENCRYPTION_KEYS`: the cluster (`connectFromEnv`);
 * - `DATABASE_URL`: the application's database;
 * - `PTT_TASK_QUEUES`: the queues this process serves, comma-separated (default: every queue);
 *   the others are served elsewhere (`require: false`);
 * - `PTT_REGISTER_SCHEDULES=0`: leave the Schedules to another process (exactly one should own them);
 * - `PTT_METRICS_PROMETHEUS=0.0.0.0:9464`: serve the SDK's and the library's metrics for Prometheus;
 * - `PTT_DEPLOYMENT=<name>` with `PTT_BUILD_ID=<id>`: run under Worker Versioning as that build
 *   (docs/production.md, rainbow deploys).
 * `tsx example/worker.ts --setup` migrates and seeds the database, then exits (the compose file's
 * one-off `setup` service).
 */
import path from 'node:path';
import { appTaskQueues, connectFromEnv, createTriggerClient, createTriggerWorker, installTelemetry, runAfterWrite } from '../src';
import { app, seed } from './app';
import { createPrismaClient } from './prisma-client';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`example/worker.ts: set ${name} (see the comment at the top of the file)`);
  return value;
}

async function setup(databaseUrl: string): Promise<void> {
  const { migrate } = await import('../src/devstack');
  const r = await migrate(databaseUrl, path.resolve(__dirname, '../prisma/migrations'), { log: (m) => process.stderr.write(`[setup] ${m}\n`) });
  const prisma = createPrismaClient(databaseUrl);
  await seed(prisma);
  await prisma.$disconnect();
  process.stderr.write(`[setup] ${r.applied.length} migrations applied, database seeded\n`);
}

async function main(): Promise<void> {
  const databaseUrl = required('DATABASE_URL');
  if (process.argv.includes('--setup')) return setup(databaseUrl);
  const queues = process.env.PTT_TASK_QUEUES?.split(',').map((q) => q.trim()).filter(Boolean);
  const unknown = queues?.filter((q) => !appTaskQueues(app).includes(q)) ?? [];
  if (unknown.length) throw new Error(`PTT_TASK_QUEUES: ${unknown.join(', ')} is not a queue of ${app.name} (its queues: ${appTaskQueues(app).join(', ')})`);
  if (process.env.PTT_METRICS_PROMETHEUS) installTelemetry({ prometheus: process.env.PTT_METRICS_PROMETHEUS });
  const temporal = await connectFromEnv({ worker: true });
  const base = createPrismaClient(databaseUrl);
  // as in npm start: tickets created through this client (the intake action) start their runs at once
  const prisma = base.$extends(runAfterWrite({ triggers: createTriggerClient({ client: temporal.client, app }), on: { Ticket: { process: ['create', 'createManyAndReturn'] } } }));
  const worker = await createTriggerWorker({
    connection: temporal.nativeConnection,
    client: temporal.client,
    namespace: temporal.namespace,
    app,
    prisma,
    ...(queues?.length ? { taskQueues: queues, require: false } : {}),
    registerSchedules: process.env.PTT_REGISTER_SCHEDULES !== '0',
    ...(process.env.PTT_DEPLOYMENT ? { deployment: { name: process.env.PTT_DEPLOYMENT, buildId: process.env.PTT_BUILD_ID ?? 'dev' } } : {}),
    workerOptions: temporal.dataConverter ? { dataConverter: temporal.dataConverter } : {},
  });
  process.stderr.write(`[worker] serving ${worker.taskQueues.join(', ')}${worker.schedules ? '; Schedules registered' : ''}\n`);
  await worker.run(); // until SIGINT / SIGTERM
  await base.$disconnect();
  await temporal.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
