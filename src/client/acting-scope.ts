/** Who a call that starts runs acts for: actor, tenant and shared context, inherited inside a run. */
import type { App, ScheduledAction, Trigger } from '../definitions/define';
import type { RunScope } from '../../workflows/types';
import { persistActor } from '../runtime/actors';
import { effective } from '../runtime/effective';
import { currentRun } from '../runtime/run-scope';
import { tenantRef, type Tenant } from '../runtime/tenants';

/** AshOban's `scope`: who, for which tenant, and with what shared context a call acts. */
export interface CallScope {
  actor?: unknown;
  tenant?: Tenant | null;
  /** Shared context the runs carry (and pass on to runs started from inside them). */
  context?: Record<string, unknown>;
}

/** What every call that starts runs accepts about who it acts for. */
export interface ActingOptions {
  /**
   * Who the run acts for. Stored only in its persisted form (`actorPersister.store`); refused
   * without a persister. Inside a run, the run's actor is the default.
   */
  actor?: unknown;
  /** `{ actor, tenant, context }` in one object (AshOban's scope); the direct options win. */
  scope?: CallScope;
  /** Whether the runs act with authorization (handed to `prepareTransaction`). @default the app's `authorize` */
  authorize?: boolean;
  /** Tags added to the runs' `TriggerTags`. */
  tags?: string[];
}

export interface ActingScope {
  /** What the runs carry. */
  scope: RunScope;
  /** Whether a tenant was given (directly, in `scope`, or by the enclosing run). */
  tenantGiven: boolean;
  tenant: Tenant | null;
  /** The actor as code sees it while the run is built (readMetadata, extraArgs). */
  actor: unknown;
}

/** Whether a nested call stores its enclosing run's actor (without a persister, only an actor given to a call: the default is looked up anyway). */
function inherited(actor: unknown, e: { actorPersister?: unknown; defaultActor?: unknown }): boolean {
  if (actor === undefined || actor === null) return false;
  return e.actorPersister ? true : actor !== e.defaultActor;
}

/**
 * The given actor (persisted with the definition's persister), tenant and context; inside a run,
 * that run's are the defaults (a nested runTrigger inherits them).
 */
export async function actingScope(app: App, def: Trigger | ScheduledAction, opts: ActingOptions & { tenant?: Tenant | null }, where: string): Promise<ActingScope> {
  const inside = currentRun();
  const e = effective(app, def);
  const explicitActor = opts.actor ?? opts.scope?.actor;
  const actor =
    explicitActor !== undefined
      ? await persistActor(explicitActor, e.actorPersister, where)
      : inherited(inside?.actor, e)
        ? await persistActor(inside?.actor, e.actorPersister, where)
        : undefined;
  const tenantGiven = opts.tenant !== undefined || opts.scope?.tenant !== undefined || inside !== undefined;
  const tenant = (opts.tenant !== undefined ? opts.tenant : opts.scope?.tenant !== undefined ? opts.scope.tenant : (inside?.tenant as Tenant | null | undefined)) ?? null;
  const ref = tenantRef(tenant, e.tenantKey, where);
  const context = opts.scope?.context ?? (inside ? inside.shared : undefined);
  const scope: RunScope = {
    tenant: ref?.key ?? null,
    ...(ref?.value !== undefined ? { tenantValue: ref.value } : {}),
    ...(actor !== undefined ? { actor } : {}),
    ...(opts.authorize !== undefined ? { authorize: opts.authorize } : {}),
    ...(context && Object.keys(context).length ? { context } : {}),
  };
  // The actor given, the enclosing run's, else the default; no lookup needed for those.
  return { scope, tenantGiven, tenant, actor: explicitActor ?? inside?.actor ?? e.defaultActor ?? null };
}
