/**
 * Actors, as AshOban's `actor_persister`: a run stores only the persisted form of its actor
 * (`persister.store(actor)`, JSON) in its input and history; code that runs for it gets the actor
 * back from `persister.lookup(stored)`. Without a persister, an actor given to a call is passed
 * through: stored as it is (it must be plain JSON, at most RUN_DATA_LIMIT_BYTES) and given back
 * as it is. Precedence: the stored actor, else `defaultActor`, else null. A persister returning
 * null falls back to the default; a persister that throws fails that attempt with an error saying so.
 */
import type { ActorPersister } from '../definitions/types';
import { ConfigError, TriggerError } from '../errors';
import { formatPath, jsonBytes, jsonProblem, RUN_DATA_LIMIT_BYTES } from './json-safe';

export type { ActorPersister };

/**
 * AshOban's `store_actor`: `args` with `actor` set to the persisted actor; `args` unchanged when
 * there is no actor or no persister.
 */
export async function storeActor<T extends Record<string, unknown>>(args: T, actor: unknown, persister: ActorPersister | false | undefined): Promise<T & { actor?: unknown }> {
  if (actor === undefined || actor === null || !persister) return args;
  return { ...args, actor: await persister.store(actor) };
}

/**
 * AshOban's `lookup_actor`: no persister gives the default; otherwise `lookup(stored)` (also with
 * null), a null result gives the default; an error is thrown as `ACTOR_LOOKUP_FAILED`.
 */
export async function lookupActor(stored: unknown, persister: ActorPersister | false | undefined, defaultActor: unknown = null): Promise<unknown> {
  if (!persister) return stored ?? defaultActor ?? null;
  let actor: unknown;
  try {
    actor = await persister.lookup(stored ?? null);
  } catch (err) {
    throw new TriggerError('ACTOR_LOOKUP_FAILED', `actorPersister.lookup failed for the run's actor: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return actor ?? defaultActor ?? null;
}

/**
 * The form of an actor given to a call that its runs store: `persister.store(actor)`, or the actor
 * itself without a persister. Either must be plain JSON within RUN_DATA_LIMIT_BYTES (it rides in
 * every run's input and history); anything else is refused here, naming the value and the fix.
 */
export async function persistActor(actor: unknown, persister: ActorPersister | false | undefined, where: string): Promise<unknown> {
  if (actor === undefined || actor === null) return undefined;
  const stored = persister ? await persister.store(actor) : actor;
  const what = persister ? 'the persisted actor (actorPersister.store)' : 'the actor';
  const problem = jsonProblem(stored);
  if (problem) {
    throw new ConfigError(`${where}: ${formatPath(what, problem.path)} ${problem.message}. ${persister ? 'Return plain JSON from store()' : 'Pass a plain JSON actor, or configure an actorPersister (defineApp({ actorPersister: { store, lookup } }))'}.`);
  }
  const bytes = jsonBytes(stored);
  if (bytes > RUN_DATA_LIMIT_BYTES) {
    throw new ConfigError(
      `${where}: ${what} is ${bytes.toLocaleString('en')} bytes of JSON; a run carries at most ${RUN_DATA_LIMIT_BYTES.toLocaleString('en')}. ` +
        `Store a reference instead: actorPersister: { store: (actor) => actor.id, lookup: (id) => loadActor(id) }.`,
    );
  }
  return stored;
}
