/**
 * The skeleton of every attempt that runs a trigger's action (or `onError`) in one transaction,
 * per record or per chunk: the run's scope and `currentRun()`, `prepareTransaction` first in the
 * transaction, the lock and the commit-marker look-up, the action context, the commit marker
 * written last, heartbeats, and what the action did (returned, threw) mapped to the outcome the
 * workflow acts on. What differs (what is locked, how records are re-read, what the handler
 * gets, what the marker stores) is the `AttemptBody` of record-attempt.ts and chunk-attempt.ts.
 *
 * An attempt its worker gives up on (the worker shuts down past its grace time, or the server
 * timed the attempt out) is abandoned at once: its transaction's server process is ended, so it
 * can never commit after another attempt took over, and the activity fails with
 * ATTEMPT_ABANDONED_TYPE, which the workflow takes as lost (it runs the attempt again).
 */
import { activityInfo, ApplicationFailure, Context } from '@temporalio/activity';
import { cancel, snooze } from '../src/control-flow';
import type { App, Trigger } from '../src/definitions/define';
import type { ActionContext, OnErrorContext } from '../src/definitions/types';
import { markCommitted, type MarkerKind } from '../src/prisma/commit-markers';
import type { AnyPrismaClient } from '../src/prisma/model-meta';
import { withCurrentRun } from '../src/runtime/run-scope';
import { ATTEMPT_ABANDONED_TYPE, type AttemptOutcome, type RunActionInput } from '../workflows/types';
import { outcomeOfError } from './attempt-outcome';
import { withHeartbeat } from './heartbeat';
import { currentRunOf, prepareTransaction, resolveScope, type ResolvedScope } from './run-scope';

/** Interactive transaction limit when the trigger has no `timeout` (Prisma's default is 5 s). */
const DEFAULT_TRANSACTION_TIMEOUT_MS = 15 * 60_000;

export type AttemptMode = 'action' | 'onError';

export interface AttemptEnv {
  app: App;
  prisma: AnyPrismaClient;
  t: Trigger;
  input: RunActionInput;
  mode: AttemptMode;
  /** Aborted by the worker when its shutdown grace time is over (local attempts get no cancellation of their own). */
  abandon?: AbortSignal;
}

export interface AttemptBody {
  /** The transaction's time limit, when the body sets its own (chunks: `chunks.timeout`). */
  timeoutMs?: number;
  /**
   * First in the transaction after `prepareTransaction`: lock what the attempt works on and look
   * up the run's markers. Returns the transaction's server process and, when this attempt already
   * committed (an execution whose result was lost), the outcome to report again.
   */
  begin(tx: any, run: { workflowId: string; runId: string }): Promise<{ pid: number | undefined; recalled?: AttemptOutcome }>;
  /**
   * Re-reads and runs the handler (`handle` calls user code with `currentRun()` set). Returns the
   * outcome and the commit marker to write, or `marker: undefined` to write none (nothing committed).
   */
  act(tx: any, ctx: ActionContext, handle: <T>(fn: () => Promise<T>) => Promise<T>): Promise<{ outcome: AttemptOutcome; marker?: { kind: MarkerKind; result?: unknown } }>;
}

/** The time limit of the attempt's transaction: the attempt's own, else the trigger's `timeout`. */
export function attemptTimeoutMs(t: Trigger, input: RunActionInput): number | null {
  return input.timeoutMs !== undefined ? input.timeoutMs : typeof t.timeout === 'number' ? t.timeout : null;
}

/** What the action (or onError) receives besides its record(s). */
function actionContext(env: AttemptEnv, scope: ResolvedScope, tx: unknown): ActionContext | OnErrorContext {
  const { t, input, mode } = env;
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
  return mode === 'onError' ? { ...ctx, error: input.error ?? { name: 'Error', message: 'unknown error' } } : ctx;
}

/**
 * Watches the activity's cancellation (worker shutdown, or the server gave the attempt up) and the
 * worker's own `abandon` signal: then the attempt is abandoned, its transaction's server process
 * ended, and `race` rejects at once, even when the action ignores cancellation.
 */
export function abandonment(prisma: AnyPrismaClient | undefined, abandon?: AbortSignal) {
  let cancelled: AbortSignal | undefined;
  try {
    cancelled = Context.current().cancellationSignal;
  } catch {
    cancelled = undefined; // called outside an activity (unit tests)
  }
  // Listened to apart and unlistened when the attempt ends (`dispose`): a listener left on the
  // worker-long `abandon` signal (or an AbortSignal.any of it) would keep every finished attempt,
  // and what its promises reach, alive for the worker's life.
  const sources = [cancelled, abandon].filter((s): s is AbortSignal => s !== undefined);
  const state = { abandoned: false, pid: undefined as number | undefined };
  const end = (): void => {
    if (state.pid !== undefined) prisma?.$queryRawUnsafe('SELECT pg_terminate_backend($1)', state.pid).catch(() => {});
  };
  let abort: ((reason: unknown) => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    abort = (reason) => {
      if (state.abandoned) return;
      state.abandoned = true;
      end();
      reject(ApplicationFailure.retryable(`the attempt was abandoned by its worker (${String(reason ?? 'cancelled')}); it did not commit`, ATTEMPT_ABANDONED_TYPE));
    };
  });
  aborted.catch(() => {});
  const onAbort = (event: Event): void => abort?.((event.target as AbortSignal | null)?.reason);
  const already = sources.find((s) => s.aborted);
  if (already) abort?.(already.reason);
  else for (const s of sources) s.addEventListener('abort', onAbort, { once: true });
  return {
    /** Stops listening (the attempt is over). */
    dispose(): void {
      for (const s of sources) s.removeEventListener('abort', onAbort);
      abort = undefined;
    },
    state,
    /** The transaction's server process, ended at once if the attempt is (or gets) abandoned. */
    setPid(pid: number | undefined): void {
      state.pid = pid;
      if (state.abandoned) end();
    },
    race: <T>(work: Promise<T>): Promise<T> => (sources.length ? Promise.race([work, aborted]) : work),
    /** Throws when abandoned: an abandoned attempt must not commit. */
    check(): void {
      if (state.abandoned) throw ApplicationFailure.retryable('the attempt was abandoned by its worker; it did not commit', ATTEMPT_ABANDONED_TYPE);
    },
  };
}

/** Runs one attempt of `env` in one transaction, as `body` says. */
export async function runAttemptTransaction(env: AttemptEnv, body: AttemptBody): Promise<AttemptOutcome> {
  const { app, prisma, t, input, mode } = env;
  const timeout = body.timeoutMs ?? attemptTimeoutMs(t, input) ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  const runId = activityInfo().workflowExecution?.runId ?? '';
  const watch = abandonment(prisma, env.abandon);
  try {
    // a worker past its grace time starts no new attempt (another worker will)
    watch.check();
    const scope = await resolveScope(app, t, input);
    const run = currentRunOf(app, t, { trigger: t.id, workflowId: input.workflowId, attempt: input.attempt }, scope);
    const handle = <T>(fn: () => Promise<T>): Promise<T> => withCurrentRun(run, fn);
    return await watch.race(
      withHeartbeat(() =>
        prisma.$transaction(
          async (tx: any) => {
            // First in the transaction, before the lock and re-read: row-level security settings.
            await prepareTransaction(app, t, tx, scope, mode);
            const { pid, recalled } = await watch.race(body.begin(tx, { workflowId: input.workflowId, runId }));
            watch.setPid(pid);
            if (recalled) return recalled;
            // raced too, so an abandoned attempt also ends Prisma's transaction (a client waiting
            // to disconnect is not held by an action that never returns)
            const { outcome, marker } = await watch.race(body.act(tx, actionContext(env, scope, tx), handle));
            watch.check();
            if (marker) await markCommitted(tx, app, input.workflowId, runId, marker.kind, input.attempt, marker.result);
            return outcome;
          },
          // Waiting for a pool connection is not death: the attempt may wait its whole time budget
          // (heartbeating meanwhile); a transaction that cannot start then is an infrastructure error.
          { timeout, maxWait: timeout },
        ),
      ),
    );
  } catch (err) {
    if (watch.state.abandoned) throw err instanceof ApplicationFailure && err.type === ATTEMPT_ABANDONED_TYPE ? err : ApplicationFailure.retryable('the attempt was abandoned by its worker; it did not commit', ATTEMPT_ABANDONED_TYPE);
    return outcomeOfError(err, t.backoff, input.attempt, mode === 'action' && input.attempt < input.maxAttempts);
  } finally {
    watch.dispose();
  }
}
