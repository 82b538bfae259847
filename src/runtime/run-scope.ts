/**
 * What code deeper in the call stack of an action (a Prisma client extension, an audit hook, a
 * nested `runTrigger`) can learn about the run it executes in: `currentRun()` (AsyncLocalStorage),
 * and `isTriggerRun()`, AshOban's `AshObanInteraction` check.
 *
 * `sharedContext` (app, resource or trigger: `'all'` or a list of keys) decides which of the run's
 * own facts go under `shared`, the part that travels on into runs started from inside this one
 * (with the context given at start). `buildContext` is AshOban's `build_context`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SharedContext, SharedContextKey } from '../definitions/types';

export type { SharedContext, SharedContextKey };

export interface RunFacts {
  /** `<Resource>.<name>` of the trigger or scheduled action. */
  trigger: string;
  workflowId: string;
  attempt: number;
}

export interface CurrentRun extends RunFacts {
  /** The Prisma model of the trigger or scheduled action (`Ticket`). */
  resource: string;
  actor: unknown;
  tenant: unknown;
  /** What travels on into runs started from inside this one (see `sharedContext`). */
  shared: Record<string, unknown>;
}

const storage = new AsyncLocalStorage<CurrentRun>();

/** The run the calling code executes in, or undefined outside any action, onError or scheduled action. */
export function currentRun(): CurrentRun | undefined {
  return storage.getStore();
}

/**
 * AshOban's `AshObanInteraction` check. Without an argument: true inside a trigger's action or
 * onError and inside a scheduled action, including everything they call; false anywhere else.
 * With a model (code guarding that model, such as a Prisma extension's hook for `Invoice`): true
 * when the run is one of that model's, or when the run shares its trigger-run flag
 * (`sharedContext: ['triggerRun']` or `'all'`, on the run or on the one that started it), as
 * AshOban's check passes on other resources only through the shared context.
 */
export function isTriggerRun(model?: string): boolean {
  const run = storage.getStore();
  if (!run) return false;
  if (model === undefined || run.resource === model) return true;
  return run.shared.triggerRun === true;
}

/**
 * AshOban's `build_context`: `{ private: { triggerRun: true }, run }`, with the keys `sharedContext`
 * lists also under `shared` (merged over the shared context the run was started with).
 */
export function buildContext(sharedContext: SharedContext | undefined, run?: RunFacts, inherited: Record<string, unknown> = {}): { private: { triggerRun: true }; run?: RunFacts; shared: Record<string, unknown> } {
  const keys: SharedContextKey[] = sharedContext === 'all' ? ['triggerRun', 'run'] : (sharedContext ?? []);
  const shared: Record<string, unknown> = { ...inherited };
  if (keys.includes('triggerRun')) shared.triggerRun = true;
  if (keys.includes('run') && run) shared.run = run;
  return { private: { triggerRun: true }, ...(run ? { run } : {}), shared };
}

/** Runs `fn` as the given run (actions, onError handlers and scheduled actions run inside this). */
export function withCurrentRun<T>(run: CurrentRun, fn: () => T): T {
  return storage.run(run, fn);
}
