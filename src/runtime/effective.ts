/**
 * The settings a trigger or scheduled action runs with, resolved from its own options, then its
 * resource's, then the app's (the most specific one given wins).
 */
import type { App, ScheduledAction, Trigger } from '../definitions/define';
import type { ListTenantsFn, PrepareTransactionFn } from '../definitions/types';
import type { ActorPersister } from './actors';
import type { SharedContext } from './run-scope';
import type { Tenant, TenantKeyFn } from './tenants';

export interface Effective {
  listTenants: Tenant[] | ListTenantsFn | undefined;
  tenantKey: TenantKeyFn | undefined;
  actorPersister: ActorPersister | false | undefined;
  defaultActor: unknown;
  prepareTransaction: PrepareTransactionFn | undefined;
  sharedContext: SharedContext | undefined;
  authorize: boolean;
}

export function effective(app: App, def: Trigger | ScheduledAction): Effective {
  const r = def.resource;
  return {
    listTenants: def.listTenants ?? r.listTenants,
    tenantKey: r.tenantKey ?? app.tenantKey,
    actorPersister: def.actorPersister === false ? false : (def.actorPersister ?? app.actorPersister),
    defaultActor: def.defaultActor ?? null,
    prepareTransaction: (def.kind === 'trigger' ? def.prepareTransaction : undefined) ?? r.prepareTransaction ?? app.prepareTransaction,
    sharedContext: def.sharedContext ?? r.sharedContext ?? app.sharedContext,
    authorize: app.authorize,
  };
}
