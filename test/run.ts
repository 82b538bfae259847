/**
 * The harness behind `npm test`:
 * 1. builds (or reuses) the Temporal binaries and starts one in-memory Temporal server + UI on
 *    free ports for the whole run;
 * 2. checks the test Postgres (TEST_DATABASE_URL, default 127.0.0.1:5432) and migrates a fresh
 *    template database that every test file clones;
 * 3. runs the test files with node's test runner, each file in its own process group under a hard
 *    deadline (test/harness/run-files.ts): a file that hangs is killed and reported, never waited for;
 * 4. tears everything down and ends with the line `N passed, N failed`, in every case.
 *
 * Usage: `npm test` (all), `npm test -- test/unit` (a folder or files).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../src/db/migrate';
import { freePortBlock } from '../src/devstack/ports';
import { ensureTemporalBinaries } from '../src/devstack/temporal-binaries';
import { startTemporalStack } from '../src/devstack/temporal-server';
import { workflowBundleFor } from '../src/worker/bundle';
import { replayApp } from './replay/app';
import { runTestFiles } from './harness/run-files';
import { withDatabase } from './helpers/db';
import { redactText, redactUrl } from '../src/redact';

const root = path.resolve(__dirname, '..');

function listTests(targets: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
    else if (p.endsWith('.test.ts')) out.push(p);
  };
  for (const t of targets) walk(path.resolve(root, t));
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const files = listTests(process.argv.slice(2).length ? process.argv.slice(2) : ['test']);
  const say = (line: string): void => void process.stdout.write(`[npm test] ${line}\n`);
  say(`${files.length} test files`);

  await ensureTemporalBinaries({ log: say });
  // One build of the shared workflow bundle for the whole run: every worker of every file reads it.
  bundleCacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-test-bundles-'));
  process.env.PTT_BUNDLE_CACHE_DIR = bundleCacheDir;
  const bundling = Date.now();
  await workflowBundleFor(replayApp);
  say(`shared workflow bundle built in ${((Date.now() - bundling) / 1000).toFixed(1)} s (PTT_BUNDLE_CACHE_DIR for every file)`);
  const base = await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294, 1000]);
  const temporal = await startTemporalStack({ port: base, uiPort: base + 1000, dataDir: path.join(root, '.data', 'test-temporal'), persistent: false });
  say(`Temporal ${temporal.mode} ready at ${temporal.address} in ${temporal.readyMs} ms; UI ${temporal.uiUrl}`);

  const givenUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  // A planted secret: every database URL of the run carries it as its password (trust auth
  // ignores it), and a file whose output shows it fails: no secret in any error or log line.
  const planted = await plantSecret(givenUrl);
  const dbUrl = planted?.url ?? givenUrl;
  say(planted ? 'a planted password rides in every database URL; any output that shows it fails its file' : 'TEST_DATABASE_URL has a password: no secret planted');
  const template = `ptt_${process.pid}_template`;
  const admin = new Client({ connectionString: dbUrl });
  try {
    await admin.connect();
  } catch (err) {
    await temporal.stop();
    throw new Error(`Cannot reach the test Postgres at ${redactUrl(dbUrl)} (set TEST_DATABASE_URL): ${redactText(String(err))}`);
  }
  // Leftovers of runs that were killed: databases are named ptt_<harness pid>_...
  const stale = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^ptt_[0-9]+_'`);
  for (const r of stale.rows) {
    const pid = Number(/^ptt_(\d+)_/.exec(r.datname)?.[1]);
    if (!isAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`).catch(() => {});
  }
  await admin.query(`CREATE DATABASE "${template}"`);
  const migrated = await migrate(withDatabase(dbUrl, template), path.join(root, 'prisma', 'migrations'));
  say(`template database ${template}: ${migrated.applied.length} migrations applied`);

  const deadline = fileDeadlineMs();
  say(`each file runs in its own process group, at most ${Math.round(deadline / 1000)} s (PTT_TEST_FILE_DEADLINE=<seconds>)`);
  const run = runTestFiles({
    files,
    concurrency: Number(process.env.PTT_TEST_CONCURRENCY ?? 2),
    deadlineMs: () => deadline,
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      PTT_TEST_UI_URL: temporal.uiUrl ?? '',
      TEST_DATABASE_URL: dbUrl,
      PTT_TEST_TEMPLATE_DB: template,
      PTT_TEST_RUN_ID: String(process.pid),
    },
    log: say,
    forbidden: planted ? [planted.secret] : [],
    onFileDone: (r) => process.stdout.write(`\n── ${r.file} ──\n${r.output}${r.output.endsWith('\n') ? '' : '\n'}`),
  });
  stopRun = run.abort;
  const results = await run.done;
  stopRun = undefined;

  await temporal.stop();
  fs.rmSync(bundleCacheDir, { recursive: true, force: true });
  await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => {});
  await admin.end();
  const failedFiles = results.filter((r) => r.failed > 0);
  if (failedFiles.length) {
    say(`failed files:`);
    for (const r of failedFiles) say(`  ${r.file}${r.problems.length ? `: ${r.problems.join('; ')}` : ''}`);
  }
  totals.passed = results.reduce((n, r) => n + r.passed, 0);
  totals.failed = results.reduce((n, r) => n + r.failed, 0) + (results.length < files.length ? files.length - results.length : 0);
  return totals.failed === 0 ? 0 : 1;
}

/**
 * The test database URL with a random password planted in it, when it has none and the server
 * does not ask for one (trust auth); undefined otherwise.
 */
async function plantSecret(url: string): Promise<{ url: string; secret: string } | undefined> {
  const u = new URL(url);
  if (u.password) return undefined;
  const secret = `pttPlanted${randomBytes(6).toString('hex')}`;
  u.password = secret;
  const probe = new Client({ connectionString: u.toString() });
  try {
    await probe.connect();
    return { url: u.toString(), secret };
  } catch {
    return undefined;
  } finally {
    await probe.end().catch(() => {});
  }
}

/** Hard deadline of one test file: PTT_TEST_FILE_DEADLINE seconds, default 20 minutes. */
function fileDeadlineMs(): number {
  const s = Number(process.env.PTT_TEST_FILE_DEADLINE ?? 1200);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`PTT_TEST_FILE_DEADLINE must be a positive number of seconds, got "${process.env.PTT_TEST_FILE_DEADLINE}"`);
  return s * 1000;
}

let bundleCacheDir = '';
const totals = { passed: 0, failed: 0 };
let stopRun: (() => void) | undefined;
let closingPrinted = false;
function printClosingLine(): void {
  if (closingPrinted) return;
  closingPrinted = true;
  process.stdout.write(`${totals.passed} passed, ${totals.failed} failed\n`);
}

// Interrupted (Ctrl-C, CI's own timeout): kill every running file, stop Temporal (the exit hook
// of the dev stack kills its processes), and still print the closing line.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    process.stderr.write(`[npm test] ${signal}: stopping the test files\n`);
    stopRun?.();
    if (bundleCacheDir) fs.rmSync(bundleCacheDir, { recursive: true, force: true });
    totals.failed = Math.max(1, totals.failed);
    setTimeout(() => {
      printClosingLine();
      process.exit(130);
    }, 6000).unref();
  });
}

main().then(
  (code) => {
    printClosingLine();
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`[npm test] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    totals.failed = Math.max(1, totals.failed);
    printClosingLine();
    process.exit(1);
  },
);
