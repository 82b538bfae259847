/**
 * Multitenancy (AshOban's list_tenants and use_tenant_from_record?): the scheduler queries once
 * per tenant (recordLimit per tenant), every run carries its tenant to `where`, `ctx.tenant`, its
 * workflow id and `TriggerTenant`; tenants may be objects named by `tenantKey`; a scheduled action
 * over two or more tenants runs once per tenant.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineApp, type SchedulerResult } from '../../src';
import * as searchAttributes from '../../workflows/search-attributes';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';
import { childrenOf } from '../helpers/runs';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('ten');
const acme = `${tag}-acme`;
const globex = `${tag}-globex`;
const initech = `${tag}-initech`;
const ran: { trigger: string; tenant: unknown; org: string }[] = [];
const reports: unknown[] = [];
/** Every call of a where function: which read it was for, and for which tenant. */
const whereCalls: { trigger: string; tenant: unknown; purpose: string; allTenants: boolean }[] = [];

const Subscription = uniqueResource(tag, {
  model: 'Subscription',
  primaryKey: ['organisationId', 'id'],
  listTenants: [acme, globex],
  triggers: {
    expire: {
      // the tenant scopes the query and the re-read
      where: ({ tenant, purpose, allTenants }) => {
        whereCalls.push({ trigger: 'expire', tenant, purpose, allTenants });
        return { organisationId: tenant as string, active: true, plan: 'pro' };
      },
      schedulerCron: false,
      recordLimit: 2,
      action: async (s: { organisationId: string; id: number }, c) => {
        ran.push({ trigger: 'expire', tenant: c.tenant, org: s.organisationId });
        await c.tx.subscription.updateMany({ where: { organisationId: s.organisationId, id: s.id }, data: { active: false } });
      },
    },
    byObject: {
      // tenants as objects, named by the resource's tenantKey
      listTenants: [{ org: acme, region: 'eu' }, { org: initech, region: 'us' }],
      where: ({ tenant }) => ({ organisationId: (tenant as { org: string }).org, plan: 'object' }),
      schedulerCron: false,
      action: async (s: { organisationId: string; id: number }, c) => {
        ran.push({ trigger: 'byObject', tenant: c.tenant, org: s.organisationId });
      },
    },
    fromRecord: {
      useTenantFromRecord: true,
      tenantFrom: (s: { organisationId: string }) => s.organisationId,
      // the scan reads every tenant at once; each run re-reads within its own record's tenant
      where: ({ tenant, purpose, allTenants }) => {
        whereCalls.push({ trigger: 'fromRecord', tenant, purpose, allTenants });
        return purpose === 'scan' ? { plan: 'from-record' } : { plan: 'from-record', organisationId: tenant as string };
      },
      schedulerCron: false,
      action: async (s: { organisationId: string; id: number }, c) => {
        ran.push({ trigger: 'fromRecord', tenant: c.tenant, org: s.organisationId });
      },
    },
  },
  scheduledActions: {
    report: {
      cron: '@yearly',
      action: async (c) => {
        reports.push(c.tenant);
      },
    },
  },
  tenantKey: (t) => (t as { org: string }).org,
});
const app = defineApp({ name: tag, resources: [Subscription] });

before(async () => {
  ctx = await testContext('tenants');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
  await ctx.prisma.organisation.createMany({ data: [acme, globex, initech].map((id) => ({ id, name: id })) });
  const later = new Date(Date.now() + 86_400_000);
  await ctx.prisma.subscription.createMany({
    data: [
      ...[1, 2, 3].map((id) => ({ organisationId: acme, id, plan: 'pro', expiresAt: later })),
      ...[1, 2].map((id) => ({ organisationId: globex, id, plan: 'pro', expiresAt: later })),
      { organisationId: initech, id: 1, plan: 'pro', expiresAt: later },
      { organisationId: acme, id: 10, plan: 'object', expiresAt: later },
      { organisationId: initech, id: 10, plan: 'object', expiresAt: later },
      { organisationId: globex, id: 20, plan: 'from-record', expiresAt: later },
      { organisationId: initech, id: 20, plan: 'from-record', expiresAt: later },
    ],
  });
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

test('a tick queries each tenant in turn, recordLimit per tenant; runs carry their tenant (where, ctx, id, TriggerTenant)', async () => {
  assert.equal(whereCalls.length, 0, 'boot never calls the where of a trigger with tenants (it would see a tenant no tick has)');
  const scheduler = await engine.triggers.schedule('Subscription.expire');
  const stats = (await scheduler.result()) as SchedulerResult;
  assert.deepEqual([stats.read, stats.started], [4, 4], 'two per tenant of acme and globex; initech is not listed');
  const children = await childrenOf(ctx.env.client, scheduler.workflowId, 4);
  await Promise.all(children.map((id) => ctx.env.client.workflow.getHandle(id).result()));
  const byTenant = ran.filter((r) => r.trigger === 'expire').map((r) => [r.tenant, r.org]);
  assert.deepEqual(byTenant.map(([t, o]) => t === o).every(Boolean), true, 'each run saw its own tenant');
  assert.deepEqual(byTenant.map(([t]) => t).sort(), [acme, acme, globex, globex]);
  for (const id of children) {
    const tenant = id.split('/')[1];
    assert.ok(tenant === acme || tenant === globex, `the tenant is in the workflow id: ${id}`);
    assert.equal((await ctx.env.client.workflow.getHandle(id).describe()).typedSearchAttributes.get(searchAttributes.TriggerTenant), tenant);
  }
  assert.equal(await ctx.prisma.subscription.count({ where: { organisationId: acme, active: true, plan: 'pro' } }), 1, 'recordLimit 2 left one of three acme subscriptions');
  const calls = whereCalls.filter((c) => c.trigger === 'expire');
  assert.deepEqual([...new Set(calls.filter((c) => c.purpose === 'scan').map((c) => c.tenant))].sort(), [acme, globex], 'one scan per listed tenant');
  assert.equal(calls.filter((c) => c.purpose === 'reread').length, 4, 'each run re-read its record');
  assert.ok(calls.every((c) => c.tenant !== null && !c.allTenants));
});

test('schedule() with a tenant queries that tenant only', async () => {
  ran.length = 0;
  const stats = (await (await engine.triggers.schedule('Subscription.expire', { tenant: acme })).result()) as SchedulerResult;
  assert.equal(stats.started, 1, 'the last active acme subscription');
});

test('tenants may be objects, named by tenantKey; the action sees the object', async () => {
  ran.length = 0;
  const r = await engine.triggers.scheduleAndRunTriggers([Subscription, 'byObject'], { drain: true });
  assert.equal(r.byKind.record.success, 2);
  const seen = ran.filter((x) => x.trigger === 'byObject').map((x) => x.tenant);
  assert.deepEqual(
    seen.sort((a, b) => ((a as { org: string }).org < (b as { org: string }).org ? -1 : 1)),
    [
      { org: acme, region: 'eu' },
      { org: initech, region: 'us' },
    ],
  );
});

test('useTenantFromRecord: one query across tenants, each run with its own record tenant', async () => {
  ran.length = 0;
  const r = await engine.triggers.scheduleAndRunTriggers([Subscription, 'fromRecord'], { drain: true });
  assert.equal(r.byKind.record.success, 2);
  assert.deepEqual(ran.filter((x) => x.trigger === 'fromRecord').map((x) => x.tenant === x.org), [true, true]);
  const calls = whereCalls.filter((c) => c.trigger === 'fromRecord');
  assert.deepEqual(calls.filter((c) => c.purpose === 'scan').map((c) => [c.tenant, c.allTenants]), [[null, true]], 'one scan of all tenants, told so');
  assert.deepEqual(calls.filter((c) => c.purpose === 'reread').map((c) => [c.tenant, c.allTenants]).sort(), [[globex, false], [initech, false]], "each re-read with its record's tenant");
});

test('a scheduled action over two tenants runs once per tenant; given a tenant, once', async () => {
  reports.length = 0;
  const r = await engine.triggers.scheduleAndRunTriggers([Subscription, 'report'], { drain: true });
  assert.equal(r.byKind.scheduledAction.success, 3, 'the fan-out run and one run per tenant');
  assert.deepEqual([...reports].sort(), [acme, globex].sort());
  reports.length = 0;
  await (await engine.triggers.schedule('Subscription.report', { tenant: globex })).result();
  assert.deepEqual(reports, [globex]);
});
