/**
 * The attempt engine: the one loop behind record runs, chunk runs and scheduled actions. A run is
 * a unit of items (a record run: its record; a chunk run: its records; a scheduled action: itself)
 * and the engine drives its attempts until every item is settled:
 *
 * - an attempt settles the items it reports (committed, no longer matching, locked elsewhere) and
 *   leaves the failed ones pending; they are retried after the backoff, and after the last attempt
 *   handed to `onError` (once each), else they fail;
 * - snooze and cancel act on the whole unit; a snooze is a durable timer, not an attempt, and after
 *   `snoozesPerRun` of them the run continues as new carrying its state, so no history grows
 *   without bound;
 * - the database failing under an attempt is waited out (1 s, 2 s, 4 s ... 1 min) and the same
 *   attempt runs again, up to MAX_INFRASTRUCTURE_RETRIES times;
 * - an attempt that never returned is looked up in its commit marker first: what it committed is
 *   taken as its result, never done again. One lost with its worker (heartbeat timeout, worker
 *   shutdown) that committed nothing runs again as the same attempt: a crash costs no attempt.
 *
 * `legacy` reproduces the commands of runs started before this engine (see ENGINE_PATCH), so they
 * replay: no marker look-up but the old last-attempt check, a lost attempt counted as an error,
 * and for the old chunk runs an `onError` that snoozed or met an outage ending the run failed.
 */
import { TimeoutType } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, CancelledFailure, log, patched, sleep, TimeoutFailure } from '@temporalio/workflow';
import { exponentialBackoffSeconds, infrastructureRetryMs, MAX_INFRASTRUCTURE_RETRIES } from './backoff';
import type { TimeoutBackoff } from './attempt-activities';
import { ATTEMPT_ABANDONED_TYPE, RUN_COMMANDS, type AttemptOutcome, type ChunkAttemptResult, type EngineState, type SerializedErrorData, type Settled } from './types';

/**
 * Patch id of the engine. Runs started before it replay on the legacy path: record runs without
 * marker look-ups, chunk runs with normal activities, no continue-as-new and the old accounting.
 */
export const ENGINE_PATCH = 'ptt-attempt-engine';

/**
 * Whether a record or chunk run is on the engine: a run started with RUN_COMMANDS is, without a
 * patch marker; an older run is if its history has (or, run live, records) the ENGINE_PATCH marker.
 */
export function onEngine(input: { commands?: number }): boolean {
  return (input.commands ?? 0) >= RUN_COMMANDS || patched(ENGINE_PATCH);
}

/** A run that snoozes this many times continues as new, so its history never nears the limit. */
export const SNOOZES_PER_RUN = 500;

export type { EngineState, Settled } from './types';
export type AttemptMode = 'action' | 'onError';

/** One attempt's calls, made with the activities (and time limit) of that attempt. */
export interface AttemptStep {
  /** Runs the action or `onError` over the pending items; throws when the attempt did not return. */
  run(mode: AttemptMode, round: number, pending: string[], errors: ReadonlyMap<string, SerializedErrorData>): Promise<AttemptOutcome>;
  /** Engine path: what a lost attempt committed, from its commit marker (undefined: nothing). */
  recover?(mode: AttemptMode, round: number): Promise<AttemptOutcome | undefined>;
  /** Legacy path: whether a lost last attempt committed. */
  committed?(mode: AttemptMode): Promise<boolean>;
}

export interface UnitOfWork {
  /** Names the run in log lines: `Ticket.process record 7`. */
  label: string;
  items: string[];
  maxAttempts: number;
  /** Starts attempt `attemptNo` (asking a `timeout` function first when there is one). */
  begin(attemptNo: number): Promise<AttemptStep>;
  hasOnError: boolean;
  onErrorFailsJob: boolean;
  /** The wait after an attempt that did not return, when a retry follows. */
  backoff: TimeoutBackoff;
  setState(state: string): void;
  resume?: EngineState;
  snoozesPerRun: number;
  /** Continues the run as new with this state; absent: the run never does (legacy chunk runs). */
  continueAsNew?(state: EngineState): Promise<never>;
  /** A snooze of 0 s runs again at once, without a timer (runs started before the engine slept 1 ms). */
  immediateZeroSnooze?: boolean;
  /** Attempts run as local activities (an abandoned one fails the workflow task, to be retried elsewhere). */
  localAttempts?: boolean;
  /** The legacy chunk run: an `onError` that snoozed or met an outage failed the run. */
  legacyChunkOnError?: boolean;
  logErrors: boolean;
  logFinalError: boolean;
  debug: boolean;
}

export interface EngineResult {
  settled: Map<string, Settled>;
  errors: Map<string, SerializedErrorData>;
  handled: Set<string>;
  attempts: number;
  snoozes: number;
  /** Why the unit was cancelled, or why onError failed. */
  reason?: string;
}

/**
 * Whether an attempt was lost with its worker rather than failed: a heartbeat timeout (the worker
 * died) or an attempt its worker abandoned on shutdown. Such an attempt did nothing the marker
 * does not show, and runs again as the same attempt.
 */
export function lostWithItsWorker(err: unknown): boolean {
  const cause = failureOf(err);
  if (cause instanceof TimeoutFailure) return cause.timeoutType === TimeoutType.HEARTBEAT;
  return (err instanceof ActivityFailure && cause instanceof CancelledFailure) || abandoned(err);
}

/** What an attempt failed with: a normal activity's failure is wrapped in an ActivityFailure, a local one's is not. */
function failureOf(err: unknown): unknown {
  return err instanceof ActivityFailure ? err.cause : err;
}

/** An attempt its worker abandoned (see ATTEMPT_ABANDONED_TYPE). */
function abandoned(err: unknown): boolean {
  const cause = failureOf(err);
  return cause instanceof ApplicationFailure && cause.type === ATTEMPT_ABANDONED_TYPE;
}

/**
 * Thrown (a plain error: it fails the workflow task, not the run) when a local attempt was
 * abandoned by its stopping worker: the task is retried on another worker, where the attempt
 * runs again as if the stopped worker had crashed.
 */
/* istanbul ignore next -- fails a workflow task, so it is never in a history: test/integration/graceful-shutdown.test.ts */
export class LocalAttemptAbandoned extends Error {
  constructor(label: string) {
    super(`${label}: its worker stopped and abandoned the attempt; the workflow task is retried on another worker`);
    this.name = 'LocalAttemptAbandoned';
  }
}

/** A thrown attempt as the error an attempt reports. */
function errorOf(err: unknown): SerializedErrorData {
  const e = err as { message?: string; cause?: { message?: string; name?: string } };
  const message = e.cause?.message ? `${e.message ?? 'activity failed'}: ${e.cause.message}` : (e.message ?? String(err));
  return { name: e.cause?.name ?? 'ActivityFailure', message };
}

export async function runAttempts(u: UnitOfWork): Promise<EngineResult> {
  const settled = new Map<string, Settled>(Object.entries(u.resume?.settled ?? {}));
  const errors = new Map<string, SerializedErrorData>(Object.entries(u.resume?.errors ?? {}));
  const handled = new Set<string>(u.resume?.handled ?? []);
  let pending = u.items.filter((id) => !settled.has(id));
  let attemptNo = u.resume?.attempt ?? 1;
  let round = u.resume?.round ?? 1;
  let snoozes = u.resume?.snoozes ?? 0;
  let reason = u.resume?.reason;
  let snoozesThisRun = 0;
  let outages = 0;
  let reruns = 0;

  const settle = (ids: readonly string[], as: Settled): void => {
    if (!ids.length) return;
    const done = new Set(ids);
    for (const id of ids) settled.set(id, as);
    pending = pending.filter((id) => !done.has(id));
  };
  /** Per-item results of an attempt (none: every pending item succeeded). */
  const apply = (r: ChunkAttemptResult | undefined, mode: AttemptMode): void => {
    if (!r) {
      if (mode === 'onError') for (const id of pending) handled.add(id);
      return settle([...pending], mode === 'onError' && u.onErrorFailsJob ? 'discard' : 'success');
    }
    settle(r.earlier ?? [], 'success');
    // records a lost onError already handled, seen by a later execution (a zombie's race with the next one)
    /* istanbul ignore next -- reached only when an onError commits after its marker was looked up: activity-level exactness, test/integration/chunk-exactness.test.ts */
    for (const id of r.handled ?? []) handled.add(id);
    settle(r.handled ?? [], u.onErrorFailsJob ? 'discard' : 'success');
    if (mode === 'onError') for (const id of r.succeeded) handled.add(id);
    settle(r.succeeded, mode === 'onError' && u.onErrorFailsJob ? 'discard' : 'success');
    settle(r.noLongerApplies, 'cancelled');
    settle(r.inFlight, 'inFlight');
    for (const f of r.failed) errors.set(f.recordId, f.error);
  };
  const wait = async (ms: number, as: string): Promise<void> => {
    u.setState(as);
    await sleep(ms);
    u.setState('running');
  };
  const snooze = async (seconds: number): Promise<void> => {
    snoozes++;
    snoozesThisRun++;
    if (u.debug) log.debug('snoozed', { run: u.label, seconds });
    // snooze(0): run again now, no timer (runs before the engine slept 1 ms)
    if (seconds > 0 || !u.immediateZeroSnooze) await wait(Math.max(1, Math.round(seconds * 1000)), 'snoozed');
    if (u.continueAsNew && snoozesThisRun >= u.snoozesPerRun) {
      await u.continueAsNew({ attempt: attemptNo, ...(round > 1 ? { round } : {}), snoozes, settled: Object.fromEntries(settled), errors: Object.fromEntries(errors), handled: [...handled], ...(reason !== undefined ? { reason } : {}) });
    }
  };
  /** The database failed under the attempt: wait, then run the same attempt again. */
  const outage = async (message: string): Promise<void> => {
    outages++;
    log.warn(`${u.label}: database unavailable (${message}); attempt ${attemptNo} runs again (retry ${outages}/${MAX_INFRASTRUCTURE_RETRIES})`);
    await wait(infrastructureRetryMs(outages), 'backoff');
  };
  /** One attempt of `mode`; one that did not return is recovered from its marker, run again, or an error. */
  const attempt = async (step: AttemptStep, mode: AttemptMode, retryFollows: boolean): Promise<AttemptOutcome | 'again'> => {
    try {
      return await step.run(mode, round, pending, errors);
    } catch (err) {
      /* istanbul ignore if -- fails the workflow task, so it is never in a history: test/integration/graceful-shutdown.test.ts */
      if (u.localAttempts && abandoned(err)) throw new LocalAttemptAbandoned(u.label);
      if (step.recover) {
        const stored = await step.recover(mode, round);
        if (stored) return stored;
        if (lostWithItsWorker(err) && reruns < MAX_INFRASTRUCTURE_RETRIES) {
          reruns++;
          log.warn(`${u.label}: attempt ${attemptNo} (${mode}) was lost with its worker and committed nothing; it runs again`);
          return 'again';
        }
      } else if (!retryFollows && step.committed && (await step.committed(mode).catch(/* istanbul ignore next -- the marker look-up failed 20 times: the attempt counts as failed */ () => false))) {
        return { status: 'success' };
      }
      const error = errorOf(err);
      return { status: 'error', error, backoffSeconds: retryFollows ? await u.backoff(attemptNo, error) : 0 };
    }
  };

  for (;;) {
    const step = await u.begin(attemptNo);
    const retryFollows = attemptNo < u.maxAttempts;
    const out = await attempt(step, 'action', retryFollows);
    if (out === 'again') continue;
    if (out.status === 'snooze') {
      await snooze(out.seconds);
      continue;
    }
    if (out.status === 'cancel' || out.status === 'no-longer-applies') {
      if (out.status === 'no-longer-applies' && u.debug) log.debug('trigger no longer applies', { run: u.label });
      reason = out.reason;
      settle([...pending], 'cancelled');
      break;
    }
    if (out.status === 'error' && out.infrastructure && outages < MAX_INFRASTRUCTURE_RETRIES) {
      await outage(out.error.message);
      continue;
    }
    let waitSeconds: number;
    if (out.status === 'success') {
      apply(out.chunk, 'action');
      if (!pending.length) break;
      waitSeconds = out.chunk?.failed.length ? (out.chunk.backoffSeconds ?? exponentialBackoffSeconds(attemptNo)) : 0;
    } else {
      // the whole attempt failed (thrown, timed out): every pending item failed with it
      for (const id of pending) errors.set(id, out.error);
      waitSeconds = out.backoffSeconds;
    }
    const firstError = errors.get(pending[0]!);
    if (retryFollows) {
      if (u.logErrors) log.warn(`${u.label}: ${pending.length > 1 ? `${pending.length} items failed` : 'failed'} attempt ${attemptNo}/${u.maxAttempts}: ${firstError?.message ?? ''}`);
      await wait(Math.max(1, Math.round(waitSeconds * 1000)), 'backoff');
      attemptNo++;
      round = 1;
      continue;
    }
    if (u.logFinalError) log.error(`${u.label}: ${pending.length > 1 ? `${pending.length} items failed` : 'failed'} the final attempt ${attemptNo}/${u.maxAttempts}: ${firstError?.message ?? ''}`);
    if (!u.hasOnError) {
      settle([...pending], 'failure');
      break;
    }
    let h: AttemptOutcome | 'again';
    do h = await attempt(step, 'onError', false);
    while (h === 'again');
    if (h.status === 'success') {
      apply(h.chunk, 'onError');
      // onError reported items still failing (it cannot today; kept exact should it ever)
      settle([...pending], 'failure');
      break;
    }
    if (h.status === 'cancel' || h.status === 'no-longer-applies') {
      reason = h.reason;
      settle([...pending], 'cancelled');
      break;
    }
    if (!u.legacyChunkOnError) {
      // AshOban runs the whole final attempt again after a snooze from the error handler, and the
      // same after the database failed under it
      if (h.status === 'snooze') {
        round++;
        await snooze(h.seconds);
        continue;
      }
      if (h.infrastructure && outages < MAX_INFRASTRUCTURE_RETRIES) {
        round++;
        await outage(h.error.message);
        continue;
      }
    }
    if (h.status === 'error') {
      log.error(`${u.label}: the error handler failed: ${h.error.message}`);
      reason = `onError failed after: ${firstError?.message ?? ''}`;
      for (const id of pending) errors.set(id, h.error);
    }
    settle([...pending], 'failure');
    break;
  }
  return { settled, errors, handled, attempts: attemptNo, snoozes, ...(reason !== undefined ? { reason } : {}) };
}
