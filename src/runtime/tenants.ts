/**
 * Tenants, as AshOban's multitenancy: a trigger's scheduler queries once per tenant (from
 * `listTenants`), each run carries its tenant, and the tenant reaches `where`, `ctx.tenant`,
 * `prepareTransaction`, the workflow id and the `TriggerTenant` search attribute.
 *
 * A tenant may be a string, a number, or an object; ids and search attributes need a string, its
 * key: a string is its own key, a number its decimal text, an object needs `tenantKey` (AshOban's
 * `ToTenant`). Runs carry the key, plus the value itself when it is not that same string.
 */
import type { Tenant, TenantKeyFn } from '../definitions/types';
import { ConfigError } from '../errors';

export type { Tenant, TenantKeyFn };

/** How a tenant travels with a run: its key (ids, search attributes) and, when different, the value user code sees. */
export interface TenantRef {
  key: string;
  value?: Tenant;
}

export function tenantRef(tenant: Tenant | null | undefined, tenantKey: TenantKeyFn | undefined, where: string): TenantRef | null {
  if (tenant === null || tenant === undefined) return null;
  if (typeof tenant === 'string') return { key: tenant };
  let key: unknown;
  if (typeof tenant === 'number' && Number.isFinite(tenant)) key = String(tenant);
  else if (tenantKey && typeof tenant === 'object') key = tenantKey(tenant);
  else {
    throw new ConfigError(
      typeof tenant === 'object'
        ? `${where}: the tenant ${JSON.stringify(tenant)} is not a string or a number: give the resource (or the app) a \`tenantKey: (tenant) => string\` that names it (AshOban's ToTenant).`
        : `${where}: the tenant ${String(tenant)} is a ${typeof tenant}: a tenant is a string, a finite number, or an object named by tenantKey.`,
    );
  }
  if (typeof key !== 'string' || key.length === 0) throw new ConfigError(`${where}: tenantKey returned ${JSON.stringify(key)} for ${JSON.stringify(tenant)}; it must return a non-empty string.`);
  return { key, value: tenant };
}

/** The tenant user code sees for a run's key and value. */
export function tenantValue(key: string | null, value: Tenant | undefined): Tenant | null {
  return value !== undefined ? value : key;
}
