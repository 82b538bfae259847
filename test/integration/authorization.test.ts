/**
 * Authorization the Prisma way: `prepareTransaction` runs first in every run's transaction, so
 * PostgreSQL row-level security applies (a role and `app.actor_id` set locally). AshOban's "an
 * action that requires an actor fails without one": with no actor the write is refused and the
 * run fails; with one it succeeds; `authorize: false` reaches the hook too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { defineApp, type RecordRunResult, type TransactionScope } from '../../src';
import { adminQuery } from '../helpers/db';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('rls');
const role = `ptt_rls_${tag.replace(/[^a-z0-9]/g, '_')}`;
const scopes: TransactionScope[] = [];

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    guarded: {
      where: { status: 'open', subject: { startsWith: 'rls' } },
      schedulerCron: false,
      action: async (t: { id: number }, c) => {
        await c.tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
  },
});
const app = defineApp({
  name: tag,
  actorPersister: { store: (a) => a, lookup: (j) => j },
  // Row-level security: act as a role the policies apply to, with the actor in a setting.
  prepareTransaction: async (tx, scope) => {
    scopes.push(scope);
    // the scheduler's page read gets a read-only transaction; attempts may write
    if (scope.purpose === 'scan') await tx.$executeRawUnsafe('SET TRANSACTION READ ONLY');
    await tx.$executeRawUnsafe(`SET LOCAL ROLE ${role}`);
    if (scope.actor && scope.authorize) await tx.$executeRawUnsafe(`SELECT set_config('app.actor_id', $1, true)`, (scope.actor as { id: string }).id);
    if (!scope.authorize) await tx.$executeRawUnsafe(`SELECT set_config('app.actor_id', 'system', true)`);
  },
  resources: [Ticket],
});

before(async () => {
  ctx = await testContext('authorization');
  for (const sql of [
    `CREATE ROLE ${role} NOLOGIN`,
    `GRANT SELECT, UPDATE ON "Ticket" TO ${role}`,
    `GRANT SELECT, INSERT ON ptt_run_commit TO ${role}`,
    `ALTER TABLE "Ticket" ENABLE ROW LEVEL SECURITY`,
    // anyone may read and lock; only a transaction with an actor may write
    `CREATE POLICY ${role}_read ON "Ticket" FOR SELECT TO ${role} USING (true)`,
    `CREATE POLICY ${role}_write ON "Ticket" FOR UPDATE TO ${role} USING (true) WITH CHECK (coalesce(current_setting('app.actor_id', true), '') <> '')`,
  ]) {
    await ctx.prisma.$executeRawUnsafe(sql);
  }
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
});
after(async () => {
  await engine?.stop();
  await ctx?.prisma.$executeRawUnsafe(`ALTER TABLE "Ticket" DISABLE ROW LEVEL SECURITY`).catch(() => {});
  await ctx?.close(); // drops the database (and the policies); the role is cluster-wide
  await adminQuery(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
});

test('without an actor the row-level policy refuses the write and the run fails', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'rls: anonymous' } });
  const handle = await engine.triggers.runTrigger(t, 'Ticket.guarded');
  await assert.rejects(handle.result(), (err: unknown) => err instanceof WorkflowFailedError && /row-level security/.test(String((err.cause as Error)?.message)));
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'open');
  assert.deepEqual(scopes.at(-1), { actor: null, tenant: null, trigger: 'Ticket.guarded', authorize: true, purpose: 'action' });
});

test('with an actor the same run succeeds; prepareTransaction saw it first in the transaction', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'rls: alice' } });
  const result = (await (await engine.triggers.runTrigger(t, 'Ticket.guarded', { actor: { id: 'alice' } })).result()) as RecordRunResult;
  assert.equal(result.outcome, 'success');
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
  assert.deepEqual(scopes.at(-1), { actor: { id: 'alice' }, tenant: null, trigger: 'Ticket.guarded', authorize: true, purpose: 'action' });
});

test('authorize: false reaches prepareTransaction (here: act as the system)', async () => {
  const t = await ctx.prisma.ticket.create({ data: { subject: 'rls: system' } });
  const result = (await (await engine.triggers.runTrigger(t, 'Ticket.guarded', { authorize: false })).result()) as RecordRunResult;
  assert.equal(result.outcome, 'success');
  assert.equal(scopes.at(-1)?.authorize, false);
});

test('the scheduler reads through prepareTransaction too, told it is a scan (here: read only), and each attempt is told it acts', async () => {
  scopes.length = 0;
  await ctx.prisma.ticket.create({ data: { subject: 'rls: from a tick' } });
  const r = await engine.triggers.scheduleAndRunTriggers([Ticket, 'guarded'], { drain: true, actor: { id: 'bob' } });
  assert.equal(r.byKind.record.success, 2, "this one and the first test's anonymous ticket, now with an actor");
  assert.ok(scopes.length >= 2 && scopes.every((s) => (s.actor as { id: string } | null)?.id === 'bob'), 'the page query and the run both prepared with the actor');
  assert.deepEqual([...new Set(scopes.map((s) => s.purpose))].sort(), ['action', 'scan']);
  assert.equal(scopes[0]?.purpose, 'scan', 'the page read comes first');
});
