/**
 * One attempt of a per-record run: in ONE transaction, lock the record (FOR UPDATE), look up the
 * run's commit markers, re-read the record with the trigger's `where`, run the action (or the
 * on-error handler), write the marker, commit. The lock is held for the whole action (AshOban
 * released it before the action ran). The transaction's frame is attempt-transaction.ts.
 */
import { log } from '@temporalio/activity';
import { TriggerNoLongerApplies } from '../src/control-flow';
import { DefinitionError } from '../src/errors';
import type { App, DeclarativeAction, Trigger } from '../src/definitions/define';
import type { ActionContext, OnErrorContext } from '../src/definitions/types';
import { committedKinds } from '../src/prisma/commit-markers';
import { lockSql, runtimeModels, type AnyPrismaClient } from '../src/prisma/model-meta';
import { decodeKey, recordIdOf } from '../workflows/primary-key';
import type { AttemptOutcome, RunActionInput } from '../workflows/types';
import { runAttemptTransaction, type AttemptMode } from './attempt-transaction';
import { whereFor } from '../src/definitions/where';

/** Prisma's "record to update/delete not found": the record vanished under us (AshOban's StaleRecord). */
const isRecordNotFound = (err: unknown): boolean => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2025';

/**
 * A declarative update/delete of the run's own record. A single-field key uses update/delete (so
 * `data` may hold relation writes); a compound key uses updateMany/deleteMany on the key fields,
 * because Prisma's name for a compound unique (`a_b`, or `@@id(name:)`) is not in its runtime model.
 */
async function runDeclarative(t: Trigger, tx: any, action: DeclarativeAction<any>, record: any, ctx: ActionContext, key: Record<string, unknown>): Promise<void> {
  const delegate = tx[t.resource.delegate];
  const pk = t.resource.primaryKey;
  const isDelete = 'delete' in action;
  let data: unknown;
  if (!isDelete) {
    data = typeof action.update === 'function' ? await action.update(record, ctx) : action.update;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new DefinitionError(`${t.id}.action.update`, `the update function returned ${Array.isArray(data) ? 'an array' : String(data)}; it must return the data object for prisma.${t.resource.delegate}.update`);
    }
  }
  if (pk.length > 1) {
    const { count } = isDelete ? await delegate.deleteMany({ where: key }) : await delegate.updateMany({ where: key, data });
    if (count === 0) throw new TriggerNoLongerApplies('record no longer exists');
    return;
  }
  const where = { [pk[0]!]: key[pk[0]!] };
  try {
    if (isDelete) await delegate.delete({ where });
    else await delegate.update({ where, data });
  } catch (err) {
    // Locked and re-read in this transaction, the record cannot be gone: a P2025 then comes from a
    // nested write in `data` and is an ordinary error. Without the lock it may have vanished.
    if (!t.lockForUpdate && isRecordNotFound(err)) throw new TriggerNoLongerApplies('record no longer exists');
    throw err;
  }
}

export async function runRecordAttempt(app: App, prisma: AnyPrismaClient, t: Trigger, input: RunActionInput, mode: AttemptMode, abandon?: AbortSignal): Promise<AttemptOutcome> {
  const handler = mode === 'action' ? t.action : t.onError;
  if (!handler) return { status: 'error', error: { name: 'DefinitionError', message: `${t.id} has no ${mode === 'action' ? 'action' : 'onError handler'}` }, backoffSeconds: 0 };
  const key = decodeKey(input.key);
  const pk = t.resource.primaryKey;
  const model = runtimeModels(prisma)?.[t.resource.model];
  return runAttemptTransaction(
    { app, prisma, t, input, mode, ...(abandon ? { abandon } : {}) },
    {
      async begin(tx, run) {
        const locked = t.lockForUpdate ? ((await tx.$queryRawUnsafe(lockSql(t.resource, model), ...pk.map((f) => key[f]))) as { pid: number }[]) : undefined;
        if (locked?.length && !app.commitMarkers) return { pid: Number(locked[0]!.pid) };
        // Checked under the row lock: an execution of this run committed but its result was lost
        // (its worker died): report what it did; never run the action twice, nor after its onError.
        const { pid, kinds } = await committedKinds(tx, app, run.workflowId, run.runId);
        const recalled = recall(kinds, mode, recordIdOf(input.key, pk));
        if (recalled) {
          log.info(`${t.id} record ${recordIdOf(input.key, pk)}: an earlier execution of this run committed its ${kinds.has('onError') ? 'onError' : 'action'}; reporting that`);
          return { pid, recalled };
        }
        if (locked?.length === 0) throw new TriggerNoLongerApplies('record no longer exists');
        return { pid };
      },
      async act(tx, ctx, handle) {
        const where = whereFor(t, { now: new Date(), tenant: ctx.tenant, actor: ctx.actor, purpose: 'reread', allTenants: false });
        const record = await tx[t.resource.delegate].findFirst({ where: { AND: [key, where ?? {}] } });
        if (!record) throw new TriggerNoLongerApplies(`record no longer matches the where of ${t.id}`);
        if (t.debug) log.debug(`Trigger ${t.id} triggered for primary key ${JSON.stringify(key)}`, { mode, attempt: input.attempt });
        // Code the action calls (a Prisma extension, a nested runTrigger) sees the run: currentRun().
        await handle(async () => (typeof handler === 'function' ? handler(record, ctx as OnErrorContext) : runDeclarative(t, tx, handler, record, ctx, key)));
        return { outcome: { status: 'success' }, marker: { kind: mode } };
      },
    },
  );
}

/**
 * What an earlier execution of the run committed, as this attempt reports it: its own kind (the
 * same attempt run again), the action when onError is asked for (the action committed after all:
 * the record succeeded), or onError (the run is over: an action never runs after it).
 */
function recall(kinds: Set<string>, mode: AttemptMode, recordId: string): AttemptOutcome | undefined {
  if (kinds.has(mode) || (mode === 'action' && kinds.has('onError'))) return { status: 'success' };
  if (mode === 'onError' && kinds.has('action')) return { status: 'success', chunk: { succeeded: [], earlier: [recordId], noLongerApplies: [], inFlight: [], failed: [] } };
  return undefined;
}
