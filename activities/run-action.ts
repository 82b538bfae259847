/**
 * Per-record activity: in ONE transaction, lock the record (FOR UPDATE), re-read it with the
 * trigger's `where`, run the action (or the on-error handler), commit. The lock is held for the
 * whole action (AshOban released it before the action ran).
 */
import { activityInfo, log } from '@temporalio/activity';
import { cancel, snooze, TriggerNoLongerApplies } from '../src/control-flow';
import { DefinitionError } from '../src/errors';
import type { App, DeclarativeAction, Trigger } from '../src/definitions/define';
import type { ActionContext, OnErrorContext } from '../src/definitions/types';
import { hasCommitted, markCommitted } from '../src/prisma/commit-markers';
import { lockSql, runtimeModels, type AnyPrismaClient } from '../src/prisma/model-meta';
import { decodeKey } from '../workflows/primary-key';
import type { AttemptOutcome, RunActionInput } from '../workflows/types';
import { outcomeOfError } from './attempt-outcome';
import { definitionOfRun } from './definition-of-run';
import { resolveWhere } from './find-records';
import { withHeartbeat } from './heartbeat';
import { runChunkAttempt } from './run-chunk';
import { currentRunOf, prepareTransaction, resolveScope } from './run-scope';
import { withCurrentRun } from '../src/runtime/run-scope';
import { testHooks } from './test-hooks';

/** Interactive transaction limit when the trigger has no `timeout` (Prisma's default is 5 s). */
const DEFAULT_TRANSACTION_TIMEOUT_MS = 15 * 60_000;

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

export async function runTriggerAttempt(app: App, prisma: AnyPrismaClient, input: RunActionInput, mode: 'action' | 'onError'): Promise<AttemptOutcome> {
  const t = definitionOfRun(app, 'record');
  if (t.state !== 'active') return { status: 'cancel', reason: `trigger ${t.id} is ${t.state}` };
  if (input.chunkKeys) return runChunkAttempt(app, prisma, t, input, mode);
  const handler = mode === 'action' ? t.action : t.onError;
  if (!handler) return { status: 'error', error: { name: 'DefinitionError', message: `${t.id} has no ${mode === 'action' ? 'action' : 'onError handler'}` }, backoffSeconds: 0 };
  const key = decodeKey(input.key);
  const pk = t.resource.primaryKey;
  const model = runtimeModels(prisma)?.[t.resource.model];
  const limit = input.timeoutMs !== undefined ? input.timeoutMs : typeof t.timeout === 'number' ? t.timeout : null;
  const timeout = limit ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  const runId = activityInfo().workflowExecution?.runId ?? '';
  let alreadyCommitted = false;
  try {
    const scope = await resolveScope(app, t, input);
    const run = currentRunOf(app, t, { trigger: t.id, workflowId: input.workflowId, attempt: input.attempt }, scope);
    await withHeartbeat(() =>
      prisma.$transaction(
        async (tx: any) => {
          // First in the transaction, before the lock and re-read: row-level security settings.
          await prepareTransaction(app, t, tx, scope);
          const locked = t.lockForUpdate ? ((await tx.$queryRawUnsafe(lockSql(t.resource, model), ...pk.map((f) => key[f]))) as unknown[]) : undefined;
          // An earlier attempt of this run committed but its result was lost (its worker died):
          // report that success; never run the action twice. Checked under the row lock.
          if (await hasCommitted(tx, app, input.workflowId, runId, mode)) {
            alreadyCommitted = true;
            return;
          }
          if (locked?.length === 0) throw new TriggerNoLongerApplies('record no longer exists');
          const where = resolveWhere(t, new Date(), scope.tenant, scope.actor);
          const record = await tx[t.resource.delegate].findFirst({ where: { AND: [key, where ?? {}] } });
          if (!record) throw new TriggerNoLongerApplies(`record no longer matches the where of ${t.id}`);
          const ctx: ActionContext = {
            tx,
            args: { ...(t.actionInput ?? {}), ...input.actionArguments },
            metadata: input.metadata,
            extraArgs: input.extraArgs ?? {},
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
          if (t.debug) log.debug(`Trigger ${t.id} triggered for primary key ${JSON.stringify(key)}`, { mode, attempt: input.attempt });
          if (mode === 'onError') (ctx as OnErrorContext).error = input.error ?? { name: 'Error', message: 'unknown error' };
          // Code the action calls (a Prisma extension, a nested runTrigger) sees the run: currentRun().
          await withCurrentRun(run, () => (typeof handler === 'function' ? handler(record, ctx as OnErrorContext) : runDeclarative(t, tx, handler, record, ctx, key)));
          await markCommitted(tx, app, input.workflowId, runId, mode, input.attempt);
        },
        // Waiting for a pool connection is not death: the attempt may wait its whole time budget
        // (heartbeating meanwhile); a transaction that cannot start then is an infrastructure error.
        { timeout, maxWait: timeout },
      ),
    );
    if (alreadyCommitted) log.info(`${t.id} record ${JSON.stringify(input.key)}: an earlier attempt of this run committed; reporting its success`);
    else await testHooks.afterCommit?.(input.workflowId, mode);
    return { status: 'success' };
  } catch (err) {
    return outcomeOfError(err, t.backoff, input.attempt, mode === 'action' && input.attempt < input.maxAttempts);
  }
}
