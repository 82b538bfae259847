/**
 * One database per test file, cloned from the migrated template that test/run.ts prepared
 * (`CREATE DATABASE ... TEMPLATE ...` takes milliseconds).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testEnv } from './env';

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(sql: string, url = testEnv.databaseUrl): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `ptt_${process.env.PTT_TEST_RUN_ID ?? process.pid}_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${testEnv.templateDb}"`);
  return {
    name,
    url: withDatabase(testEnv.databaseUrl, name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
