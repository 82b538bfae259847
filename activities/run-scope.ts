/**
 * A run's scope as user code sees it: the tenant's value, the actor looked up from its persisted
 * form (else `defaultActor`), authorization, the shared context; `prepareTransaction` run first in
 * its transactions; the tenants a definition lists.
 */
import type { App, ScheduledAction, Trigger } from '../src/definitions/define';
import type { TransactionScope } from '../src/definitions/types';
import { effective } from '../src/runtime/effective';
import { lookupActor } from '../src/runtime/actors';
import { buildContext, type CurrentRun, type RunFacts } from '../src/runtime/run-scope';
import { tenantRef, tenantValue, type Tenant } from '../src/runtime/tenants';
import type { RunScope, TenantRef } from '../workflows/types';

export interface ResolvedScope {
  tenant: Tenant | null;
  actor: unknown;
  authorize: boolean;
  context: Record<string, unknown>;
}

/** Resolves a run's scope (the actor lookup may throw `ACTOR_LOOKUP_FAILED`). */
export async function resolveScope(app: App, def: Trigger | ScheduledAction, scope: Partial<RunScope>): Promise<ResolvedScope> {
  const e = effective(app, def);
  return {
    tenant: tenantValue(scope.tenant ?? null, scope.tenantValue as Tenant | undefined),
    actor: await lookupActor(scope.actor, e.actorPersister, e.defaultActor),
    authorize: scope.authorize ?? e.authorize,
    context: scope.context ?? {},
  };
}

/** `prepareTransaction(tx, ...)` when the definition (or its resource, or the app) has one. */
export async function prepareTransaction(app: App, def: Trigger, tx: unknown, scope: ResolvedScope, purpose: TransactionScope['purpose']): Promise<void> {
  const hook = effective(app, def).prepareTransaction;
  if (hook) await hook(tx, { actor: scope.actor, tenant: scope.tenant, trigger: def.id, authorize: scope.authorize, purpose });
}

/** What `currentRun()` returns inside the run's user code. */
export function currentRunOf(app: App, def: Trigger | ScheduledAction, facts: RunFacts, scope: ResolvedScope): CurrentRun {
  return { ...facts, resource: def.resource.model, actor: scope.actor, tenant: scope.tenant, shared: buildContext(effective(app, def).sharedContext, facts, scope.context).shared };
}

/** The tenants of a definition, as runs carry them; null: no tenant (the default is one: null). */
export async function listTenantsOf(app: App, def: Trigger | ScheduledAction, prisma: unknown): Promise<(TenantRef | null)[]> {
  const e = effective(app, def);
  if (e.listTenants === undefined) return [null];
  const tenants = typeof e.listTenants === 'function' ? await e.listTenants({ prisma }) : e.listTenants;
  if (!Array.isArray(tenants)) throw new TypeError(`${def.id}: listTenants returned ${typeof tenants}, not a list of tenants`);
  return tenants.map((t) => tenantRef(t, e.tenantKey, `${def.id}.listTenants`));
}
