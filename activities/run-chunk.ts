/**
 * One attempt of a chunk run: in ONE transaction, claim the records (`FOR UPDATE SKIP LOCKED`:
 * one locked by another run in flight is left to it), re-read the claimed ones with `where`, run
 * the action on those still matching, commit. A declarative `{ update }` / `{ delete }` is one
 * `updateMany` / `deleteMany` on `where ∩ key IN (...)`; a function action gets
 * `(records, ctx)` and may return `{ failed: [{ record, error }] }` for records it could not
 * process (they are retried alone, then handed to onError).
 */
import { activityInfo, log } from '@temporalio/activity';
import { cancel, snooze } from '../src/control-flow';
import type { App, Trigger } from '../src/definitions/define';
import type { ActionContext, OnErrorContext } from '../src/definitions/types';
import { DefinitionError } from '../src/errors';
import { hasCommitted, markCommitted } from '../src/prisma/commit-markers';
import { runtimeModels, type AnyPrismaClient } from '../src/prisma/model-meta';
import { withCurrentRun } from '../src/runtime/run-scope';
import { decodeKey, encodeKey, recordIdOf } from '../workflows/primary-key';
import type { AttemptOutcome, ChunkAttemptResult, RunActionInput } from '../workflows/types';
import { backoffSeconds, outcomeOfError } from './attempt-outcome';
import { resolveWhere } from './find-records';
import { withHeartbeat } from './heartbeat';
import { currentRunOf, prepareTransaction, resolveScope } from './run-scope';
import { serializeError } from './serialize-error';

const DEFAULT_TRANSACTION_TIMEOUT_MS = 15 * 60_000;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `SELECT <key columns> FROM <table> WHERE (<key>) IN ((...), ...) FOR UPDATE SKIP LOCKED` */
function claimSql(t: Trigger, prisma: AnyPrismaClient, count: number): string {
  const r = t.resource;
  const model = runtimeModels(prisma)?.[r.model];
  const table = r.table ?? model?.dbName ?? r.model;
  const schema = r.schema ?? model?.schema ?? undefined;
  const from = schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
  const cols = r.primaryKey.map((f) => quoteIdent(r.columns[f] ?? f));
  const width = r.primaryKey.length;
  const tuples = Array.from({ length: count }, (_, i) => `(${r.primaryKey.map((_f, j) => `$${i * width + j + 1}`).join(', ')})`);
  const select = r.primaryKey.map((f) => `${quoteIdent(r.columns[f] ?? f)} AS ${quoteIdent(f)}`).join(', ');
  return `SELECT ${select} FROM ${from} WHERE (${cols.join(', ')}) IN (${tuples.join(', ')}) FOR UPDATE SKIP LOCKED`;
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

export async function runChunkAttempt(app: App, prisma: AnyPrismaClient, t: Trigger, input: RunActionInput, mode: 'action' | 'onError'): Promise<AttemptOutcome> {
  const handler = mode === 'action' ? (t.chunkAction ?? t.action) : t.onError;
  if (!handler) return { status: 'error', error: { name: 'DefinitionError', message: `${t.id} has no onError handler` }, backoffSeconds: 0 };
  const pk = t.resource.primaryKey;
  const encoded = input.chunkKeys ?? [];
  const ids = encoded.map((k) => recordIdOf(k, pk));
  const keys = encoded.map(decodeKey);
  const limit = input.timeoutMs !== undefined ? input.timeoutMs : typeof t.timeout === 'number' ? t.timeout : null;
  const timeout = t.chunks?.timeout ?? limit ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  const runId = activityInfo().workflowExecution?.runId ?? '';
  let result: ChunkAttemptResult | undefined;
  try {
    const scope = await resolveScope(app, t, input);
    const run = currentRunOf(app, t, { trigger: t.id, workflowId: input.workflowId, attempt: input.attempt }, scope);
    await withHeartbeat(() =>
      prisma.$transaction(
        async (tx: any) => {
          await prepareTransaction(app, t, tx, scope);
          // An earlier attempt committed and its result was lost: report it (all pending succeeded).
          if (await hasCommitted(tx, app, input.workflowId, runId, `${mode}:${input.attempt}`)) return;
          let claimed = ids;
          if (t.lockForUpdate && keys.length) {
            const rows = (await tx.$queryRawUnsafe(claimSql(t, prisma, keys.length), ...keys.flatMap((k) => pk.map((f) => k[f])))) as Record<string, unknown>[];
            const got = new Set(rows.map((r) => recordIdOf(encodeKey(r, pk), pk)));
            claimed = ids.filter((id) => got.has(id));
          }
          const claimedSet = new Set(claimed);
          const inFlight = ids.filter((id) => !claimedSet.has(id));
          const claimedKeys = keys.filter((_k, i) => claimedSet.has(ids[i]!));
          const where = resolveWhere(t, new Date(), scope.tenant, scope.actor);
          const records = claimedKeys.length ? ((await tx[t.resource.delegate].findMany({ where: { AND: [where ?? {}, keysWhere(pk, claimedKeys)] } })) as Record<string, unknown>[]) : [];
          const matching = records.map((r) => recordIdOf(encodeKey(r, pk), pk));
          const matchingSet = new Set(matching);
          const noLongerApplies = claimed.filter((id) => !matchingSet.has(id));
          let failed: { recordId: string; error: unknown }[] = [];
          if (records.length) {
            const ctx: ActionContext = {
              tx,
              args: { ...(t.actionInput ?? {}), ...input.actionArguments },
              metadata: undefined,
              extraArgs: {},
              attempt: input.attempt,
              maxAttempts: input.maxAttempts,
              lastAttempt: input.attempt >= input.maxAttempts,
              trigger: t.id,
              resource: t.resource.model,
              tenant: scope.tenant,
              actor: scope.actor,
              workflowId: input.workflowId,
              snooze,
              cancel,
            };
            if (mode === 'onError') (ctx as OnErrorContext).error = input.error ?? { name: 'Error', message: 'chunk processing failed' };
            if (t.debug) log.debug(`Trigger ${t.id}: chunk of ${records.length} records`, { mode, attempt: input.attempt });
            const matchingWhere = { AND: [where ?? {}, keysWhere(pk, records)] };
            failed = await withCurrentRun(run, async () => {
              if (typeof handler === 'function' && mode === 'action') return failuresOf(t, await (handler as (records: unknown[], c: unknown) => unknown)(records, ctx));
              if (typeof handler === 'function') {
                // a function onError: once per failed record, each with its own error, in this one transaction
                for (const r of records) {
                  const id = recordIdOf(encodeKey(r, pk), pk);
                  await (handler as (record: unknown, c: OnErrorContext) => unknown)(r, { ...(ctx as OnErrorContext), error: input.chunkErrors?.[id] ?? (ctx as OnErrorContext).error });
                }
                return [];
              }
              if ('delete' in handler) await tx[t.resource.delegate].deleteMany({ where: matchingWhere });
              else if (typeof handler.update !== 'function') await tx[t.resource.delegate].updateMany({ where: matchingWhere, data: handler.update });
              else {
                // data computed per record: one write each, still in this one transaction
                for (const r of records) {
                  const data = await handler.update(r, ctx);
                  await tx[t.resource.delegate].updateMany({ where: Object.fromEntries(pk.map((f) => [f, r[f]])), data });
                }
              }
              return [];
            });
          }
          const failedIds = new Set(failed.map((f) => f.recordId));
          result = {
            succeeded: matching.filter((id) => !failedIds.has(id)),
            noLongerApplies,
            inFlight,
            failed: failed.map((f) => ({ recordId: f.recordId, error: serializeError(f.error) })),
            ...(failed.length && mode === 'action' && input.attempt < input.maxAttempts ? { backoffSeconds: backoffSeconds(t.backoff, input.attempt, failed[0]!.error) } : {}),
          };
          await markCommitted(tx, app, input.workflowId, runId, `${mode}:${input.attempt}`, input.attempt);
        },
        { timeout, maxWait: timeout },
      ),
    );
    return { status: 'success', ...(result ? { chunk: result } : {}) };
  } catch (err) {
    return outcomeOfError(err, t.backoff, input.attempt, mode === 'action' && input.attempt < input.maxAttempts);
  }
}
