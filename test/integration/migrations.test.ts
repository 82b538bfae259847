import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from 'pg';
import { migrate } from '../../src/db/migrate';
import { MigrationError } from '../../src/errors';
import { adminQuery, withDatabase } from '../helpers/db';
import { testEnv } from '../helpers/env';

const runId = process.env.PTT_TEST_RUN_ID ?? process.pid;
const dbs: string[] = [];

async function emptyDatabase(label: string): Promise<string> {
  const name = `ptt_${runId}_mig_${label}_${Math.random().toString(16).slice(2, 8)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  dbs.push(name);
  return withDatabase(testEnv.databaseUrl, name);
}

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-mig-'));
});
after(async () => {
  for (const d of dbs) await adminQuery(`DROP DATABASE IF EXISTS "${d}" WITH (FORCE)`);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('applying the project migrations twice changes nothing, and rows match what Prisma records', async () => {
  const url = await emptyDatabase('twice');
  const dir = path.resolve(__dirname, '../../prisma/migrations');
  const first = await migrate(url, dir);
  const all = fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory()).sort();
  assert.deepEqual(all, ['20261128000000_init', '20261202000000_ptt_run_commit', '20261206000000_ptt_run_commit_result']);
  assert.deepEqual(first.applied, all);
  const rowsBefore = await query<Record<string, unknown>>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
  const second = await migrate(url, dir);
  assert.deepEqual(second.applied, []);
  assert.deepEqual(second.alreadyApplied, all);
  const rowsAfter = await query<Record<string, unknown>>(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
  assert.deepEqual(rowsAfter, rowsBefore);

  const row = rowsAfter[0]!;
  const sql = fs.readFileSync(path.join(dir, '20261128000000_init', 'migration.sql'));
  assert.equal(row.checksum, createHash('sha256').update(sql).digest('hex'));
  assert.equal(row.applied_steps_count, 1);
  assert.ok(row.finished_at instanceof Date);
  assert.equal(row.rolled_back_at, null);
  assert.match(String(row.id), /^[0-9a-f-]{36}$/);
  const tables = await query<{ tablename: string }>(url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  assert.ok(tables.some((t) => t.tablename === 'Ticket'));
});

test('a failing migration is recorded as failed, rolled back, stops the run and blocks the next one', async () => {
  const url = await emptyDatabase('fail');
  const dir = path.join(tmp, 'migrations');
  const write = (name: string, sql: string): void => {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  };
  write('20260101000000_good', 'CREATE TABLE "Good" (id INT PRIMARY KEY);');
  write('20260102000000_bad', 'CREATE TABLE "Half" (id INT);\nINSERT INTO "Nope" VALUES (1);');
  write('20260103000000_later', 'CREATE TABLE "Later" (id INT);');

  await assert.rejects(migrate(url, dir), (err: unknown) => {
    assert.ok(err instanceof MigrationError);
    assert.equal(err.code, 'MIGRATION_FAILED');
    assert.equal(err.migrationName, '20260102000000_bad');
    assert.match(err.message, /Nope/);
    return true;
  });
  const rows = await query<{ migration_name: string; finished_at: Date | null; logs: string | null; applied_steps_count: number }>(
    url,
    'SELECT migration_name, finished_at, logs, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
  );
  assert.deepEqual(rows.map((r) => r.migration_name), ['20260101000000_good', '20260102000000_bad']);
  assert.ok(rows[0]!.finished_at);
  assert.equal(rows[1]!.finished_at, null);
  assert.equal(rows[1]!.applied_steps_count, 0);
  assert.match(rows[1]!.logs ?? '', /Nope/);
  const tables = (await query<{ tablename: string }>(url, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).map((t) => t.tablename);
  assert.ok(tables.includes('Good'));
  assert.ok(!tables.includes('Half'), 'the failed migration left nothing behind');
  assert.ok(!tables.includes('Later'), 'the run stopped at the failure');

  await assert.rejects(migrate(url, dir), (err: unknown) => err instanceof MigrationError && err.code === 'MIGRATION_BLOCKED' && /P3009/.test(err.message));
});
