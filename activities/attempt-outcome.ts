/** Turns what an action did (returned, threw) into the attempt outcome the workflow acts on. */
import { findInstruction } from '../src/control-flow';
import { isInfrastructureError } from '../src/prisma/db-errors';
import type { BackoffFn } from '../src/definitions/types';
import { exponentialBackoffSeconds } from '../workflows/backoff';
import type { AttemptOutcome } from '../workflows/types';
import { serializeError } from './serialize-error';

export function backoffSeconds(backoff: 'exponential' | number | BackoffFn, attempt: number, err: unknown): number {
  if (backoff === 'exponential') return exponentialBackoffSeconds(attempt);
  if (typeof backoff === 'number') return backoff;
  const s = backoff(attempt, serializeError(err));
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s : exponentialBackoffSeconds(attempt);
}

/**
 * The outcome of an attempt that threw. `retryFollows`: another attempt comes after this one; the
 * `backoff` is asked only then (AshOban asks for retried attempts only), else the wait is 0.
 */
export function outcomeOfError(err: unknown, backoff: 'exponential' | number | BackoffFn, attempt: number, retryFollows = true): AttemptOutcome {
  const found = findInstruction(err);
  if (found && 'snooze' in found) return { status: 'snooze', seconds: found.snooze };
  if (found && 'cancel' in found) return { status: 'cancel', reason: found.cancel };
  if (found) return { status: 'no-longer-applies', reason: found.noLongerApplies };
  // The database was unreachable or dropped the connection: not the action's fault, not an attempt.
  if (isInfrastructureError(err)) return { status: 'error', error: serializeError(err), backoffSeconds: 0, infrastructure: true };
  return { status: 'error', error: serializeError(err), backoffSeconds: retryFollows ? backoffSeconds(backoff, attempt, err) : 0 };
}
