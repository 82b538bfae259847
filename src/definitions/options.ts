/**
 * The user-facing option types, with their documentation and defaults. The zod schemas in
 * schema.ts validate them; test/unit/option-types.test.ts keeps the two in step.
 */
import type { ActionContext, ActorPersister, ChunkActionResult, BackoffFn, ListTenantsFn, OnErrorContext, PrepareTransactionFn, RecordDataInput, ScheduledActionContext, SharedContext, Tenant, TenantKeyFn, TimeoutFn, WhereInput } from './types';

/** A declarative action: a Prisma update (data, or a function of the record) or a delete. */
export type DeclarativeAction<R> = { update: Record<string, unknown> | ((record: R, ctx: ActionContext) => Record<string, unknown> | Promise<Record<string, unknown>>) } | { delete: true };

/** Temporal's Schedule overlap policies, by name. */
export type OverlapPolicy = 'skip' | 'bufferOne' | 'bufferAll' | 'allowAll' | 'cancelOther' | 'terminateOther';


/** `active`: running; `paused`: Schedule paused and runs cancelled; `deleted`: Schedule removed. */
export type DefinitionState = 'active' | 'paused' | 'deleted';

/** Options of a trigger: "for every record matching `where`, run `action`" (AshOban's trigger). */
export interface TriggerDefinition<R = any, TTx = any> {
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
  /**
   * Which records: a Prisma `where`, or `({ now, tenant }) => where` for time-relative
   * conditions. Used by the scheduler query and by the per-record re-read.
   * @default every record
   */
  where?: Record<string, unknown> | ((input: WhereInput) => Record<string, unknown>);
  /**
   * When the scheduler runs, in Temporal's cron syntax (5-7 fields, `@daily`, `@every 10m`,
   * `CRON_TZ=Zone` prefix). `false`: no Schedule; run it with `schedule()` or
   * `scheduleAndRunTriggers()`.
   * @default '* * * * *'
   */
  schedulerCron?: string | false;
  /** IANA time zone of `schedulerCron`. @default 'UTC' */
  schedulerTimezone?: string;
  /**
   * What the Schedule does when a tick comes while the previous one still runs: `'skip'`
   * (AshOban's one at a time: after downtime at most one catch-up tick, never a backlog),
   * `'bufferOne'`, `'bufferAll'`, `'allowAll'`, `'cancelOther'`, `'terminateOther'`.
   * @default 'skip'
   */
  overlap?: OverlapPolicy;
  /** How late a tick missed while the Temporal server was down may still start (ms or '1 minute'). @default '1 minute' for triggers, '1 day' for scheduled actions */
  catchupWindow?: number | string;
  /** Random delay up to this long added to each tick (ms or '30s'). @default none */
  jitter?: number | string;
  /** Task queue of the per-record runs. @default `<resource>_<trigger>` in snake case */
  queue?: string;
  /** Task queue of the scheduler. @default queue */
  schedulerQueue?: string;
  /** Attempts per record run. @default 1 */
  maxAttempts?: number;
  /** Attempts of each scheduler query. @default 1 */
  maxSchedulerAttempts?: number;
  /**
   * Priority of the per-record runs: 0 (highest) to 9, as in Oban, applied as Temporal's task
   * priority (`priorityKey` = priority + 1, at most 5). AshOban applied it to the scheduler by
   * mistake; here it goes to the runs it names. @default 2
   */
  workerPriority?: number;
  /** Priority of the scheduler workflow: 0 (highest) to 9. @default 3 */
  schedulerPriority?: number;
  /** Wait between attempts: `'exponential'` (2^attempt + 15 s, ±10%), seconds, or `(attempt, error) => seconds`. @default 'exponential' */
  backoff?: 'exponential' | number | BackoffFn;
  /**
   * Time limit of one attempt in ms (also the transaction's), or `'infinity'` (transaction limit
   * 15 min), or a function of the run giving either when the run is built (Oban's `timeout/1`).
   * @default 'infinity'
   */
  timeout?: number | 'infinity' | TimeoutFn;
  /**
   * How each attempt (and `onError`) runs. `'local'`: as a local activity in the worker running the
   * run, recorded as one marker (about a third less server work per record and half the latency;
   * a crashed worker is noticed through the workflow task timeout, 10 s). `'activity'`: a normal
   * activity with heartbeats (for attempts that run for many minutes, or when you want each attempt
   * as its own row in the UI's timeline). Chunk runs always use normal activities.
   * @default 'local'
   */
  attemptsAs?: 'local' | 'activity';
  /** Runs after the final failed attempt, in its own transaction, on the re-read record, with `ctx.error`. @default none */
  onError?: ((record: R, ctx: OnErrorContext<TTx>) => unknown) | DeclarativeAction<R>;
  /** After `onError` succeeds, end the run `discard` (true) rather than `success`. @default false */
  onErrorFailsJob?: boolean;
  /** At most this many records per scheduler tick. @default no limit */
  recordLimit?: number;
  /** Scheduler order, `{ field: 'asc' | 'desc' }` or a list; the primary key breaks ties. @default primary key */
  sort?: Record<string, 'asc' | 'desc'> | Record<string, 'asc' | 'desc'>[];
  /** Records per scheduler page (at most 1000). @default 500; chunked triggers: ten chunks' worth, at most 10,000 */
  streamBatchSize?: number;
  /** Lock the record `FOR UPDATE` for the whole transaction. @default true */
  lockForUpdate?: boolean;
  /** Never start a record again once a run for it completed (within Temporal's retention). @default false */
  triggerOnce?: boolean;
  /** @default 'active' */
  state?: DefinitionState;
  /** Log the error of every failed attempt before the last. @default true */
  logErrors?: boolean;
  /** Log the error of the final failed attempt. @default true */
  logFinalError?: boolean;
  /** Debug logs for this trigger. @default false */
  debug?: boolean;
  /** Static arguments in `ctx.args`; the run's `actionArguments` win. @default none */
  actionInput?: Record<string, unknown>;
  /** `(record, { actor, tenant }) => metadata`, computed when the run is built, given to the action as `ctx.metadata`. @default none */
  readMetadata?: (record: R, run: RecordDataInput) => unknown;
  /**
   * Extra run arguments (an object, or a function of the record: it sees the whole record on both
   * start paths, where AshOban's saw only the key on the scheduler path). They make the run unique (a fingerprint in
   * its workflow id), are stored in its input and reach the action as `ctx.extraArgs`; they win over
   * runTrigger's `args`. @default none
   */
  extraArgs?: Record<string, unknown> | ((record: R, run: RecordDataInput) => Record<string, unknown>);
  /** Stable workflow type of the per-record runs (renaming code never changes it). @default `<Resource>.<trigger>` (boot warns) */
  workflowType?: string;
  /** Stable workflow type of the scheduler. @default `<Resource>.<trigger>.scheduler` (boot warns) */
  schedulerWorkflowType?: string;
  /**
   * The tenants the scheduler queries, one after the other (`recordLimit` applies per tenant): a
   * list, or `({ prisma }) => tenants` (may be async), asked at each tick. @default the resource's, else one tenant: null
   */
  listTenants?: Tenant[] | ListTenantsFn;
  /** Read across tenants and give each run its own record's tenant, from `tenantFrom`. @default false */
  useTenantFromRecord?: boolean;
  /** `(record) => tenant`, for `useTenantFromRecord`. @default none */
  tenantFrom?: (record: R) => Tenant | null;
  /** Persists the actors of this trigger's runs; `false` for none. @default the app's */
  actorPersister?: ActorPersister | false;
  /** The actor of a run without one (cron ticks run as it, and pass it on). @default null */
  defaultActor?: unknown;
  /** `(tx, { actor, tenant, trigger, authorize }) => …`, first in every transaction of this trigger's runs. @default the resource's, else the app's */
  prepareTransaction?: PrepareTransactionFn;
  /** Which of the run's own facts travel into runs started from inside it: `'all'` or `['triggerRun', 'run']`. @default the resource's, else the app's, else none */
  sharedContext?: SharedContext;
  /** Tags on every run, searchable as `TriggerTags` (merged with tags given per call). @default [] */
  tags?: string[];
  /**
   * Chunks (Oban Pro's chunk worker): the scheduler starts one run per `size` records (grouped by
   * the `by` fields, the tenant and the actor), each attempt one transaction over its records. A
   * declarative action becomes one `updateMany` / `deleteMany`; a function action gets
   * `(records, ctx)` and may return `{ failed: [{ record, error }] }`. `timeout`: ms per chunk
   * attempt (default the trigger's). Not with `readMetadata` or `triggerOnce`. @default none: one run per record
   */
  chunks?: { size: number; timeout?: number; by?: string[] };
}

/** Options of a scheduled action: a cron job that runs an action (AshOban's scheduled action). */
export interface ScheduledActionDefinition<TPrisma = any> {
  /** Temporal cron syntax (5-7 fields, `@daily`, `@every 10m`, `CRON_TZ=Zone` prefix). */
  cron: string;
  /** IANA time zone of `cron`. @default 'UTC' */
  /**
   * What the Schedule does when a tick comes while the previous one still runs: `'skip'`
   * (AshOban's one at a time: after downtime at most one catch-up tick, never a backlog),
   * `'bufferOne'`, `'bufferAll'`, `'allowAll'`, `'cancelOther'`, `'terminateOther'`.
   * @default 'skip'
   */
  overlap?: OverlapPolicy;
  /** How late a tick missed while the Temporal server was down may still start (ms or '1 minute'). @default '1 minute' for triggers, '1 day' for scheduled actions */
  catchupWindow?: number | string;
  /** Random delay up to this long added to each tick (ms or '30s'). @default none */
  jitter?: number | string;
  timezone?: string;
  /** The action: `(ctx) => …` with `ctx.prisma`, `ctx.args`, `ctx.attempt`, `ctx.lastAttempt`, `ctx.scheduledAt`, `ctx.snooze()`, `ctx.cancel()`. */
  action: (ctx: ScheduledActionContext<TPrisma>) => unknown;
  /** Static arguments in `ctx.args`; the run's `actionArguments` win. @default none */
  actionInput?: Record<string, unknown>;
  /** Task queue. @default `<resource>_<name>` in snake case */
  queue?: string;
  /** Attempts per run. @default 1 */
  maxAttempts?: number;
  /** Priority of the runs: 0 (highest) to 9, as in Oban (a Temporal task priority). @default 3 */
  priority?: number;
  /** As for triggers. @default 'exponential' */
  backoff?: 'exponential' | number | BackoffFn;
  /** As for triggers. @default 'infinity' */
  timeout?: number | 'infinity' | TimeoutFn;
  /** @default 'active' */
  state?: DefinitionState;
  /** @default false */
  debug?: boolean;
  /** Stable workflow type. @default `<Resource>.<name>` (boot warns) */
  workflowType?: string;
  /** Tenants: with two or more, a run started without one runs once per tenant. @default the resource's, else one: null */
  listTenants?: Tenant[] | ListTenantsFn;
  /** As for triggers. @default the app's */
  actorPersister?: ActorPersister | false;
  /** As for triggers. @default null */
  defaultActor?: unknown;
  /** As for triggers. @default the resource's, else the app's, else none */
  sharedContext?: SharedContext;
  /** As for triggers. @default [] */
  tags?: string[];
}

/** A resource: a Prisma model with its triggers and scheduled actions. */
export interface ResourceDefinition<R = any, TTx = any, TPrisma = any> {
  /** Prisma model name as in schema.prisma (`Ticket`); the client property is `prisma.ticket`. */
  model: string;
  /** Primary key field(s). @default 'id' */
  primaryKey?: string | string[];
  /** Database table, when the model is `@@map`ped (used by `FOR UPDATE`). @default the model's table */
  table?: string;
  /** Postgres schema of the table. @default the connection's search path */
  schema?: string;
  /** Columns of `@map`ped primary key fields: `{ field: 'column' }`. @default field names */
  columns?: Record<string, string>;
  /** `{ name: options }` @default {} */
  triggers?: Record<string, TriggerDefinition<R, TTx>>;
  /** `{ name: options }` @default {} */
  scheduledActions?: Record<string, ScheduledActionDefinition<TPrisma>>;
  /** Tenants of the resource's triggers and scheduled actions (each may override). @default one tenant: null */
  listTenants?: Tenant[] | ListTenantsFn;
  /** `(tenant) => string`: the key of a tenant that is not a string or a number (AshOban's ToTenant). @default the app's */
  tenantKey?: TenantKeyFn;
  /** As for triggers, for every trigger of the resource. @default the app's */
  prepareTransaction?: PrepareTransactionFn;
  /** As for triggers, for every trigger and scheduled action of the resource. @default the app's */
  sharedContext?: SharedContext;
}

