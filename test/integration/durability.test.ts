/**
 * Runs survive restarts: a snoozed run (a durable timer) completes after its worker is replaced,
 * and after the Temporal server itself is stopped and started again on the same SQLite file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createTriggerClient, createTriggerWorker, defineApp, snooze, type RecordRunResult } from '../../src';
import { freePortBlock } from '../../src/devstack/ports';
import { startTemporalStack } from '../../src/devstack/temporal-server';
import { startEngine, testContext, uniqueName, uniqueResource } from '../helpers/engine';
import { eventually } from '../helpers/eventually';

let ctx: Awaited<ReturnType<typeof testContext>>;
const tag = uniqueName('dur');
const runs: Record<number, number> = {};
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    nap: {
      where: { status: 'open' },
      schedulerCron: false,
      action: async (t: { id: number }, c) => {
        runs[t.id] = (runs[t.id] ?? 0) + 1;
        if (runs[t.id] === 1) snooze(3);
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', attempts: c.attempt } });
      },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('durability');
});
after(async () => {
  await ctx?.close();
});

/** Waits until the run's snooze timer is in its history (durable from then on, whatever happens to workers or server). */
async function waitSnoozed(handle: { fetchHistory(): Promise<{ events?: { timerStartedEventAttributes?: unknown }[] | null }> }): Promise<void> {
  await eventually('the run to snooze', async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes));
}

test('a snoozed run completes after its worker is stopped and a new one starts', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'worker restart' } });
  const first = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
  const handle = await first.triggers.runTrigger(t, 'Ticket.nap');
  await waitSnoozed(handle);
  await first.stop();
  const second = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
  try {
    const result = (await handle.result()) as RecordRunResult;
    assert.deepEqual([result.outcome, result.attempts, result.snoozes], ['success', 1, 1]);
    assert.equal(runs[t.id], 2);
  } finally {
    await second.stop();
  }
});

test('a snoozed run completes after the Temporal server restarts on its persistent database', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-durable-'));
  const port = await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]);
  const startServer = () => startTemporalStack({ port, ui: false, persistent: true, dataDir });
  const t = await ctx.prisma.ticket.create({ data: { subject: 'server restart' } });

  let stack = await startServer();
  let connection = await Connection.connect({ address: stack.address });
  let native = await NativeConnection.connect({ address: stack.address });
  let client = new Client({ connection });
  let worker = await createTriggerWorker({ connection: native, client, app, prisma: ctx.prisma, registerSchedules: false, warn: () => {} });
  let running = worker.run();
  const handle = await createTriggerClient({ client, app }).runTrigger(t, 'Ticket.nap');
  await waitSnoozed(handle);
  worker.shutdown();
  await running;
  await native.close();
  await connection.close();
  await stack.stop();

  stack = await startServer();
  try {
    connection = await Connection.connect({ address: stack.address });
    native = await NativeConnection.connect({ address: stack.address });
    client = new Client({ connection });
    worker = await createTriggerWorker({ connection: native, client, app, prisma: ctx.prisma, registerSchedules: false, warn: () => {} });
    running = worker.run();
    const result = (await client.workflow.getHandle(handle.workflowId).result()) as RecordRunResult;
    assert.deepEqual([result.outcome, result.snoozes], ['success', 1]);
    assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
  } finally {
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
