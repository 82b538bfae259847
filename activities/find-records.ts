/** Scheduler activity: one keyset page of the records matching a trigger. */
import { ApplicationFailure, log } from '@temporalio/activity';
import type { App } from '../src/definitions/define';
import { isInfrastructureError, withoutCodeFrame } from '../src/prisma/db-errors';
import { afterCursorWhere, cursorOf, orderFor, type Cursor } from '../src/prisma/keyset';
import { nullableFields, type AnyPrismaClient } from '../src/prisma/model-meta';
import { redactText } from '../src/redact';
import { persistActor } from '../src/runtime/actors';
import { effective } from '../src/runtime/effective';
import { jsonBytes } from '../src/runtime/json-safe';
import { recordPlan } from '../src/definitions/wire-plan';
import { whereFor } from '../src/definitions/where';
import { buildRunData } from '../src/runtime/run-data';
import { tenantRef } from '../src/runtime/tenants';
import { packKeys } from '../workflows/packed-keys';
import { encodeKey, recordIdOf, stableStringify } from '../workflows/primary-key';
import { QUERY_ERROR_TYPE, type FindRecordsInput, type FindRecordsResult, type FoundRecord, type TenantRef } from '../workflows/types';
import { definitionOfRun } from './definition-of-run';
import { withHeartbeat } from './heartbeat';
import { listTenantsOf, prepareTransaction, resolveScope } from './run-scope';

export const DEFAULT_PAGE_SIZE = 500;
/** Run data one page may return to the scheduler (Temporal refuses payloads over 2 MiB). */
export const PAGE_LIMIT_BYTES = 1024 * 1024;
/** Chunked triggers read this many chunks' worth of keys per page (at most MAX_CHUNK_PAGE records). */
export const CHUNKS_PER_PAGE = 10;
export const MAX_CHUNK_PAGE = 10_000;

/**
 * One page, heartbeating while it runs (a dead worker is noticed in a minute, not at the 10-minute
 * timeout). An infrastructure error (database unreachable, restarting, a dropped connection) is
 * thrown as is: Temporal retries it with backoff, from the same cursor. Any other error is the
 * query's own (a bad `where`, a throwing `where` function): it is thrown non-retryable, typed
 * `TriggerQueryError`, and the scheduler counts it against `maxSchedulerAttempts`.
 */
export async function findRecords(app: App, prisma: AnyPrismaClient, input: FindRecordsInput): Promise<FindRecordsResult> {
  try {
    return await withHeartbeat(() => findPage(app, prisma, input));
  } catch (err) {
    if (isInfrastructureError(err)) throw err;
    throw ApplicationFailure.create({ type: QUERY_ERROR_TYPE, nonRetryable: true, message: redactText(err instanceof Error ? withoutCodeFrame(err.message) : String(err)) });
  }
}

async function findPage(app: App, prisma: AnyPrismaClient, input: FindRecordsInput): Promise<FindRecordsResult> {
  const t = definitionOfRun(app, 'scheduler');
  const plan = recordPlan(app, t);
  if (t.state !== 'active') {
    log.info(`${t.id} is ${t.state}: the scheduler starts no runs`);
    return { plan, records: [], cursor: input.cursor, done: true, inactive: `trigger ${t.id} is ${t.state}` };
  }
  // A tick without a tenant queries every tenant: the first page lists them and reads the first.
  let tenants: (TenantRef | null)[] | undefined;
  let tenant: TenantRef | null = input.tenant === null ? null : { key: input.tenant, ...(input.tenantValue !== undefined ? { value: input.tenantValue } : {}) };
  if (input.listTenants) {
    tenants = t.useTenantFromRecord ? [null] : await listTenantsOf(app, t, prisma);
    if (tenants.length === 0) return { plan, records: [], cursor: input.cursor, done: true, tenants };
    tenant = tenants[0] ?? null;
  }
  const e = effective(app, t);
  const scope = await resolveScope(app, t, { tenant: tenant?.key ?? null, ...(tenant?.value !== undefined ? { tenantValue: tenant.value } : {}), ...(input.actor !== undefined ? { actor: input.actor } : {}), ...(input.authorize !== undefined ? { authorize: input.authorize } : {}) });
  // The runs carry the tick's actor (cron ticks: the default actor), persisted.
  // (without a persister the default actor is not stored: every run looks it up)
  const runActor = input.actor !== undefined ? input.actor : e.actorPersister ? await persistActor(e.defaultActor ?? undefined, e.actorPersister, `${t.id}.defaultActor`).catch(() => undefined) : undefined;

  const pk = t.resource.primaryKey;
  const nullable = t.sort ? await nullableFields(prisma, t.resource) : new Set<string>();
  const order = orderFor(t.sort, pk).map((o) => ({ ...o, nullable: nullable.has(o.field) && !pk.includes(o.field) }));
  // A chunked trigger starts one run per chunk, not per record: its pages hold several chunks.
  const pageSize = t.streamBatchSize ?? (t.chunks ? Math.min(MAX_CHUNK_PAGE, Math.max(DEFAULT_PAGE_SIZE, t.chunks.size * CHUNKS_PER_PAGE)) : DEFAULT_PAGE_SIZE);
  const remaining = t.recordLimit === undefined ? Infinity : t.recordLimit - input.alreadyRead;
  const take = Math.min(pageSize, remaining);
  const extra = { ...(tenants ? { tenants } : {}), ...(runActor !== undefined ? { runActor } : {}) };
  if (take <= 0) return { plan, records: [], cursor: input.cursor, done: true, ...extra };

  const where = whereFor(t, { now: new Date(input.now), tenant: scope.tenant, actor: scope.actor, purpose: 'scan', allTenants: t.useTenantFromRecord === true });
  const conditions = [where ?? {}];
  if (input.cursor) conditions.push(afterCursorWhere(order, input.cursor as Cursor));
  const needFullRecord = typeof t.readMetadata === 'function' || typeof t.extraArgs === 'function' || t.useTenantFromRecord === true || (t.chunks?.by?.length ?? 0) > 0;
  const query = (db: AnyPrismaClient) =>
    db[t.resource.delegate].findMany({
      where: { AND: conditions },
      orderBy: order.map((o) => ({ [o.field]: o.dir })),
      take,
      ...(needFullRecord ? {} : { select: Object.fromEntries(order.map((o) => [o.field, true])) }),
    }) as Promise<Record<string, unknown>[]>;
  // With a prepareTransaction hook (row-level security), the page is read inside a transaction it prepared.
  const rows = e.prepareTransaction
    ? await prisma.$transaction(async (tx: AnyPrismaClient) => {
        await prepareTransaction(app, t, tx, scope, 'scan');
        return query(tx);
      })
    : await query(prisma);

  // A page travels back to the scheduler in one payload: it stops early once it holds
  // PAGE_LIMIT_BYTES of run data (each record's is at most RUN_DATA_LIMIT_BYTES).
  const records: FoundRecord[] = [];
  let bytes = 0;
  let last: Record<string, unknown> | undefined;
  for (const row of rows) {
    const key = encodeKey(row, pk);
    const rec: FoundRecord = { key, recordId: recordIdOf(key, pk) };
    if (t.chunks?.by?.length) rec.group = stableStringify(t.chunks.by.map((f) => row[f] ?? null));
    let recordTenant = scope.tenant;
    try {
      if (t.useTenantFromRecord) {
        const own = t.tenantFrom ? t.tenantFrom(row) : null;
        rec.tenant = tenantRef(own, e.tenantKey, `${t.id}.tenantFrom`);
        recordTenant = own ?? null;
      }
    } catch (err) {
      rec.poison = `${t.id}.tenantFrom failed for record ${rec.recordId}: ${err instanceof Error ? err.message : String(err)}`;
    }
    const data = rec.poison ? { problem: rec.poison } : buildRunData(t, row, rec.recordId, { actor: scope.actor, tenant: recordTenant });
    if ('problem' in data) {
      log.error(data.problem);
      rec.poison = data.problem;
    } else {
      if (data.metadata !== undefined) rec.metadata = data.metadata;
      if (data.extraArgs) rec.extraArgs = data.extraArgs;
    }
    bytes += jsonBytes(rec);
    if (records.length > 0 && bytes > PAGE_LIMIT_BYTES) break;
    records.push(rec);
    last = row;
  }
  const truncated = records.length < rows.length;
  const done = !truncated && (rows.length < take || (t.recordLimit !== undefined && input.alreadyRead + rows.length >= t.recordLimit));
  if (t.debug) log.debug(`${t.id}: page of ${records.length} records`, { done, truncated, tenant: tenant?.key ?? null });
  const cursor = last ? cursorOf(last, order) : input.cursor;
  // plain one-column keys travel packed (a third of the bytes in the scheduler's history)
  const packed = input.pack && records.every((r) => Object.keys(r).length === 2) ? packKeys(records.map((r) => r.key)) : undefined;
  if (packed) return { plan, records: [], packed, cursor, done, ...extra };
  return { plan, records, cursor, done, ...extra };
}
