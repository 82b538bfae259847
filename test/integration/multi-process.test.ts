/**
 * The multi-process deployment that docker-compose.yml describes, run for real (no Docker here):
 * the compose file's `setup` step and its two kinds of worker process (`example/worker.ts` with the
 * services' own PTT_TASK_QUEUES / PTT_REGISTER_SCHEDULES), each a separate Node process (a host of
 * its own but for the address) against a Temporal cluster of its own with PostgreSQL persistence
 * (as the compose file's `temporal` service) and a database of its own. Each process serves only
 * its queues, only one registers the Schedules, together they run the whole example app, and the
 * dashboard and the command line work against the cluster unchanged.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { parse } from 'yaml';
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { createTriggerClient } from '../../src';
import { serveDashboard } from '../../src/dashboard';
import { freePortBlock } from '../../src/devstack/ports';
import { dropTemporalPostgresDatabases, startTemporalStack, type TemporalStack } from '../../src/devstack/temporal-server';
import { desiredSchedules } from '../../src/worker/sync-schedules';
import { prepareNamespace } from '../../src/devstack';
import { app } from '../../example/app';
import { createPrismaClient, type PrismaClient } from '../../example/prisma-client';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { eventually } from '../helpers/eventually';
import { testEnv } from '../helpers/env';
import { uniqueName } from '../helpers/temporal';

const root = path.resolve(__dirname, '../..');
const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { environment?: Record<string, string>; command?: string[] }> };
const namespace = uniqueName('multi-process');
const exec = promisify(execFile);
// ptt_<harness pid>_...: the harness drops these when a killed run leaves them behind
const runId = process.env.PTT_TEST_RUN_ID ?? String(process.pid);
const temporalDbs = { database: `ptt_${runId}_mp`, visibilityDatabase: `ptt_${runId}_mpvis` };
let stack: TemporalStack | undefined;
let address = '';

interface Proc {
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}
const procs: Proc[] = [];
let db: TestDatabase;
let prisma: PrismaClient;
let connection: Connection;
let client: Client;

/** `example/worker.ts` as a compose service runs it, with the addresses of this machine. */
function startService(service: string, extraArgs: string[] = []): Proc {
  const env = { ...compose.services[service]?.environment };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'example/worker.ts'), ...extraArgs], {
    cwd: root,
    env: { ...process.env, ...env, DATABASE_URL: db.url, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (b: Buffer) => (proc.output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (proc.output += b.toString()));
  procs.push(proc);
  return proc;
}

before(async () => {
  db = await createTestDatabase('multiproc');
  prisma = createPrismaClient(db.url);
  // the cluster: the stock server on PostgreSQL (its own databases on the test Postgres)
  stack = await startTemporalStack({
    port: await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]),
    ui: false,
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-multiproc-')),
    ignoreCli: true,
    persistence: { postgresUrl: testEnv.databaseUrl, ...temporalDbs },
  });
  address = stack.address;
  await prepareNamespace(address, namespace);
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace });
});

after(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.all(procs.map((p) => p.exited));
  if (client) for await (const s of client.schedule.list()) await client.schedule.getHandle(s.scheduleId).delete();
  await connection?.close();
  await prisma?.$disconnect();
  await db?.drop();
  await stack?.stop();
  await dropTemporalPostgresDatabases(testEnv.databaseUrl, [temporalDbs.database, temporalDbs.visibilityDatabase]);
});

test('setup migrates and seeds; each worker serves only its queues; only worker-others registers the Schedules', async () => {
  const setup = startService('setup', ['--setup']);
  assert.equal(await setup.exited, 0, setup.output);
  assert.match(setup.output, /database seeded/);
  assert.equal(await prisma.subscription.count(), 240, 'the seed ran');

  const tickets = startService('worker-tickets');
  const others = startService('worker-others');
  await eventually('both workers to report what they serve', async () => (/\[worker\] serving/.test(tickets.output) && /\[worker\] serving/.test(others.output)) || undefined, { timeoutMs: 600_000 });
  assert.match(tickets.output, /\[worker\] serving ticket_process\n/);
  assert.match(others.output, /\[worker\] serving ticket_intake, subscription_expire, daily_report_generate; Schedules registered/);

  const ids: string[] = [];
  for await (const s of client.schedule.list()) ids.push(s.scheduleId);
  assert.deepEqual(ids.sort(), desiredSchedules(app).map((d) => d.scheduleId).sort());
});

test('together they run the whole app: each run lands on the process that serves its queue', async () => {
  const triggers = createTriggerClient({ client, app });
  const r = await triggers.scheduleAndRunTriggers(app, { drain: true });
  assert.equal(r.failure, 0, JSON.stringify(r));
  assert.equal(await prisma.subscription.count({ where: { active: true, expiresAt: { lt: new Date() } } }), 0, 'every expired subscription deactivated');
  // (the intake's Schedule may add tickets meanwhile: count the seeded ones)
  const seeded = { subject: { in: ['Welcome ticket', 'flaky sync', 'broken monitor'] } };
  assert.equal(await prisma.ticket.count({ where: { ...seeded, status: 'open' } }), 0, 'every seeded ticket handled');
  const [tickets, others] = [procs[1]!, procs[2]!];
  await eventually('each process to log its runs', async () => (/Ticket\.process record \S+: success/.test(tickets.output) && /Subscription\.expire chunk of \d+: success/.test(others.output)) || undefined);
  assert.doesNotMatch(tickets.output, /Subscription\.expire chunk/, 'the tickets worker never ran a chunk');
  assert.doesNotMatch(others.output, /Ticket\.process record/, 'the other worker never ran a ticket');
});

test('the dashboard and the command line work against the cluster unchanged', async () => {
  const dashboard = await serveDashboard({ client, app, prisma, port: 0 });
  try {
    const { definitions } = (await (await fetch(`${dashboard.url}api/definitions`)).json()) as { definitions: { id: string; state: string; outcomes24h: Record<string, number> }[] };
    assert.deepEqual(definitions.map((d) => d.id).sort(), [...app.triggers, ...app.scheduledActions].map((d) => d.id).sort());
    const tickets = definitions.find((d) => d.id === 'Ticket.process');
    assert.equal(tickets?.state, 'active', 'its Schedule, registered by worker-others');
    assert.ok((tickets?.outcomes24h.success ?? 0) > 0, 'the runs of the whole app, as the cluster lists them');
  } finally {
    await dashboard.close();
  }
  const status = await exec(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'status', path.join(root, 'example/app.ts'), '--json'], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace },
  });
  const rows = JSON.parse(status.stdout) as { id: string; state: string }[];
  assert.equal(rows.find((r) => r.id === 'Ticket.process')?.state, 'active');
});

test('SIGTERM stops each worker cleanly', async () => {
  for (const p of procs.slice(1)) p.child.kill('SIGTERM');
  const codes = await Promise.all(procs.slice(1).map((p) => p.exited));
  assert.deepEqual(codes, [0, 0], procs.map((p) => p.output.slice(-2000)).join('\n---\n'));
});
