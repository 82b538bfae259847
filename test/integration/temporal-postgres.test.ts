import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { DevStackError } from '../../src/errors';
import { freePortBlock } from '../../src/devstack/ports';
import { dropTemporalPostgresDatabases, isTemporalHealthy, startTemporalStack, type TemporalStack } from '../../src/devstack/temporal-server';
import { withDatabase } from '../helpers/db';
import { testEnv } from '../helpers/env';
import { eventually } from '../helpers/eventually';

const STACK_OFFSETS = [0, 1, 2, 6, 10, -300, -299, -298, -294];
// ptt_<harness pid>_...: the harness drops these when a killed run leaves them behind.
const runId = process.env.PTT_TEST_RUN_ID ?? String(process.pid);
const database = `ptt_${runId}_tpg`;
const visibilityDatabase = `ptt_${runId}_tpgvis`;
const workflowId = `ptt-pg-probe-${runId}`;

let stack: TemporalStack | undefined;

after(async () => {
  await stack?.stop();
  await dropTemporalPostgresDatabases(testEnv.databaseUrl, [database, visibilityDatabase]);
});

async function startPostgresStack(port: number, dataDir: string): Promise<TemporalStack> {
  return startTemporalStack({
    port,
    ui: false,
    dataDir,
    ignoreCli: true,
    persistence: { postgresUrl: testEnv.databaseUrl, database, visibilityDatabase },
  });
}

async function withClient<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection, namespace: 'default' }));
  } finally {
    await connection.close();
  }
}

async function schemaVersion(db: string): Promise<string | undefined> {
  const pg = new PgClient({ connectionString: withDatabase(testEnv.databaseUrl, db) });
  await pg.connect();
  try {
    const r = await pg.query<{ curr_version: string }>('SELECT curr_version FROM schema_version');
    return r.rows[0]?.curr_version;
  } finally {
    await pg.end();
  }
}

/** Visibility is written asynchronously: poll the list query until it lists something. */
async function listedIds(client: Client, query: string): Promise<string[]> {
  return eventually(`visibility to list ${query}`, async () => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    return ids.length ? ids : undefined;
  });
}

test('postgres persistence: schema set up, workflows run, history survives a restart on the same databases', async (t) => {
  const port = await freePortBlock(STACK_OFFSETS);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-tpg-'));
  const firstStart = Date.now();
  stack = await startPostgresStack(port, dataDir);
  t.diagnostic(`first start (databases created): ${Date.now() - firstStart} ms total, readyMs ${stack.readyMs}`);
  assert.equal(stack.mode, 'stock');
  assert.deepEqual(stack.postgresDatabases, { database, visibilityDatabase });
  assert.ok(await isTemporalHealthy(stack.address));
  assert.match((await schemaVersion(database)) ?? '', /^1\.\d+$/);
  assert.match((await schemaVersion(visibilityDatabase)) ?? '', /^1\.\d+$/);

  const runId1 = await withClient(stack.address, async (client) => {
    // No worker serves this type: the workflow stays running until we terminate it.
    const handle = await client.workflow.start('pttPgProbe', { workflowId, taskQueue: `ptt-pg-probe-${runId}` });
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    await handle.terminate('postgres persistence probe');
    assert.equal((await handle.describe()).status.name, 'TERMINATED');
    assert.deepEqual(await listedIds(client, `WorkflowId = '${workflowId}' AND ExecutionStatus = 'Terminated'`), [workflowId]);
    return handle.firstExecutionRunId;
  });
  await stack.stop();
  stack = undefined;

  const secondStart = Date.now();
  stack = await startPostgresStack(port, dataDir);
  t.diagnostic(`second start (existing schema): ${Date.now() - secondStart} ms total, readyMs ${stack.readyMs}`);
  await withClient(stack.address, async (client) => {
    const described = await client.workflow.getHandle(workflowId).describe();
    assert.equal(described.status.name, 'TERMINATED');
    assert.equal(described.runId, runId1);
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    assert.ok((history.events?.length ?? 0) >= 2);
    assert.deepEqual(await listedIds(client, `WorkflowId = '${workflowId}'`), [workflowId]);
  });
  await stack.stop();
  stack = undefined;
});

test('postgres persistence with a `temporal` CLI on PATH fails fast naming PTT_NO_TEMPORAL_CLI', async () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-fakecli-'));
  fs.writeFileSync(path.join(bin, 'temporal'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  const port = await freePortBlock(STACK_OFFSETS);
  await assert.rejects(
    startTemporalStack({ port, ui: false, dataDir: bin, pathEnv: bin, ignoreCli: false, persistence: { postgresUrl: testEnv.databaseUrl, database, visibilityDatabase } }),
    (err: unknown) => {
      assert.ok(err instanceof DevStackError);
      assert.equal(err.code, 'TEMPORAL_START_FAILED');
      assert.match(err.message, /PTT_NO_TEMPORAL_CLI=1/);
      assert.match(err.message, /persistence\.postgresUrl/);
      return true;
    },
  );
});
