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

/** The library's own context keys that `sharedContext` may share: the trigger-run flag and the run's facts. */
export type SharedContextKey = 'triggerRun' | 'run';
export type SharedContext = 'all' | SharedContextKey[];

export interface RunFacts {
  /** `<Resource>.<name>` of the trigger or scheduled action. */
  trigger: string;
  workflowId: string;
  attempt: number;
}

export interface CurrentRun extends RunFacts {
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
 * True inside a trigger's action or onError and inside a scheduled action, including everything
 * they call (AshOban's `AshObanInteraction` policy check); false anywhere else.
 */
export function isTriggerRun(): boolean {
  return storage.getStore() !== undefined;
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
