/**
 * Actors (AshOban's actor_persister and default_actor): only the persisted form travels with a
 * run; the actor reaches every place user code runs; stored actor, then defaultActor, then null;
 * a failing lookup fails the attempt with a clear error; cron-like ticks run as the default actor.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { defineApp, type ActorPersister, type RecordRunResult, type SchedulerResult } from '../../src';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';
import { childrenOf } from '../helpers/runs';

interface User {
  id: string;
  name: string;
  token?: string;
}

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('act');
const seen: { where: string; actor: unknown; tenant?: unknown }[] = [];
let lookupFails = false;

const users: ActorPersister<User> = {
  store: (u) => ({ userId: u.id }),
  lookup: async (stored) => {
    if (lookupFails) throw new Error('user directory unreachable');
    if (stored === null) return null;
    const id = (stored as { userId: string }).userId;
    return id === 'ghost' ? null : { id, name: `User ${id}` };
  },
};

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    audited: {
      where: ({ actor }) => {
        seen.push({ where: 'where', actor });
        return { status: 'open', subject: { startsWith: 'audit' } };
      },
      schedulerCron: false,
      defaultActor: { id: 'system', name: 'System' },
      readMetadata: (_t: { id: number }, { actor }) => ({ readBy: (actor as User | null)?.id ?? null }),
      extraArgs: (_t: { id: number }, { actor }) => ({ extraBy: (actor as User | null)?.id ?? null }),
      action: async (t: { id: number }, c) => {
        seen.push({ where: 'action', actor: c.actor });
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', lastError: JSON.stringify({ actor: c.actor, metadata: c.metadata, extraArgs: c.extraArgs }) } });
      },
    },
    noDefault: {
      where: { status: 'open', subject: { startsWith: 'nodefault' } },
      schedulerCron: false,
      action: async (t: { id: number }, c) => {
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed', lastError: JSON.stringify(c.actor) } });
      },
    },
  },
  scheduledActions: {
    report: {
      cron: '@yearly',
      defaultActor: { id: 'reporter', name: 'Reporter' },
      action: async (c) => {
        seen.push({ where: 'scheduled', actor: c.actor });
      },
    },
  },
});
const app = defineApp({ name: tag, actorPersister: users as ActorPersister, resources: [Ticket] });

before(async () => {
  ctx = await testContext('actors');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

const stateOf = async (id: number) => JSON.parse((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id } })).lastError ?? 'null') as Record<string, unknown>;

test('an actor given to runTrigger is stored persisted (never raw) and reaches the action, where, readMetadata and extraArgs', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'audit: by alice' } });
  seen.length = 0;
  const handle = await engine.triggers.runTrigger(t, 'Ticket.audited', { actor: { id: 'alice', name: 'Alice', token: 'SECRET-TOKEN' } });
  assert.equal(((await handle.result()) as RecordRunResult).outcome, 'success');
  const state = await stateOf(t.id);
  assert.deepEqual(state.actor, { id: 'alice', name: 'User alice' }, 'the action got the looked-up actor');
  assert.deepEqual(state.metadata, { readBy: 'alice' });
  assert.deepEqual(state.extraArgs, { extraBy: 'alice' });
  assert.deepEqual(seen.find((s) => s.where === 'where')?.actor, { id: 'alice', name: 'User alice' }, 'the re-read where saw the actor');
  const history = JSON.stringify(await handle.fetchHistory());
  assert.ok(!history.includes('SECRET-TOKEN'), 'the raw actor is nowhere in the history');
});

test('a tick without an actor runs as the defaultActor and passes it on; a persister returning null falls back to it', async () => {
  const a = await ctx.prisma.ticket.create({ data: { subject: 'audit: by the scheduler' } });
  seen.length = 0;
  const scheduler = await engine.triggers.schedule('Ticket.audited');
  const stats = (await scheduler.result()) as SchedulerResult;
  assert.equal(stats.started, 1);
  const [child] = await childrenOf(ctx.env.client, scheduler.workflowId, 1);
  await ctx.env.client.workflow.getHandle(child!).result();
  assert.deepEqual((await stateOf(a.id)).actor, { id: 'system', name: 'User system' }, 'the default actor, persisted and looked up');
  assert.deepEqual(seen.find((s) => s.where === 'where')?.actor, { id: 'system', name: 'System' }, "the scheduler's where ran as the default actor (lookup(null) gave null)");

  const b = await ctx.prisma.ticket.create({ data: { subject: 'audit: by a ghost' } });
  await (await engine.triggers.runTrigger(b, 'Ticket.audited', { actor: { id: 'ghost', name: 'Gone' } })).result();
  assert.deepEqual((await stateOf(b.id)).actor, { id: 'system', name: 'System' }, 'lookup gave null: the default actor');

  const c = await ctx.prisma.ticket.create({ data: { subject: 'nodefault: nobody' } });
  await (await engine.triggers.runTrigger(c, 'Ticket.noDefault')).result();
  assert.equal(await stateOf(c.id), null, 'no actor and no default: null');
});

test('a failing lookup fails the attempt with an error that says so', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'audit: lookup breaks' } });
  lookupFails = true;
  try {
    const handle = await engine.triggers.runTrigger(t, 'Ticket.audited', { actor: { id: 'bob', name: 'Bob' } });
    await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && /actorPersister\.lookup failed for the run's actor: user directory unreachable/.test(String((err.cause as Error)?.message)));
  } finally {
    lookupFails = false;
  }
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'open');
});

test('scheduled actions get the actor too: the default, or the one given to schedule()', async () => {
  seen.length = 0;
  await (await engine.triggers.schedule('Ticket.report')).result();
  await (await engine.triggers.schedule('Ticket.report', { scope: { actor: { id: 'carol', name: 'Carol' } } })).result();
  assert.deepEqual(
    seen.filter((s) => s.where === 'scheduled').map((s) => s.actor),
    [
      { id: 'reporter', name: 'Reporter' },
      { id: 'carol', name: 'User carol' },
    ],
  );
});
