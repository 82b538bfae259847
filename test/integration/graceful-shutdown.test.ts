/**
 * Graceful shutdown with an action that ignores cancellation: the worker told to stop ends once
 * its grace time is over (the attempt is abandoned and its transaction's server process ended, so
 * it can never commit), and the run is retried by another worker: committed once, no attempt
 * lost. For local attempts (the default) and normal activity attempts, per record and per chunk.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineApp, type RecordRunResult } from '../../src';
import type { ChunkRunResult } from '../../workflows/types';
import { startEngine, testContext, uniqueName, uniqueResource } from '../helpers/engine';
import { eventually } from '../helpers/eventually';

let ctx: Awaited<ReturnType<typeof testContext>>;
const tag = uniqueName('stop');
/** Per record: calls so far. The first call of each record writes, then hangs, ignoring cancellation. */
const calls = new Map<number, number>();
const entered = new Set<number>();
async function hangFirstTime(t: { id: number }, tx: { ticket: { update(a: unknown): Promise<unknown> } }): Promise<void> {
  const n = (calls.get(t.id) ?? 0) + 1;
  calls.set(t.id, n);
  await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', attempts: { increment: 1 } } });
  if (n === 1) {
    entered.add(t.id);
    await new Promise(() => {}); // never ends, whatever the worker asks
  }
}
const base = (prefix: string) => ({ where: { status: 'open' as const, subject: { startsWith: prefix } }, schedulerCron: false as const, maxAttempts: 1 });
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    local: { ...base('stop local'), action: (t: { id: number }, c) => hangFirstTime(t, c.tx) },
    activity: { ...base('stop activity'), attemptsAs: 'activity', action: (t: { id: number }, c) => hangFirstTime(t, c.tx) },
    chunked: {
      ...base('stop chunk'),
      chunks: { size: 3 },
      chunkAction: async (records: { id: number }[], c) => {
        for (const r of records) await hangFirstTimeUnlessLast(r, c.tx, records);
      },
    },
  },
});
/** The chunk hangs on its last record's first call, after writing all of them. */
async function hangFirstTimeUnlessLast(r: { id: number }, tx: { ticket: { update(a: unknown): Promise<unknown> } }, records: { id: number }[]): Promise<void> {
  if (r !== records[records.length - 1]) return void (await tx.ticket.update({ where: { id: r.id }, data: { status: 'processed', attempts: { increment: 1 } } }));
  await hangFirstTime(r, tx);
}
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('shutdown');
});
after(async () => {
  await ctx?.close();
});

for (const trigger of ['local', 'activity'] as const) {
  test(`${trigger} attempts: a worker stopped while an action ignores cancellation ends after its grace time; another worker commits the record once`, async () => {
    const t = await ctx.prisma.ticket.create({ data: { subject: `stop ${trigger}` } });
    const first = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false, workerOptions: { shutdownGraceTime: '1 second' } });
    const stopping = await (async () => {
      try {
        const handle = await first.triggers.runTrigger(t, `Ticket.${trigger}`);
        await eventually('the action to hang', () => entered.has(t.id));
        return { handle, at: Date.now() };
      } finally {
        await first.stop();
      }
    })();
    const handle = stopping.handle;
    process.stdout.write(`# ${trigger}: the worker stopped ${Date.now() - stopping.at} ms after it was told to (grace time 1 s)\n`);
    assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).attempts, 0, 'the abandoned attempt did not commit');
    const second = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
    try {
      const result = (await handle.result()) as RecordRunResult;
      assert.deepEqual([result.outcome, result.attempts], ['success', 1], 'maxAttempts 1: the abandoned attempt cost no attempt');
      const row = await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } });
      assert.deepEqual([row.status, row.attempts], ['processed', 1], 'committed exactly once');
      assert.equal(calls.get(t.id), 2);
    } finally {
      await second.stop();
    }
  });
}

test('chunk attempts: the same for a chunk (local attempts): every record committed once, counted success', async () => {
  // one after the other: the chunk holds them in id order, and hangs on the last
  const rows = [];
  for (const i of [1, 2, 3]) rows.push(await ctx.prisma.ticket.create({ data: { subject: `stop chunk ${i}` } }));
  const first = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false, workerOptions: { shutdownGraceTime: '1 second' } });
  const last = rows[rows.length - 1]!;
  let tick;
  try {
    tick = await first.triggers.schedule('Ticket.chunked');
    await eventually('the chunk to hang', () => entered.has(last.id));
  } finally {
    await first.stop();
  }
  assert.equal(await ctx.prisma.ticket.count({ where: { id: { in: rows.map((r) => r.id) }, attempts: { gt: 0 } } }), 0, 'the abandoned attempt did not commit');
  const second = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
  try {
    await tick.result();
    const chunkRun = await eventually('the chunk run to be listed', async () => {
      for await (const wf of ctx.env.client.workflow.list({ query: `ParentWorkflowId = '${tick.workflowId}'` })) return wf.workflowId;
      return undefined;
    });
    const result = (await ctx.env.client.workflow.getHandle(chunkRun).result()) as ChunkRunResult;
    assert.deepEqual([result.outcome, result.attempts, result.chunk], ['success', 1, { success: 3, failure: 0, discard: 0, cancelled: 0, inFlight: 0 }]);
    const after = await ctx.prisma.ticket.findMany({ where: { id: { in: rows.map((r) => r.id) } } });
    assert.deepEqual(after.map((r) => r.attempts), [1, 1, 1], 'each record committed exactly once');
  } finally {
    await second.stop();
  }
});
