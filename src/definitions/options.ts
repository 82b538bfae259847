/**
 * The user-facing option types. One source: every option's type, documentation and default is
 * written once, in the zod schemas (schema.ts); the types here derive from them and add only the
 * options typed by the record (`R`), the transaction client (`TTx`) or the PrismaClient (`TPrisma`).
 */
import type { z } from 'zod';
import type { resourceSchema, scheduledActionSchema, triggerSchema } from './schema';
import type { ActionContext, ChunkActionResult, OnErrorContext, RecordDataInput, ScheduledActionContext, Tenant } from './types';

/** A declarative action: a Prisma update (data, or a function of the record) or a delete. */
export type DeclarativeAction<R> = { update: Record<string, unknown> | ((record: R, ctx: ActionContext) => Record<string, unknown> | Promise<Record<string, unknown>>) } | { delete: true };

/** Temporal's Schedule overlap policies, by name. */
export type OverlapPolicy = NonNullable<z.input<typeof triggerSchema>['overlap']>;

/** `active`: running; `paused`: Schedule paused and runs cancelled; `deleted`: Schedule removed. */
export type DefinitionState = NonNullable<z.input<typeof triggerSchema>['state']>;

/** The options typed by the record, the transaction client or the PrismaClient; the schemas type them loosely. */
type RecordTypedTriggerOptions = 'action' | 'chunkAction' | 'onError' | 'readMetadata' | 'extraArgs' | 'tenantFrom';

/**
 * Options of a trigger: "for every record matching `where`, run `action`" (AshOban's trigger).
 * The options typed by the record are declared here; every other one (`where`, `schedulerCron`,
 * `maxAttempts`, `backoff`, `chunks`, ...) comes with its documentation and default from the
 * trigger schema: your editor shows it on hover, and docs/triggers.md has the table.
 */
export interface TriggerDefinition<R = any, TTx = any> extends Omit<z.input<typeof triggerSchema>, RecordTypedTriggerOptions> {
  /**
   * The action, run on the freshly re-read (and locked) record inside one transaction: a
   * function `(record, ctx) => …` (write through `ctx.tx`), or `{ update: data }`,
   * `{ update: (record, ctx) => data }`, `{ delete: true }`. With `chunks`, a declarative action
   * (one `updateMany` / `deleteMany` per chunk), or give `chunkAction` instead.
   * @default none: required unless `chunkAction` is given
   */
  action?: ((record: R, ctx: ActionContext<TTx>) => unknown) | DeclarativeAction<R>;
  /**
   * With `chunks`: `(records, ctx) => …` on a chunk's re-read, still-matching records, in one
   * transaction; return `{ failed: [{ record, error }] }` for records it could not process (they
   * are retried alone, then given to `onError`). @default none
   */
  chunkAction?: (records: R[], ctx: ActionContext<TTx>) => ChunkActionResult<R> | void | Promise<ChunkActionResult<R> | void>;
  /** Runs after the final failed attempt, in its own transaction, on the re-read record, with `ctx.error`. @default none */
  onError?: ((record: R, ctx: OnErrorContext<TTx>) => unknown) | DeclarativeAction<R>;
  /** `(record, { actor, tenant }) => metadata`, computed when the run is built, given to the action as `ctx.metadata`. @default none */
  readMetadata?: (record: R, run: RecordDataInput) => unknown;
  /**
   * Extra run arguments (an object, or a function of the record: it sees the whole record on both
   * start paths, where AshOban's saw only the key on the scheduler path). They make the run unique (a fingerprint in
   * its workflow id), are stored in its input and reach the action as `ctx.extraArgs`; they win over
   * runTrigger's `args`. @default none
   */
  extraArgs?: Record<string, unknown> | ((record: R, run: RecordDataInput) => Record<string, unknown>);
  /** `(record) => tenant`, for `useTenantFromRecord`. @default none */
  tenantFrom?: (record: R) => Tenant | null;
}

/**
 * Options of a scheduled action: a cron job that runs an action (AshOban's scheduled action).
 * `action` is declared here; the other options come from the scheduled-action schema.
 */
export interface ScheduledActionDefinition<TPrisma = any> extends Omit<z.input<typeof scheduledActionSchema>, 'action'> {
  /** The action: `(ctx) => …` with `ctx.prisma`, `ctx.args`, `ctx.attempt`, `ctx.lastAttempt`, `ctx.scheduledAt`, `ctx.snooze()`, `ctx.cancel()`. */
  action: (ctx: ScheduledActionContext<TPrisma>) => unknown;
}

/** A resource: a Prisma model with its triggers and scheduled actions. */
export interface ResourceDefinition<R = any, TTx = any, TPrisma = any> extends Omit<z.input<typeof resourceSchema>, 'triggers' | 'scheduledActions'> {
  /** `{ name: options }` @default {} */
  triggers?: Record<string, TriggerDefinition<R, TTx>>;
  /** `{ name: options }` @default {} */
  scheduledActions?: Record<string, ScheduledActionDefinition<TPrisma>>;
}
