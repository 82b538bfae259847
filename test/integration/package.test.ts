/**
 * The package as a user gets it: `npm pack`, installed from the tarball into a fresh project
 * outside the repository with its own Prisma schema; `init` through the installed bin; the user's
 * triggers file compiled with `tsc --strict`; one trigger run end to end against the real Temporal
 * server (the worker bundles the installed package's workflows from node_modules); ESM import;
 * the main entry loads no development tooling.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { testContext } from '../helpers/engine';

const exec = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const version = (pkg: string): string => (JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
let ctx: Awaited<ReturnType<typeof testContext>>;
let work: string;
let project: string;
let env: NodeJS.ProcessEnv;

async function sh(cmd: string, args: string[], cwd = project): Promise<string> {
  try {
    const r = await exec(cmd, args, { cwd, env, maxBuffer: 64 * 2 ** 20 });
    return r.stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

before(async () => {
  ctx = await testContext('package');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-package-'));
  project = path.join(work, 'consumer');
  fs.mkdirSync(path.join(project, 'prisma'), { recursive: true });
  env = {
    ...process.env,
    TEMPORAL_ADDRESS: ctx.env.connection.options.address,
    DATABASE_URL: ctx.db.url,
    CHECKPOINT_DISABLE: '1',
    // offline: prisma generate only checks that a schema engine exists
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, 'scripts/no-schema-engine.cjs'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  for (const k of Object.keys(env)) if (k.startsWith('npm_package_') || k === 'npm_lifecycle_event' || k === 'npm_lifecycle_script') delete env[k];
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }, null, 2) + '\n');
  fs.writeFileSync(
    path.join(project, 'prisma/schema.prisma'),
    `generator client {\n  provider     = "prisma-client"\n  output       = "../generated/prisma"\n  moduleFormat = "cjs"\n}\n\ndatasource db {\n  provider = "postgresql"\n}\n\nmodel Invoice {\n  id     Int       @id @default(autoincrement())\n  status String    @default("open")\n  paidAt DateTime?\n\n  @@map("consumer_invoice")\n}\n`,
  );
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noUncheckedIndexedAccess: true, skipLibCheck: true, noEmit: true, types: ['node'] }, include: ['src', 'run-one.ts'] }, null, 2),
  );
  const pg = new PgClient({ connectionString: ctx.db.url });
  await pg.connect();
  await pg.query(`CREATE TABLE consumer_invoice (id serial PRIMARY KEY, status text NOT NULL DEFAULT 'open', "paidAt" timestamp(3))`);
  await pg.end();
});
after(async () => {
  await ctx?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('npm pack, install the tarball and its peers into a fresh project, generate its Prisma client', async () => {
  const packed = JSON.parse(await sh('npm', ['pack', '--json', '--pack-destination', work], root)) as { filename: string; files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/index.js') && files.includes('dist/src/index.d.ts') && files.includes('dist/workflows/index.js') && files.includes('dist/src/cli.js'), files.join(', '));
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no sources or tests in the package');
  const tarball = path.join(work, packed[0]!.filename);
  await sh('npm', [
    'install',
    '--prefer-offline',
    tarball,
    `@prisma/client@${version('@prisma/client')}`,
    `@prisma/adapter-pg@${version('@prisma/adapter-pg')}`,
    `prisma@${version('prisma')}`,
    `typescript@${version('typescript')}`,
    `tsx@${version('tsx')}`,
    `@types/node@${version('@types/node')}`,
  ]);
  await sh(path.join(project, 'node_modules/.bin/prisma'), ['generate']);
  assert.ok(fs.existsSync(path.join(project, 'generated/prisma/client.ts')));
});

test('the installed bin: --help exits 0, init writes the triggers for the model', async () => {
  const bin = path.join(project, 'node_modules/.bin/prisma-temporal-triggers');
  assert.match(await sh(bin, ['--help']), /usage: prisma-temporal-triggers <command>/);
  assert.match(await sh(bin, ['temporal:start', '--help']), /^usage: prisma-temporal-triggers temporal:start /);
  const out = await sh(bin, ['init', '--model', 'Invoice', '--no-search-attributes', '--json']);
  const r = JSON.parse(out) as { written: string[] };
  assert.ok(r.written.includes('src/triggers/invoice.triggers.ts'), out);
  // the user's edit: which invoices, and what to do with each
  const file = path.join(project, 'src/triggers/invoice.triggers.ts');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(
    file,
    text
      .replace('where: {},', "where: { status: 'open' },")
      .replace('// await tx.invoice.update(', "await tx.invoice.update({ where: { id: record.id }, data: { status: 'paid', paidAt: new Date() } });\n        // (was: ")
      .replace('action: async (record, { tx }) => {', 'action: async (record, { tx }) => {'),
  );
  // the bin loads a TypeScript app module through the project's tsx
  const described = await exec(bin, ['describe', 'src/triggers/app.ts'], { cwd: project, env });
  assert.match(described.stderr, /trigger Invoice\.process: cron false \(on demand\); queue invoice_process; workflowType Invoice\.process; scheduler Invoice\.process\.scheduler/);
});

test('the user project type-checks under --strict against the installed types', async () => {
  fs.writeFileSync(
    path.join(project, 'run-one.ts'),
    `import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { PrismaPg } from '@prisma/adapter-pg';
import { createTriggerClient, createTriggerWorker, type RecordRunResult } from 'prisma-temporal-triggers';
import { PrismaClient } from './generated/prisma/client';
import { app } from './src/triggers/app';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '';
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL ?? '' }) });
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const worker = await createTriggerWorker({ connection, client, app, prisma, registerSchedules: false, warn: () => {} });
  const invoice = await prisma.invoice.create({ data: {} });
  const result = await worker.runUntil(async () => {
    const run = await createTriggerClient({ client, app }).runTrigger(invoice, 'Invoice.process');
    return (await run.result()) as RecordRunResult;
  });
  const after = await prisma.invoice.findUniqueOrThrow({ where: { id: invoice.id } });
  process.stdout.write(JSON.stringify({ outcome: result.outcome, status: after.status }));
  await prisma.$disconnect();
  await clientConnection.close();
  await connection.close();
}
void main();
`,
  );
  await sh(path.join(project, 'node_modules/.bin/tsc'), ['-p', '.']);
});

test('one trigger runs end to end from the installed package (workflows bundled from node_modules)', async () => {
  const out = await sh(path.join(project, 'node_modules/.bin/tsx'), ['run-one.ts']);
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop() ?? '{}'), { outcome: 'success', status: 'paid' });
});

test('dev from the installed bin runs the worker with the project migrations applied; the CLI starts runs on the app module (JSON and text); Ctrl-C stops everything', async () => {
  const bin = path.join(project, 'node_modules/.bin/prisma-temporal-triggers');
  const port = (ctx.env.connection.options.address ?? '').split(':').pop()!;
  const devEnv = { ...env, TEMPORAL_PORT: port, TEMPORAL_REUSE_EXISTING: '1' };
  const dev = spawn(bin, ['dev'], { cwd: project, env: devEnv });
  let stderr = '';
  dev.stderr.on('data', (b: Buffer) => void (stderr += b.toString()));
  const seen = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(stderr)) {
      if (dev.exitCode !== null) throw new Error(`dev exited ${dev.exitCode} before ${pattern}: ${stderr}`);
      await new Promise((r) => dev.stderr.once('data', r));
    }
  };
  try {
    await seen(/\[db\] migrations: 1 applied/);
    await seen(/worker src\/triggers\/worker\.ts started/);
    const pg = new PgClient({ connectionString: ctx.db.url });
    await pg.connect();
    const { rows } = await pg.query<{ id: number }>(`INSERT INTO consumer_invoice DEFAULT VALUES RETURNING id`);
    await pg.end();
    const id = rows[0]!.id;
    const started = JSON.parse(await sh(bin, ['run', 'src/triggers/app.ts', 'Invoice.process', String(id), '--json'])) as { workflowId: string; alreadyRunning: boolean };
    assert.equal(started.alreadyRunning, false);
    assert.equal(((await ctx.env.client.workflow.getHandle(started.workflowId).result()) as { outcome: string }).outcome, 'success', "dev's worker ran it");
    assert.match(await sh(bin, ['run', 'src/triggers/app.ts', 'Invoice.process', String(id)]), new RegExp(`^Invoice\\.process: started Invoice\\.process/-/${id}`));
  } finally {
    const exited = new Promise<number | null>((resolve) => (dev.exitCode !== null ? resolve(dev.exitCode) : dev.once('exit', (code) => resolve(code))));
    dev.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
  }
  assert.match(stderr, /stopping…[\s\S]*stopped\n$/, 'it says when it is done');
});

test('ESM consumers can import it; the main entry loads no development tooling', async () => {
  const esm = await sh(process.execPath, ['--input-type=module', '-e', "import { defineApp, createTriggerWorker } from 'prisma-temporal-triggers'; import { createTriggerAssertions } from 'prisma-temporal-triggers/testing'; console.log(typeof defineApp, typeof createTriggerWorker, typeof createTriggerAssertions)"]);
  assert.equal(esm.trim(), 'function function function');
  const loaded = await sh(process.execPath, ['-e', "require('prisma-temporal-triggers'); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /devstack|[\\\\/]pg[\\\\/]|pglite|typescript/.test(k))))"]);
  assert.deepEqual(JSON.parse(loaded), []);
});
