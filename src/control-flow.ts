/**
 * Control flow from inside actions, on-error handlers and scheduled actions (AshOban's SnoozeJob,
 * CancelJob and TriggerNoLongerApplies). Throwing one rolls the action's transaction back.
 */
import { causeChain } from './cause-chain';
import { TriggerError } from './errors';

/** Thrown to run again after `seconds` without using an attempt (a durable timer in the workflow). */
export class SnoozeJob extends TriggerError {
  readonly snoozeFor: number;
  constructor(seconds: number) {
    if (!Number.isFinite(seconds) || seconds < 0) throw new TypeError(`snooze(seconds): expected a non-negative number of seconds, got ${String(seconds)}`);
    super('SNOOZE', `snoozed for ${seconds}s`);
    this.snoozeFor = seconds;
  }
}

/** Thrown to end the run as `cancelled` with a reason. */
export class CancelJob extends TriggerError {
  readonly reason: string;
  constructor(reason: string) {
    super('CANCEL', `cancelled: ${reason}`);
    this.reason = reason;
  }
}

/** The record is gone or no longer matches the trigger's `where`: the run ends `cancelled`. */
export class TriggerNoLongerApplies extends TriggerError {
  constructor(message = 'trigger no longer applies') {
    super('TRIGGER_NO_LONGER_APPLIES', message);
  }
}

/** Stops the current action and runs it again after `seconds` (no attempt used). */
export function snooze(seconds: number): never {
  throw new SnoozeJob(seconds);
}

/** Stops the current action; the run ends `cancelled` with `reason`. */
export function cancel(reason: string): never {
  throw new CancelJob(reason);
}

export type ControlFlow = { snooze: number } | { cancel: string };

/** Every instruction an action can give by throwing: AshOban's snooze and cancel, and "no longer applies". */
export type RunInstruction = ControlFlow | { noLongerApplies: string };

/**
 * Recognises a snooze or cancel instruction in an error (AshOban's `check_for_oban_return`),
 * looking through `cause` chains, `AggregateError`s, arrays and `{ errors: [...] }` wrappers.
 * Returns `{ snooze: seconds }`, `{ cancel: reason }`, or undefined for any other error.
 */
export function checkForControlFlow(err: unknown): ControlFlow | undefined {
  const found = findInstruction(err);
  return found && !('noLongerApplies' in found) ? found : undefined;
}

/**
 * The first instruction inside a thrown value (the same wrappers as `checkForControlFlow`, plus
 * `TriggerNoLongerApplies`), walking its layers with the library's one cause-chain walker.
 */
export function findInstruction(err: unknown): RunInstruction | undefined {
  for (const e of causeChain(err)) {
    if (e instanceof SnoozeJob || isTagged(e, 'SNOOZE', 'snoozeFor')) return { snooze: (e as unknown as SnoozeJob).snoozeFor };
    if (e instanceof CancelJob || isTagged(e, 'CANCEL', 'reason')) return { cancel: (e as unknown as CancelJob).reason };
    if (e instanceof TriggerNoLongerApplies || isTagged(e, 'TRIGGER_NO_LONGER_APPLIES', 'message')) return { noLongerApplies: (e as unknown as Error).message };
  }
  return undefined;
}

/** Duck-typed check, so two copies of this package still recognise each other's errors. */
function isTagged(err: unknown, code: string, field: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code && field in err;
}
