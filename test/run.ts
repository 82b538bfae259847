/**
 * The harness behind `npm test`:
 * 1. builds (or reuses) the Temporal binaries and starts one in-memory Temporal server + UI on
 *    free ports for the whole run;
 * 2. checks the test Postgres (TEST_DATABASE_URL, default 127.0.0.1:5432) and migrates a fresh
 *    template database that every test file clones;
 * 3. runs the test files with node's test runner;
 * 4. tears everything down and ends with the line `N passed, N failed`.
 *
 * Usage: `npm test` (all), `npm test -- test/unit` (a folder or files).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../src/db/migrate';
import { freePortBlock } from '../src/devstack/ports';
import { ensureTemporalBinaries } from '../src/devstack/temporal-binaries';
import { startTemporalStack } from '../src/devstack/temporal-server';
import { withDatabase } from './helpers/db';

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
  const base = await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294, 1000]);
  const temporal = await startTemporalStack({ port: base, uiPort: base + 1000, dataDir: path.join(root, '.data', 'test-temporal'), persistent: false });
  say(`Temporal ${temporal.mode} ready at ${temporal.address} in ${temporal.readyMs} ms; UI ${temporal.uiUrl}`);

  const dbUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const template = `ptt_${process.pid}_template`;
  const admin = new Client({ connectionString: dbUrl });
  try {
    await admin.connect();
  } catch (err) {
    await temporal.stop();
    throw new Error(`Cannot reach the test Postgres at ${dbUrl} (set TEST_DATABASE_URL): ${String(err)}`);
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

  let passed = 0;
  let failed = 0;
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=600000', ...files],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: temporal.address,
          PTT_TEST_UI_URL: temporal.uiUrl ?? '',
          TEST_DATABASE_URL: dbUrl,
          PTT_TEST_TEMPLATE_DB: template,
          PTT_TEST_RUN_ID: String(process.pid),
        },
      },
    );
    child.stdout.on('data', (buf: Buffer) => {
      process.stdout.write(buf);
      for (const line of buf.toString('utf8').split('\n')) {
        const m = /^ℹ (pass|fail) (\d+)/.exec(line.trim());
        if (m?.[1] === 'pass') passed = Number(m[2]);
        if (m?.[1] === 'fail') failed = Number(m[2]);
      }
    });
    child.on('close', (c) => resolve(c ?? 1));
  });

  await temporal.stop();
  await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => {});
  await admin.end();
  if (code !== 0 && failed === 0) failed = 1;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[npm test] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  },
);
