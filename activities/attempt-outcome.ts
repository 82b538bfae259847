/** Turns what an action did (returned, threw) into the attempt outcome the workflow acts on. */
import { checkForControlFlow, TriggerNoLongerApplies } from '../src/control-flow';
import type { BackoffFn } from '../src/definitions/types';
import { exponentialBackoffSeconds } from '../workflows/backoff';
import type { AttemptOutcome } from '../workflows/types';
import { serializeError } from './serialize-error';

/** Looks for an error matching `pred` in `err` and its `cause` chain. */
function inChain(err: unknown, pred: (e: { code?: unknown }) => boolean, depth = 0): boolean {
  if (depth > 8 || typeof err !== 'object' || err === null) return false;
  return pred(err as { code?: unknown }) || inChain((err as { cause?: unknown }).cause, pred, depth + 1);
}

const isNoLongerApplies = (err: unknown): boolean => inChain(err, (e) => e instanceof TriggerNoLongerApplies || e.code === 'TRIGGER_NO_LONGER_APPLIES');

export function backoffSeconds(backoff: 'exponential' | number | BackoffFn, attempt: number, err: unknown): number {
  if (backoff === 'exponential') return exponentialBackoffSeconds(attempt);
  if (typeof backoff === 'number') return backoff;
  const s = backoff(attempt, serializeError(err));
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s : exponentialBackoffSeconds(attempt);
}

export function outcomeOfError(err: unknown, backoff: 'exponential' | number | BackoffFn, attempt: number): AttemptOutcome {
  const flow = checkForControlFlow(err);
  if (flow && 'snooze' in flow) return { status: 'snooze', seconds: flow.snooze };
  if (flow && 'cancel' in flow) return { status: 'cancel', reason: flow.cancel };
  if (isNoLongerApplies(err)) return { status: 'no-longer-applies', reason: (err as Error).message };
  return { status: 'error', error: serializeError(err), backoffSeconds: backoffSeconds(backoff, attempt, err) };
}
