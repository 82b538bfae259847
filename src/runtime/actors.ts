/**
 * Actors, as AshOban's `actor_persister`: a run stores only the persisted form of its actor
 * (`persister.store(actor)`, JSON) in its input and history; code that runs for it gets the actor
 * back from `persister.lookup(stored)`. Precedence: the stored actor, else `defaultActor`, else
 * null. A persister returning null falls back to the default; a persister that throws fails that
 * attempt with an error saying so.
 */
import { ConfigError, TriggerError } from '../errors';

/** Turns actors into JSON for a run's input and back (either side may be async). */
export interface ActorPersister<A = unknown> {
  store(actor: A): unknown;
  /** Called with the stored form, or null when the run has none (then return null for the default). */
  lookup(stored: unknown): A | null | Promise<A | null>;
}

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
  if (!persister) return defaultActor ?? null;
  let actor: unknown;
  try {
    actor = await persister.lookup(stored ?? null);
  } catch (err) {
    throw new TriggerError('ACTOR_LOOKUP_FAILED', `actorPersister.lookup failed for the run's actor: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return actor ?? defaultActor ?? null;
}

/** The persisted form of an actor given to a call, refusing one that cannot be persisted. */
export async function persistActor(actor: unknown, persister: ActorPersister | false | undefined, where: string): Promise<unknown> {
  if (actor === undefined || actor === null) return undefined;
  if (!persister) {
    throw new ConfigError(
      `${where}: an actor was given but no actorPersister is configured (defineApp({ actorPersister }) or on the trigger). ` +
        'A run stores only the persisted form of its actor, never the object itself.',
    );
  }
  return persister.store(actor);
}
