/** AshOban's store_actor / lookup_actor / build_context semantics, and tenant keys (ToTenant). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, TriggerError } from '../../src/errors';
import { lookupActor, storeActor, type ActorPersister } from '../../src/runtime/actors';
import { buildContext, currentRun, isTriggerRun, withCurrentRun } from '../../src/runtime/run-scope';
import { tenantRef, tenantValue, type Tenant } from '../../src/runtime/tenants';

const persister: ActorPersister<{ id: string; name?: string }> = {
  store: (a) => ({ id: a.id }),
  lookup: (j) => (j === null ? null : { id: (j as { id: string }).id, name: 'looked up' }),
};

describe('storeActor', () => {
  test('no actor, or no persister: the args unchanged', async () => {
    assert.deepEqual(await storeActor({ a: 1 }, undefined, persister), { a: 1 });
    assert.deepEqual(await storeActor({ a: 1 }, null, persister), { a: 1 });
    assert.deepEqual(await storeActor({ a: 1 }, { id: 'u' }, undefined), { a: 1 });
    assert.deepEqual(await storeActor({ a: 1 }, { id: 'u' }, false), { a: 1 });
  });
  test('otherwise args.actor is the persisted form (an async store too)', async () => {
    assert.deepEqual(await storeActor({ a: 1 }, { id: 'u', name: 'x' }, persister), { a: 1, actor: { id: 'u' } });
    assert.deepEqual(await storeActor({}, { id: 'u' }, { store: async (a: { id: string }) => `user:${a.id}`, lookup: () => null }), { actor: 'user:u' });
  });
});

describe('lookupActor', () => {
  test('no persister: the stored actor as it was given (passed through), else the default', async () => {
    assert.deepEqual(await lookupActor({ id: 'u' }, undefined, { id: 'default' }), { id: 'u' });
    assert.deepEqual(await lookupActor({ id: 'u' }, false), { id: 'u' });
    assert.deepEqual(await lookupActor(undefined, undefined, { id: 'default' }), { id: 'default' });
    assert.equal(await lookupActor(null, false), null);
  });
  test('lookup(stored) gives the actor; lookup(null) is asked too; null falls back to the default', async () => {
    assert.deepEqual(await lookupActor({ id: 'u' }, persister, { id: 'default' }), { id: 'u', name: 'looked up' });
    assert.deepEqual(await lookupActor(undefined, persister, { id: 'default' }), { id: 'default' });
    let askedWith: unknown = 'not asked';
    await lookupActor(undefined, { store: () => null, lookup: (j) => ((askedWith = j), null) });
    assert.equal(askedWith, null);
  });
  test('a lookup error is ACTOR_LOOKUP_FAILED naming the persister', async () => {
    const failing: ActorPersister = { store: () => null, lookup: async () => Promise.reject(new Error('user service down')) };
    await assert.rejects(lookupActor({ id: 'u' }, failing), (e: unknown) => e instanceof TriggerError && e.code === 'ACTOR_LOOKUP_FAILED' && /actorPersister\.lookup failed.*user service down/.test(e.message));
  });
});

describe('buildContext', () => {
  const run = { trigger: 'Ticket.process', workflowId: 'w', attempt: 1 };
  test('private flag and the run; shared holds only what sharedContext lists, over the inherited context', () => {
    assert.deepEqual(buildContext(undefined, run), { private: { triggerRun: true }, run, shared: {} });
    assert.deepEqual(buildContext(['run'], run, { requestId: 'r1' }).shared, { requestId: 'r1', run });
    assert.deepEqual(buildContext('all', run).shared, { triggerRun: true, run });
    assert.deepEqual(buildContext(['triggerRun'], run).shared, { triggerRun: true });
  });
  test('currentRun and isTriggerRun inside a run and outside', async () => {
    assert.equal(currentRun(), undefined);
    assert.equal(isTriggerRun(), false);
    const inside = await withCurrentRun({ ...run, resource: 'Ticket', actor: { id: 'u' }, tenant: 'acme', shared: {} }, async () => {
      await new Promise((r) => setImmediate(r)); // survives async hops
      return [currentRun()?.tenant, isTriggerRun()];
    });
    assert.deepEqual(inside, ['acme', true]);
    assert.equal(isTriggerRun(), false);
  });
  test("isTriggerRun(model): the run's own model always; another model only when the run shares its trigger-run flag (sharedContext)", () => {
    const own = withCurrentRun({ ...run, resource: 'Ticket', actor: null, tenant: null, shared: {} }, () => [isTriggerRun('Ticket'), isTriggerRun('Invoice'), isTriggerRun()]);
    assert.deepEqual(own, [true, false, true]);
    const sharing = withCurrentRun({ ...run, resource: 'Ticket', actor: null, tenant: null, shared: buildContext(['triggerRun'], run).shared }, () => [isTriggerRun('Ticket'), isTriggerRun('Invoice')]);
    assert.deepEqual(sharing, [true, true]);
    assert.equal(isTriggerRun('Ticket'), false, 'outside any run');
  });
});

describe('tenants', () => {
  test('strings are their own key; numbers their decimal text; objects need tenantKey', () => {
    assert.deepEqual(tenantRef('acme', undefined, 'x'), { key: 'acme' });
    assert.deepEqual(tenantRef(42, undefined, 'x'), { key: '42', value: 42 });
    const named: unknown[] = [];
    const key = (t: { org: string }) => (named.push(t), t.org);
    assert.deepEqual(tenantRef(42, key, 'x'), { key: '42', value: 42 }, 'a number keeps its decimal text even with a tenantKey');
    assert.deepEqual(tenantRef('acme', key, 'x'), { key: 'acme' });
    assert.deepEqual(named, [], 'tenantKey is called for object tenants only');
    // an interface (no index signature) is a Tenant
    interface Org { org: string; plan: 'free' | 'pro' }
    const org: Org = { org: 'globex', plan: 'pro' };
    const asTenant: Tenant = org;
    assert.deepEqual(tenantRef(asTenant, key, 'x'), { key: 'globex', value: org });
    assert.deepEqual(tenantRef({ org: 'acme' }, (t) => (t as { org: string }).org, 'x'), { key: 'acme', value: { org: 'acme' } });
    assert.equal(tenantRef(null, undefined, 'x'), null);
    assert.throws(() => tenantRef({ org: 'acme' }, undefined, 'Ticket.process'), (e: unknown) => e instanceof ConfigError && /Ticket\.process: the tenant .* give the resource \(or the app\) a `tenantKey/.test(e.message));
    assert.throws(() => tenantRef({ org: 'acme' }, () => '', 'x'), ConfigError);
    assert.deepEqual([tenantValue('acme', undefined), tenantValue('42', 42), tenantValue(null, undefined)], ['acme', 42, null]);
  });
});
