/**
 * `init` (the installer): on a project with a Prisma schema it writes a triggers file with stable
 * names, the app, the worker entry, the commit-marker model and package scripts, registers the
 * search attributes; the files type-check under --strict and the trigger runs end to end; a second
 * run changes nothing; a second model joins the app; a hand-edited app is left alone.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { App } from '../../src';
import { startEngine, testContext, uniqueName, type Engine } from '../helpers/engine';

const root = path.resolve(__dirname, '../..');
let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine | undefined;
// inside the repository so the project finds the repository's node_modules (Temporal, Prisma)
const project = path.join(root, '.data', uniqueName('init-project'));

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'init', '--cwd', project, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: ctx.env.connection.options.address ?? '' },
  });
}
const json = (r: ReturnType<typeof cli>): { files: { file: string; action: string; note?: string }[]; written: string[]; searchAttributes: string; missing: unknown } => {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};
const snapshot = (): Record<string, { text: string; mtimeMs: number }> =>
  Object.fromEntries(
    ['package.json', 'prisma/schema.prisma', ...fs.readdirSync(path.join(project, 'prisma/migrations')).map((m) => `prisma/migrations/${m}/migration.sql`), ...fs.readdirSync(path.join(project, 'src/triggers')).map((f) => `src/triggers/${f}`)].map((f) => {
      const abs = path.join(project, f);
      return [f, { text: fs.readFileSync(abs, 'utf8'), mtimeMs: fs.statSync(abs).mtimeMs }];
    }),
  );

before(async () => {
  ctx = await testContext('init');
  fs.mkdirSync(path.join(project, 'prisma'), { recursive: true });
  // the library as the project would import it, served from this checkout's sources (the packed
  // package is tested by package.test.ts)
  const lib = path.join(project, 'node_modules', 'prisma-temporal-triggers');
  fs.mkdirSync(lib, { recursive: true });
  fs.writeFileSync(path.join(lib, 'package.json'), JSON.stringify({ name: 'prisma-temporal-triggers', main: 'index.ts', types: 'index.ts' }));
  fs.writeFileSync(path.join(lib, 'index.ts'), `export * from '${path.relative(lib, path.join(root, 'src/index')).split(path.sep).join('/')}';\n`);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'acme-helpdesk', private: true, scripts: { build: 'tsc' } }, null, 2) + '\n');
  // the repository's schema without the commit-marker model, generating into the repository's client
  const schema = fs.readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8');
  const withoutMarkers = schema.slice(0, schema.indexOf("/// prisma-temporal-triggers' commit markers"));
  const output = path.relative(path.join(project, 'prisma'), path.join(root, 'generated/prisma'));
  fs.writeFileSync(path.join(project, 'prisma/schema.prisma'), withoutMarkers.replace('output       = "../generated/prisma"', `output       = "${output}"`));
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
  fs.rmSync(project, { recursive: true, force: true });
});

test('an unknown model is refused, naming the closest one and the models there are', () => {
  const r = cli('--model', 'Tickt');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /has no model "Tickt" \(did you mean "Ticket"\?\); its models: Ticket, Organisation, Subscription, DailyReport, SampleRun/);
  assert.equal(fs.existsSync(path.join(project, 'src')), false, 'nothing written');
});

test('init writes the triggers, app, worker, commit-marker model and scripts, and registers the search attributes', async () => {
  const r = json(cli('--model', 'Ticket', '--json'));
  const migration = r.written.find((f) => /^prisma\/migrations\/\d{14}_ptt_run_commit\/migration\.sql$/.test(f));
  assert.ok(migration, `a migration creating the commit-marker table: ${r.written.join(', ')}`);
  assert.deepEqual(r.written.filter((f) => f !== migration).sort(), ['package.json', 'prisma/schema.prisma', 'src/triggers/app.ts', 'src/triggers/prisma.ts', 'src/triggers/ticket.triggers.ts', 'src/triggers/worker.ts']);
  assert.match(fs.readFileSync(path.join(project, migration), 'utf8'), /CREATE TABLE IF NOT EXISTS "ptt_run_commit"/);
  assert.deepEqual(r.missing, { dependencies: ['@prisma/client', '@prisma/adapter-pg', 'pg'], devDependencies: ['tsx', 'prisma'], install: 'npm install @prisma/client @prisma/adapter-pg pg && npm install --save-dev tsx prisma' });
  assert.match(fs.readFileSync(path.join(project, 'src/triggers/app.ts'), 'utf8'), /export \{ prisma \} from '\.\/prisma';/, 'the app module exports prisma, as the commands need');
  assert.equal(r.searchAttributes, 'registered');
  const attributes = await ctx.env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  assert.ok(['TriggerName', 'TriggerOutcome', 'TriggerTenant', 'TriggerTags'].every((k) => k in (attributes.customAttributes ?? {})));
  const pkg = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.scripts, { build: 'tsc', 'triggers:dev': 'prisma-temporal-triggers dev --worker src/triggers/worker.ts', 'triggers:worker': 'tsx src/triggers/worker.ts', 'triggers:describe': 'prisma-temporal-triggers describe src/triggers/app.ts' });
  assert.match(fs.readFileSync(path.join(project, 'prisma/schema.prisma'), 'utf8'), /model PttRunCommit \{[\s\S]*@@map\("ptt_run_commit"\)/);
  const triggers = fs.readFileSync(path.join(project, 'src/triggers/ticket.triggers.ts'), 'utf8');
  assert.match(triggers, /workflowType: 'Ticket\.process',\n\s+schedulerWorkflowType: 'Ticket\.process\.scheduler',/);
  const check = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'set-default-names', '--check', path.join(project, 'src/triggers/ticket.triggers.ts')], { encoding: 'utf8' });
  assert.equal(check.status, 0, `every stable name is filled in: ${check.stderr}`);
});

test('the written files type-check with --strict and the trigger runs end to end', async () => {
  const tsc = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', 'src/triggers/app.ts', 'src/triggers/prisma.ts', 'src/triggers/worker.ts'],
    { cwd: project, encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the file init wrote
  const { app } = require(path.join(project, 'src/triggers/app.ts')) as { app: App };
  assert.equal(app.name, 'acme-helpdesk');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
  const ticket = await ctx.prisma.ticket.create({ data: { subject: 'from init' } });
  const run = await engine.triggers.runTrigger(ticket, 'Ticket.process');
  assert.equal((await run.result()).outcome, 'success');
});

test('a second run changes nothing', () => {
  const before = snapshot();
  const r = json(cli('--model', 'Ticket', '--json'));
  assert.deepEqual(r.written, []);
  assert.ok(r.files.every((f) => f.action === 'keep'), JSON.stringify(r.files));
  assert.deepEqual(snapshot(), before, 'same bytes, same modification times');
  const plain = cli('--model', 'Ticket', '--no-search-attributes');
  assert.match(plain.stderr, /nothing to change/);
});

test('a second model joins the app; an app edited by hand is left alone and reported', () => {
  json(cli('--model', 'Organisation', '--json', '--no-search-attributes'));
  const appText = fs.readFileSync(path.join(project, 'src/triggers/app.ts'), 'utf8');
  assert.match(appText, /resources: \[OrganisationTriggers, TicketTriggers\]/);
  fs.writeFileSync(path.join(project, 'src/triggers/app.ts'), appText.split('\n').slice(1).join('\n'));
  const r = json(cli('--model', 'Subscription', '--json', '--no-search-attributes'));
  const appPlan = r.files.find((f) => f.file === 'src/triggers/app.ts');
  assert.equal(appPlan?.action, 'keep');
  assert.match(appPlan?.note ?? '', /edited by hand/);
  assert.ok(r.written.includes('src/triggers/subscription.triggers.ts'));
});

test('dev: reuses the running Temporal, applies the project migrations offline, runs the worker (which processes a run started by the CLI), restarts it on a change, and Ctrl-C stops everything', async () => {
  await engine?.stop(); // only dev's worker may serve the app's queues now
  engine = undefined;
  const port = (ctx.env.connection.options.address ?? '').split(':').pop()!;
  const env = { ...process.env, DATABASE_URL: ctx.db.url, TEMPORAL_PORT: port, TEMPORAL_REUSE_EXISTING: '1' };
  const dev = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'dev', '--cwd', project], { cwd: root, env });
  let stderr = '';
  const seen = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(stderr)) {
          dev.stderr.off('data', check);
          resolve();
        }
      };
      dev.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        check();
      });
      dev.once('exit', (code) => reject(new Error(`dev exited ${code} before ${pattern}: ${stderr}`)));
      check();
    });
  dev.stderr.on('data', () => {});
  try {
    await seen(/\[db\] migrations: 1 applied/);
    await seen(/\[dev\] Temporal UI .* · Temporal 127\.0\.0\.1:\d+ · database/);
    await seen(/worker src\/triggers\/worker\.ts started \(pid \d+\)/);
    const ticket = await ctx.prisma.ticket.create({ data: { subject: 'through dev' } });
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'run', path.join(project, 'src/triggers/app.ts'), 'Ticket.process', String(ticket.id), '--json'], { cwd: root, env: { ...env, TEMPORAL_ADDRESS: ctx.env.connection.options.address ?? '' }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const started = JSON.parse(run.stdout) as { workflowId: string };
    assert.equal(((await ctx.env.client.workflow.getHandle(started.workflowId).result()) as { outcome: string }).outcome, 'success', "dev's worker ran it");
    const file = path.join(project, 'src/triggers/ticket.triggers.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8') + '\n');
    await seen(/src\/triggers\/ticket\.triggers\.ts changed: restarting the worker[\s\S]*worker src\/triggers\/worker\.ts started/);
  } finally {
    const exited = new Promise<number | null>((resolve) => (dev.exitCode !== null ? resolve(dev.exitCode) : dev.once('exit', (code) => resolve(code))));
    dev.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
  }
  assert.match(stderr, /stopping…[\s\S]*stopped\n$/, 'it says when it is done');
});
