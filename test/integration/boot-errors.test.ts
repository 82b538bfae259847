/**
 * Errors that tell the truth at boot: an unreachable database or Temporal server is named (host
 * and port, never credentials) within seconds, missing tables say to run the migrations, and
 * `migrate()` says where it could not connect.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createPrismaClient } from '../../example/prisma-client';
import { bootTriggers, defineApp, defineResource, TriggerError } from '../../src';
import { migrate } from '../../src/db/migrate';
import { freePortBlock } from '../../src/devstack/ports';
import { adminQuery, withDatabase } from '../helpers/db';
import { testContext, uniqueName } from '../helpers/engine';
import { testEnv } from '../helpers/env';

const SECRET = 'Pl4nted-b00t-secret';
let ctx: Awaited<ReturnType<typeof testContext>>;
let closedPort: number;
const app = (commitMarkers?: false | { table: string }) =>
  defineApp({
    name: uniqueName('booterr'),
    ...(commitMarkers !== undefined ? { commitMarkers } : {}),
    resources: [defineResource({ model: 'Ticket', triggers: { process: { schedulerCron: false, action: { update: { status: 'processed' } }, workflowType: uniqueName('be'), schedulerWorkflowType: uniqueName('be') } } })],
  });

before(async () => {
  ctx = await testContext('booterrors');
  closedPort = await freePortBlock([0]);
});
after(async () => {
  await ctx?.close();
});

const isError = (code: string, check: (message: string) => void) => (err: unknown): boolean => {
  assert.ok(err instanceof TriggerError, String(err));
  assert.equal(err.code, code, err.message);
  assert.ok(!err.message.includes(SECRET), `no secret in: ${err.message}`);
  check(err.message);
  return true;
};

test('an unreachable database at boot is DATABASE_UNAVAILABLE naming host and port, without credentials, within seconds', async () => {
  const prisma = createPrismaClient(`postgresql://app:${SECRET}@127.0.0.1:${closedPort}/app?password=${SECRET}`);
  const started = Date.now();
  try {
    await assert.rejects(
      bootTriggers({ client: ctx.env.client, app: app(), prisma, registerSchedules: false, warn: () => {} }),
      isError('DATABASE_UNAVAILABLE', (m) => assert.match(m, new RegExp(`Cannot reach the database at 127\\.0\\.0\\.1:${closedPort}`))),
    );
    assert.ok(Date.now() - started < 30_000);
  } finally {
    await prisma.$disconnect();
  }
});

test('a database that does not exist on a running server is DATABASE_MISSING saying to create it, at boot and for migrate(), without credentials', async () => {
  const url = new URL(ctx.db.url);
  const name = `ptt_no_such_db_${process.pid}`;
  url.pathname = `/${name}`;
  url.password = SECRET;
  const prisma = createPrismaClient(url.toString());
  try {
    await assert.rejects(
      bootTriggers({ client: ctx.env.client, app: app(), prisma, registerSchedules: false, warn: () => {} }),
      isError('DATABASE_MISSING', (m) => assert.match(m, new RegExp(`the database "${name}" does not exist on it: create it \\(\`createdb ${name}\``))),
    );
  } finally {
    await prisma.$disconnect();
  }
  await assert.rejects(
    migrate(url.toString(), path.resolve(__dirname, '../../prisma/migrations')),
    isError('DATABASE_MISSING', (m) => assert.match(m, new RegExp(`answered, but the database "${name}" does not exist on it: create it`))),
  );
});

test('a database without the tables says to run the migrations; so does a missing commit-marker table', async () => {
  // an empty database: no migrations applied
  const name = `ptt_${process.env.PTT_TEST_RUN_ID ?? process.pid}_empty_${Date.now() % 100000}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const empty = { url: withDatabase(testEnv.databaseUrl, name), drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
  const prisma = createPrismaClient(empty.url);
  try {
    await assert.rejects(
      bootTriggers({ client: ctx.env.client, app: app(), prisma, registerSchedules: false, warn: () => {} }),
      isError('SCHEMA_MISSING', (m) => assert.match(m, /The table of Ticket \("Ticket"\) does not exist in the database: run your migrations/)),
    );
  } finally {
    await prisma.$disconnect();
    await empty.drop();
  }
  await assert.rejects(
    bootTriggers({ client: ctx.env.client, app: app({ table: 'no_such_markers' }), prisma: ctx.prisma, registerSchedules: false, warn: () => {} }),
    isError('SCHEMA_MISSING', (m) => {
      assert.match(m, /commit-marker table "no_such_markers" does not exist/);
      assert.match(m, /PttRunCommit model/);
      assert.match(m, /commitMarkers: false/);
    }),
  );
  await bootTriggers({ client: ctx.env.client, app: app(false), prisma: ctx.prisma, registerSchedules: false, warn: () => {} });
});

test('an unreachable Temporal is TEMPORAL_UNAVAILABLE naming the address and how to start one, within seconds', async () => {
  const connection = Connection.lazy({ address: `127.0.0.1:${closedPort}` });
  const client = new Client({ connection });
  const started = Date.now();
  try {
    await assert.rejects(
      bootTriggers({ client, app: app(), prisma: ctx.prisma, registerSchedules: false, warn: () => {} }),
      isError('TEMPORAL_UNAVAILABLE', (m) => {
        assert.match(m, new RegExp(`Cannot reach Temporal at 127\\.0\\.0\\.1:${closedPort}`));
        assert.match(m, /npm start|temporal server start-dev|docker compose up/);
      }),
    );
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  } finally {
    await connection.close();
  }
});

test('migrate() against an unreachable database names where, without credentials', async () => {
  await assert.rejects(
    migrate(`postgresql://app:${SECRET}@127.0.0.1:${closedPort}/app?password=${SECRET}`, path.resolve(__dirname, '../../prisma/migrations')),
    isError('DATABASE_UNAVAILABLE', (m) => assert.match(m, new RegExp(`Cannot reach the database at 127\\.0\\.0\\.1:${closedPort}/app to migrate it`))),
  );
});

