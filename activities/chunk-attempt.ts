/**
 * One attempt of a chunk run: in ONE transaction, take the run's lock and read its commit
 * markers, claim the records (`FOR UPDATE SKIP LOCKED`: one locked by another run in flight is
 * left to it), re-read the claimed ones with `where`, run the action on those still matching,
 * write the marker with the per-record result, commit. A declarative `{ update }` / `{ delete }` is
 * one `updateMany` / `deleteMany` on `where ∩ key IN (...)`; a function action gets
 * `(records, ctx)` and may return `{ failed: [{ record, error }] }` for records it could not
 * process (they are retried alone, then handed to onError).
 *
 * Exactly once: records an earlier attempt of the run committed (its result lost with its worker)
 * are left out and reported as `earlier`; the same attempt run again reports its stored result;
 * an execution older than one already committed (a lost attempt's late start) does nothing.
 */
import { log } from '@temporalio/activity';
import type { App, Trigger } from '../src/definitions/define';
import type { OnErrorContext } from '../src/definitions/types';
import { DefinitionError } from '../src/errors';
import { lockRun, readMarkers, type MarkerKind, type StoredMarker } from '../src/prisma/commit-markers';
import { resourceTable, runtimeModels, type AnyPrismaClient } from '../src/prisma/model-meta';
import { quoteIdent } from '../src/prisma/sql';
import { packKeys } from '../workflows/packed-keys';
import { decodeKey, encodeKey, recordIdOf } from '../workflows/primary-key';
import type { AttemptOutcome, ChunkAttemptResult, RunActionInput } from '../workflows/types';
import { backoffSeconds } from './attempt-outcome';
import { attemptTimeoutMs, runAttemptTransaction, type AttemptMode } from './attempt-transaction';
import { whereFor } from '../src/definitions/where';
import { serializeError } from './serialize-error';

/** `SELECT <key columns> FROM <table> WHERE (<key>) IN ((...), ...) FOR UPDATE SKIP LOCKED` */
export function claimSql(t: Trigger, prisma: AnyPrismaClient, count: number): string {
  const r = t.resource;
  const cols = r.primaryKey.map((f) => quoteIdent(r.columns[f] ?? f));
  const width = r.primaryKey.length;
  const tuples = Array.from({ length: count }, (_, i) => `(${r.primaryKey.map((_f, j) => `$${i * width + j + 1}`).join(', ')})`);
  const select = r.primaryKey.map((f) => `${quoteIdent(r.columns[f] ?? f)} AS ${quoteIdent(f)}`).join(', ');
  return `SELECT ${select} FROM ${resourceTable(r, runtimeModels(prisma)?.[r.model])} WHERE (${cols.join(', ')}) IN (${tuples.join(', ')}) FOR UPDATE SKIP LOCKED`;
}

/**
 * `SELECT count(*) FROM (SELECT 1 FROM <table> WHERE <key> = ANY($1) FOR UPDATE SKIP LOCKED)`: the
 * claim of a one-column key as one array literal (Postgres types it as the column's array), which
 * locks the same rows as `claimSql` and returns only how many. When that is every key, the claim
 * needs no list back; otherwise `claimSql` asks which (the rows locked here stay locked by this
 * transaction, and it locks them again without waiting).
 */
export function claimCountSql(t: Trigger, prisma: AnyPrismaClient, field: string): string {
  const r = t.resource;
  return `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${resourceTable(r, runtimeModels(prisma)?.[r.model])} WHERE ${quoteIdent(r.columns[field] ?? field)} = ANY($1) FOR UPDATE SKIP LOCKED) AS claimed`;
}

/** A Postgres array literal of strings or numbers: `{7,8}`, `{"a","b\"c"}`. */
export function arrayLiteral(values: readonly (string | number)[]): string {
  return `{${values.map((v) => (typeof v === 'number' ? String(v) : `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

/**
 * The records with these keys, as a Prisma `where`: `{ id: { in: [...] } }` for a one-column key
 * (one `IN` list: Prisma builds and Postgres plans it several times faster than 500 `OR`ed
 * equalities), else an `OR` of the compound keys.
 */
export function keysWhere(pk: string[], keys: Record<string, unknown>[]): Record<string, unknown> {
  if (pk.length === 1) return { [pk[0]!]: { in: keys.map((k) => k[pk[0]!]) } };
  return { OR: keys.map((k) => Object.fromEntries(pk.map((f) => [f, k[f]]))) };
}

/** What a chunk function action may return about records it could not process. */
function failuresOf(t: Trigger, ret: unknown): { recordId: string; error: unknown }[] {
  if (ret === undefined || ret === null) return [];
  const list = Array.isArray(ret) ? ret : (ret as { failed?: unknown }).failed;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new DefinitionError(`${t.id}.action`, 'a chunk action returns nothing, or { failed: [{ record, error }] } for the records it could not process');
  return list.map((f: { record?: Record<string, unknown>; error?: unknown }) => {
    if (!f?.record) throw new DefinitionError(`${t.id}.action`, 'each entry of { failed } needs the record it is about: { record, error }');
    return { recordId: recordIdOf(encodeKey(f.record, t.resource.primaryKey), t.resource.primaryKey), error: f.error };
  });
}

/** The marker of one execution of an attempt: `action:<attempt>`, and `:<round>` for a final attempt run again. */
export function chunkMarkerKind(mode: AttemptMode, attempt: number, round = 1): MarkerKind {
  return (round > 1 ? `${mode}:${attempt}:${round}` : `${mode}:${attempt}`) as MarkerKind;
}

/** Attempt and round of a chunk marker (`action:3:2` → [3, 2]); undefined for other kinds. */
function executionOf(kind: string): [number, number] | undefined {
  const m = /^(?:action|onError):(\d+)(?::(\d+))?$/.exec(kind);
  return m ? [Number(m[1]), Number(m[2] ?? 1)] : undefined;
}

/** What earlier executions of the run committed, by record: the action's and onError's. */
function committedBefore(markers: StoredMarker[]): { action: Set<string>; onError: Set<string> } {
  const out = { action: new Set<string>(), onError: new Set<string>() };
  for (const m of markers) {
    const r = m.result as ChunkAttemptResult | null;
    if (!r) continue; // written by a version that stored no result
    for (const id of r.succeeded) out[m.kind.startsWith('onError') ? 'onError' : 'action'].add(id);
    for (const id of r.handled ?? []) out.onError.add(id);
  }
  return out;
}

export async function runChunkAttempt(app: App, prisma: AnyPrismaClient, t: Trigger, input: RunActionInput, mode: AttemptMode, abandon?: AbortSignal): Promise<AttemptOutcome> {
  const handler = mode === 'action' ? (t.chunkAction ?? t.action) : t.onError;
  if (!handler) return { status: 'error', error: { name: 'DefinitionError', message: `${t.id} has no onError handler` }, backoffSeconds: 0 };
  const pk = t.resource.primaryKey;
  const encoded = input.chunkKeys ?? [];
  const kind = chunkMarkerKind(mode, input.attempt, input.round);
  let before = { action: new Set<string>(), onError: new Set<string>() };
  const timeoutMs = t.chunks?.timeout ?? attemptTimeoutMs(t, input) ?? undefined;
  return runAttemptTransaction(
    { app, prisma, t, input, mode, ...(abandon ? { abandon } : {}) },
    {
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      async begin(tx, run) {
        const pid = await lockRun(tx, run.workflowId, run.runId);
        const markers = await readMarkers(tx, app, run.workflowId, run.runId);
        const own = markers.find((m) => m.kind === kind);
        // the same execution run again (its result was lost with its worker): what it did
        if (own) return { pid, recalled: { status: 'success', ...(own.result ? { chunk: own.result as ChunkAttemptResult } : {}) } };
        const mine = [input.attempt, input.round ?? 1] as const;
        const later = markers.map((m) => executionOf(m.kind)).find((e) => e && (e[0] > mine[0] || (e[0] === mine[0] && e[1] > mine[1])));
        if (later) {
          // a lost execution that started late, after the run moved on: it must do nothing
          log.warn(`${t.id} chunk: attempt ${input.attempt} started after attempt ${later[0]} committed; it does nothing`);
          return { pid, recalled: { status: 'success', chunk: { succeeded: [], noLongerApplies: [], inFlight: [], failed: [] } } };
        }
        before = committedBefore(markers);
        return { pid };
      },
      async act(tx, ctx, handle) {
        const ids = encoded.map((k) => recordIdOf(k, pk));
        const earlier = ids.filter((id) => before.action.has(id));
        const handledBefore = ids.filter((id) => before.onError.has(id));
        const done = new Set([...earlier, ...handledBefore]);
        const todo = ids.map((id, i) => ({ id, encoded: encoded[i]!, key: decodeKey(encoded[i]!) })).filter((r) => !done.has(r.id));
        let claimed = todo;
        if (t.lockForUpdate && todo.length) {
          // keys of one string or number column: first only count what was locked (one parameter, one row back)
          const packed = packKeys(todo.map((r) => r.encoded));
          const everyOne = packed !== undefined && Number(((await tx.$queryRawUnsafe(claimCountSql(t, prisma, packed.field), arrayLiteral(packed.values))) as { n: number }[])[0]?.n) === todo.length;
          if (!everyOne) {
            const rows = (await tx.$queryRawUnsafe(claimSql(t, prisma, todo.length), ...todo.flatMap((r) => pk.map((f) => r.key[f])))) as Record<string, unknown>[];
            const got = new Set(rows.map((r) => recordIdOf(encodeKey(r, pk), pk)));
            claimed = todo.filter((r) => got.has(r.id));
          }
        }
        const claimedSet = new Set(claimed.map((r) => r.id));
        const inFlight = todo.filter((r) => !claimedSet.has(r.id)).map((r) => r.id);
        const where = whereFor(t, { now: new Date(), tenant: ctx.tenant, actor: ctx.actor, purpose: 'reread', allTenants: false });
        const claimedWhere = { AND: [where ?? {}, keysWhere(pk, claimed.map((r) => r.key))] };
        const delegate = tx[t.resource.delegate];
        // A declarative update of the same data for every record is its own re-check: one
        // `updateManyAndReturn` on `where ∩ claimed` returns the keys it wrote (the claimed rows
        // are locked, so nothing changes between a re-read and the write). A delete re-reads only
        // the keys; user code (a function action, onError, or `update` computed per record) gets
        // the records whole.
        const keysOnly = Object.fromEntries(pk.map((f) => [f, true]));
        const declarative = typeof handler === 'object' ? handler : undefined;
        const writeAtOnce = declarative && !('delete' in declarative) && typeof declarative.update !== 'function' && typeof delegate.updateManyAndReturn === 'function' ? declarative : undefined;
        let written = false;
        let records: Record<string, unknown>[] = [];
        if (claimed.length && writeAtOnce) {
          records = (await handle(() => delegate.updateManyAndReturn({ where: claimedWhere, data: writeAtOnce.update, select: keysOnly }))) as Record<string, unknown>[];
          written = true;
        } else if (claimed.length) {
          records = (await delegate.findMany({ where: claimedWhere, ...(declarative && 'delete' in declarative ? { select: keysOnly } : {}) })) as Record<string, unknown>[];
        }
        const matching = records.map((r) => recordIdOf(encodeKey(r, pk), pk));
        const matchingSet = new Set(matching);
        const noLongerApplies = claimed.filter((r) => !matchingSet.has(r.id)).map((r) => r.id);
        let failed: { recordId: string; error: unknown }[] = [];
        if (t.debug && written) log.debug(`Trigger ${t.id}: chunk of ${records.length} records`, { mode, attempt: input.attempt });
        if (records.length && !written) {
          if (t.debug) log.debug(`Trigger ${t.id}: chunk of ${records.length} records`, { mode, attempt: input.attempt });
          const chunkCtx = { ...ctx, metadata: undefined, extraArgs: {}, ...(mode === 'onError' ? { error: input.error ?? { name: 'Error', message: 'chunk processing failed' } } : {}) };
          const matchingWhere = { AND: [where ?? {}, keysWhere(pk, records)] };
          failed = await handle(async () => {
            if (typeof handler === 'function' && mode === 'action') return failuresOf(t, await (handler as (records: unknown[], c: unknown) => unknown)(records, chunkCtx));
            if (typeof handler === 'function') {
              // a function onError: once per failed record, each with its own error, in this one transaction
              for (const r of records) {
                const id = recordIdOf(encodeKey(r, pk), pk);
                await (handler as (record: unknown, c: OnErrorContext) => unknown)(r, { ...(chunkCtx as OnErrorContext), error: input.chunkErrors?.[id] ?? (chunkCtx as OnErrorContext).error });
              }
              return [];
            }
            if ('delete' in handler) await delegate.deleteMany({ where: matchingWhere });
            else if (typeof handler.update !== 'function') await delegate.updateMany({ where: matchingWhere, data: handler.update });
            else {
              // data computed per record: one write each, still in this one transaction
              for (const r of records) {
                const data = await handler.update(r, chunkCtx);
                await delegate.updateMany({ where: Object.fromEntries(pk.map((f) => [f, r[f]])), data });
              }
            }
            return [];
          });
        }
        const failedIds = new Set(failed.map((f) => f.recordId));
        const result: ChunkAttemptResult = {
          succeeded: matching.filter((id) => !failedIds.has(id)),
          ...(earlier.length ? { earlier } : {}),
          ...(handledBefore.length ? { handled: handledBefore } : {}),
          noLongerApplies,
          inFlight,
          failed: failed.map((f) => ({ recordId: f.recordId, error: serializeError(f.error) })),
          ...(failed.length && mode === 'action' && input.attempt < input.maxAttempts ? { backoffSeconds: backoffSeconds(t.backoff, input.attempt, failed[0]!.error) } : {}),
        };
        // every record of the attempt committed: a bare success says so (the engine settles all
        // it sent), and the run's history keeps no list of ids; the marker keeps the list
        const whole = result.succeeded.length === ids.length && !failed.length;
        return { outcome: whole ? { status: 'success' } : { status: 'success', chunk: result }, marker: { kind, result } };
      },
    },
  );
}
