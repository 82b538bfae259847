/**
 * zod schemas for every option of resources, triggers and scheduled actions: the single source of
 * truth for what is accepted, the defaults, and the input/resolved types.
 */
import { z } from 'zod';
import { didYouMean } from './did-you-mean';
import type { ActionContext, ActionResult, ActorPersister, ChunkActionResult, BackoffFn, ListTenantsFn, OnErrorContext, PrepareTransactionFn, RecordDataInput, ScheduledActionContext, Tenant, TenantKeyFn, TimeoutFn, WhereInput } from './types';

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { message: `expected ${what} (a function)` });
const plainObject = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'expected an object' });

/** A stable workflow type name: what AshOban calls the worker/scheduler module name. */
const stableName = z.string().min(1).max(251, 'must be at most 251 characters (its schedule id, "ptt:<name>", must fit in 255)');
const queueName = z.string().min(1).max(255);
const positiveInt = z.number().int().positive();
const priority = z.number().int().min(0).max(9);

/** `update: data` / `update: (record, ctx) => data` / `delete: true`: a declarative action. */
const declarativeAction = z.union([
  z.object({ update: z.union([plainObject, fn<(record: any, ctx: ActionContext) => Record<string, unknown> | Promise<Record<string, unknown>>>('an update data function')]) }).strict(),
  z.object({ delete: z.literal(true) }).strict(),
]);

const ACTION_FORMS = 'a function (record, ctx) => …, { update: data }, { update: (record, ctx) => data } or { delete: true }';

/** Why a value is not an action, naming the accepted forms and the likely fix. */
export function describeBadAction(input: unknown): string {
  let got: string;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) got = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input;
  else {
    const keys = Object.keys(input);
    const hints = keys.filter((k) => k !== 'update' && k !== 'delete').map((k) => [k, didYouMean(k, ['update', 'delete'])] as const);
    const hint = hints.find(([, h]) => h);
    const o = input as Record<string, unknown>;
    if (keys.length === 1 && 'delete' in o) return `{ delete: ${JSON.stringify(o.delete)} } is not an action: write { delete: true }`;
    if (keys.length === 1 && 'update' in o) return `{ update } must hold a data object or a function (record, ctx) => data, got ${o.update === null ? 'null' : Array.isArray(o.update) ? 'an array' : typeof o.update}`;
    got = keys.length ? `an object with ${keys.map((k) => `"${k}"`).join(', ')}${hint ? ` (did you mean "${hint[1]}"?)` : ''}` : 'an empty object';
  }
  return `expected ${ACTION_FORMS}; got ${got}`;
}

export const triggerActionSchema = z.union([fn<(record: any, ctx: ActionContext) => ActionResult>('an action function'), declarativeAction], {
  error: (issue) => describeBadAction(issue.input),
});
export const onErrorActionSchema = z.union([fn<(record: any, ctx: OnErrorContext) => ActionResult>('an on-error function'), declarativeAction], {
  error: (issue) => describeBadAction(issue.input),
});

const sortDirection = z.enum(['asc', 'desc']);

/** `{ store, lookup }` functions (AshOban's ActorPersister). */
const actorPersister = z.custom<ActorPersister>(
  (v) => typeof v === 'object' && v !== null && typeof (v as ActorPersister).store === 'function' && typeof (v as ActorPersister).lookup === 'function',
  { message: 'expected { store(actor) => json, lookup(json | null) => actor | null } (either may be async)' },
);
/** A tenant: a string, a number, or an object named by `tenantKey`. */
const tenant = z.union([z.string(), z.number(), z.custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'expected an object' })]);
const listTenants = z.union([z.array(tenant), fn<ListTenantsFn>('a listTenants function')]);
const sharedContext = z.union([z.literal('all'), z.array(z.enum(['triggerRun', 'run']))]);
const prepareTransaction = fn<PrepareTransactionFn>('a prepareTransaction function');
const tags = z.array(z.string().min(1).max(100)).max(20);
const timeout = z.union([positiveInt, z.literal('infinity'), fn<TimeoutFn>('a timeout function')]);

/** What a Schedule does when a tick comes while the previous one still runs (Temporal's overlap policies). */
const overlap = z.enum(['skip', 'bufferOne', 'bufferAll', 'allowAll', 'cancelOther', 'terminateOther']);
/** A duration: ms, or a string such as '1 minute', '30s', '2h'. */
const duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\s*\d+(\.\d+)?\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\s*$/i, "must be a duration such as '1 minute', '30s' or a number of ms")]);
const schedulePolicies = {
  /**
   * What the Schedule does when a tick comes while the previous one still runs: `'skip'`
   * (AshOban's one at a time: after downtime at most one catch-up tick, never a backlog),
   * `'bufferOne'`, `'bufferAll'`, `'allowAll'`, `'cancelOther'`, `'terminateOther'`.
   * @default 'skip'
   */
  overlap: overlap.default('skip'),
  /** How late a tick missed while the Temporal server was down may still start (ms or '1 minute'). @default '1 minute' for triggers, '1 day' for scheduled actions */
  catchupWindow: duration.optional(),
  /** Random delay up to this long added to each tick (ms or '30s'). @default none */
  jitter: duration.optional(),
};

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier');

export const triggerSchema = z
  .object({
    /**
     * Which records: a Prisma `where`, or `({ now, tenant, actor, purpose, allTenants }) => where`
     * for time-relative or tenant-scoped conditions. Used by the scheduler's scan (`purpose: 'scan'`)
     * and by each attempt's re-read of its record (`purpose: 'reread'`).
     * @default every record
     */
    where: z.union([plainObject, fn<(input: WhereInput) => Record<string, unknown>>('a where function')]).optional(),
    /**
     * The action, run on the freshly re-read (and locked) record inside one transaction: a
     * function `(record, ctx) => …` (write through `ctx.tx`), or `{ update: data }`,
     * `{ update: (record, ctx) => data }`, `{ delete: true }`. With `chunks`, a declarative action
     * (one `updateMany` / `deleteMany` per chunk), or give `chunkAction` instead.
     * @default none: required unless `chunkAction` is given
     */
    action: triggerActionSchema.optional(),
    /**
     * With `chunks`: `(records, ctx) => …` on a chunk's re-read, still-matching records, in one
     * transaction; return `{ failed: [{ record, error }] }` for records it could not process (they
     * are retried alone, then given to `onError`). @default none
     */
    chunkAction: fn<(records: any[], ctx: ActionContext) => ChunkActionResult<any> | void | Promise<ChunkActionResult<any> | void>>('a chunkAction function').optional(),
    /**
     * When the scheduler runs, in Temporal's cron syntax (5-7 fields, `@daily`, `@every 10m`,
     * `CRON_TZ=Zone` prefix). `false`: no Schedule; run it with `schedule()` or
     * `scheduleAndRunTriggers()`.
     * @default '* * * * *'
     */
    schedulerCron: z.union([z.string().min(1), z.literal(false)]).default('* * * * *'),
    /** IANA time zone of `schedulerCron`. @default 'UTC' */
    schedulerTimezone: z.string().optional(),
    ...schedulePolicies,
    /** Task queue of the per-record runs. @default `<resource>_<trigger>` in snake case */
    queue: queueName.optional(),
    /** Task queue of the scheduler. @default queue */
    schedulerQueue: queueName.optional(),
    /** Attempts per record run. @default 1 */
    maxAttempts: positiveInt.default(1),
    /** Attempts of each scheduler query. @default 1 */
    maxSchedulerAttempts: positiveInt.default(1),
    /**
     * Priority of the per-record runs: 0 (highest) to 9, as in Oban, applied as Temporal's task
     * priority (`priorityKey` = priority + 1, at most 5). AshOban applied it to the scheduler by
     * mistake; here it goes to the runs it names. @default 2
     */
    workerPriority: priority.default(2),
    /** Priority of the scheduler workflow: 0 (highest) to 9. @default 3 */
    schedulerPriority: priority.default(3),
    /** Wait between attempts: `'exponential'` (2^attempt + 15 s, ±10%), seconds, or `(attempt, error) => seconds`. @default 'exponential' */
    backoff: z.union([z.literal('exponential'), z.number().nonnegative(), fn<BackoffFn>('a backoff function')]).default('exponential'),
    /**
     * Time limit of one attempt in ms (also the transaction's), or `'infinity'` (transaction limit
     * 15 min), or a function of the run giving either when the run is built (Oban's `timeout/1`).
     * @default 'infinity'
     */
    timeout: timeout.default('infinity'),
    /**
     * How each attempt (and `onError`) runs. `'local'`: as a local activity in the worker running the
     * run, recorded as one marker (about a third less server work per record and half the latency;
     * a crashed worker is noticed through the workflow task timeout, 10 s). `'activity'`: a normal
     * activity with heartbeats (for attempts that run for many minutes, or when you want each attempt
     * as its own row in the UI's timeline). Chunk runs follow it too.
     * @default 'local'
     */
    attemptsAs: z.enum(['local', 'activity']).default('local'),
    /** Runs after the final failed attempt, in its own transaction, on the re-read record, with `ctx.error`. @default none */
    onError: onErrorActionSchema.optional(),
    /** After `onError` succeeds, end the run `discard` (true) rather than `success`. @default false */
    onErrorFailsJob: z.boolean().default(false),
    /** At most this many records per scheduler tick. @default no limit */
    recordLimit: positiveInt.optional(),
    /** Scheduler order, `{ field: 'asc' | 'desc' }` or a list; the primary key breaks ties. @default primary key */
    sort: z.union([z.record(z.string(), sortDirection), z.array(z.record(z.string(), sortDirection))]).optional(),
    /** Records per scheduler page (at most 1000). @default 500; chunked triggers: ten chunks' worth, at most 10,000 */
    streamBatchSize: positiveInt.max(1000).optional(),
    /** Lock the record `FOR UPDATE` for the whole transaction. @default true */
    lockForUpdate: z.boolean().default(true),
    /** Never start a record again once a run for it completed (within Temporal's retention). @default false */
    triggerOnce: z.boolean().default(false),
    /** @default 'active' */
    state: z.enum(['active', 'paused', 'deleted']).default('active'),
    /** Log the error of every failed attempt before the last. @default true */
    logErrors: z.boolean().default(true),
    /** Log the error of the final failed attempt. @default true */
    logFinalError: z.boolean().default(true),
    /** Debug logs for this trigger. @default false */
    debug: z.boolean().default(false),
    /** Static arguments in `ctx.args`; the run's `actionArguments` win. @default none */
    actionInput: plainObject.optional(),
    /** `(record, { actor, tenant }) => metadata`, computed when the run is built, given to the action as `ctx.metadata`. @default none */
    readMetadata: fn<(record: any, run: RecordDataInput) => unknown>('a readMetadata function').optional(),
    /**
     * Extra run arguments (an object, or a function of the record: it sees the whole record on both
     * start paths, where AshOban's saw only the key on the scheduler path). They make the run unique (a fingerprint in
     * its workflow id), are stored in its input and reach the action as `ctx.extraArgs`; they win over
     * runTrigger's `args`. @default none
     */
    extraArgs: z.union([plainObject, fn<(record: any, run: RecordDataInput) => Record<string, unknown>>('an extraArgs function')]).optional(),
    /** Stable workflow type of the per-record runs (renaming code never changes it). @default `<Resource>.<trigger>` (boot warns) */
    workflowType: stableName.optional(),
    /** Stable workflow type of the scheduler. @default `<Resource>.<trigger>.scheduler` (boot warns) */
    schedulerWorkflowType: stableName.optional(),
    /**
     * The tenants the scheduler queries, one after the other (`recordLimit` applies per tenant): a
     * list, or `({ prisma }) => tenants` (may be async), asked at each tick. @default the resource's, else one tenant: null
     */
    listTenants: listTenants.optional(),
    /** Read across tenants and give each run its own record's tenant, from `tenantFrom`. @default false */
    useTenantFromRecord: z.boolean().optional(),
    /** `(record) => tenant`, for `useTenantFromRecord`. @default none */
    tenantFrom: fn<(record: any) => Tenant | null>('a tenantFrom function').optional(),
    /** Persists the actors of this trigger's runs; `false` for none. @default the app's */
    actorPersister: z.union([actorPersister, z.literal(false)]).optional(),
    /** The actor of a run without one (cron ticks run as it, and pass it on). @default null */
    defaultActor: z.unknown().optional(),
    /** `(tx, { actor, tenant, trigger, authorize }) => …`, first in every transaction of this trigger's runs. @default the resource's, else the app's */
    prepareTransaction: prepareTransaction.optional(),
    /** Which of the run's own facts travel into runs started from inside it: `'all'` or `['triggerRun', 'run']`. @default the resource's, else the app's, else none */
    sharedContext: sharedContext.optional(),
    /** Tags on every run, searchable as `TriggerTags` (merged with tags given per call). @default [] */
    tags: tags.default([]),
    /**
     * Chunks (Oban Pro's chunk worker): the scheduler starts one run per `size` records (grouped by
     * the `by` fields, the tenant and the actor), each attempt one transaction over its records. A
     * declarative action becomes one `updateMany` / `deleteMany`; a function action gets
     * `(records, ctx)` and may return `{ failed: [{ record, error }] }`. `timeout`: ms per chunk
     * attempt (default the trigger's). Not with `readMetadata` or `triggerOnce`. @default none: one run per record
     */
    chunks: z
      .object({
        size: z.number().int().min(1).max(1000),
        /** Time limit of one chunk attempt in ms. */
        timeout: positiveInt.optional(),
        /** Record fields: only records with equal values share a chunk. */
        by: z.array(identifier).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const scheduledActionSchema = z
  .object({
    /** Temporal cron syntax (5-7 fields, `@daily`, `@every 10m`, `CRON_TZ=Zone` prefix). */
    cron: z.string().min(1),
    /** IANA time zone of `cron`. @default 'UTC' */
    timezone: z.string().optional(),
    ...schedulePolicies,
    /** The action: `(ctx) => …` with `ctx.prisma`, `ctx.args`, `ctx.attempt`, `ctx.lastAttempt`, `ctx.scheduledAt`, `ctx.snooze()`, `ctx.cancel()`. */
    action: fn<(ctx: ScheduledActionContext) => unknown>('an action function'),
    /** Static arguments in `ctx.args`; the run's `actionArguments` win. @default none */
    actionInput: plainObject.optional(),
    /** Task queue. @default `<resource>_<name>` in snake case */
    queue: queueName.optional(),
    /** Attempts per run. @default 1 */
    maxAttempts: positiveInt.default(1),
    /** Priority of the runs: 0 (highest) to 9, as in Oban (a Temporal task priority). @default 3 */
    priority: priority.default(3),
    /** As for triggers. @default 'exponential' */
    backoff: z.union([z.literal('exponential'), z.number().nonnegative(), fn<BackoffFn>('a backoff function')]).default('exponential'),
    /** As for triggers. @default 'infinity' */
    timeout: timeout.default('infinity'),
    /** @default 'active' */
    state: z.enum(['active', 'paused', 'deleted']).default('active'),
    /** @default false */
    debug: z.boolean().default(false),
    /** Stable workflow type. @default `<Resource>.<name>` (boot warns) */
    workflowType: stableName.optional(),
    /** Tenants: with two or more, a run started without one runs once per tenant. @default the resource's, else one: null */
    listTenants: listTenants.optional(),
    /** As for triggers. @default the app's */
    actorPersister: z.union([actorPersister, z.literal(false)]).optional(),
    /** As for triggers. @default null */
    defaultActor: z.unknown().optional(),
    /** As for triggers. @default the resource's, else the app's, else none */
    sharedContext: sharedContext.optional(),
    /** As for triggers. @default [] */
    tags: tags.default([]),
  })
  .strict();


export const resourceSchema = z
  .object({
    /** Prisma model name as in schema.prisma (`Ticket`); the client property is `prisma.ticket`. */
    model: identifier,
    /** Primary key field(s). @default 'id' */
    primaryKey: z.union([identifier, z.array(identifier).min(1)]).default('id'),
    /** Database table, when the model is `@@map`ped (used by `FOR UPDATE`). @default the model's table */
    table: z.string().min(1).optional(),
    /** Postgres schema of the table. @default the connection's search path */
    schema: z.string().min(1).optional(),
    /** Columns of `@map`ped primary key fields: `{ field: 'column' }`. @default field names */
    columns: z.record(z.string(), z.string()).optional(),
    /** `{ name: options }` @default {} */
    triggers: z.record(identifier, triggerSchema).default({}),
    /** `{ name: options }` @default {} */
    scheduledActions: z.record(identifier, scheduledActionSchema).default({}),
    /** Tenants of the resource's triggers and scheduled actions (each may override). @default one tenant: null */
    listTenants: listTenants.optional(),
    /** `(tenant) => string`: the key of a tenant that is not a string or a number (AshOban's ToTenant). @default the app's */
    tenantKey: fn<TenantKeyFn>('a tenantKey function').optional(),
    /** As for triggers, for every trigger of the resource. @default the app's */
    prepareTransaction: prepareTransaction.optional(),
    /** As for triggers, for every trigger and scheduled action of the resource. @default the app's */
    sharedContext: sharedContext.optional(),
  })
  .strict();

export const appSchema = z
  .object({
    /** Owner tag of this app's Schedules and runs (search attribute `TriggerOwner`). */
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
    /** Resources made by `defineResource`. */
    resources: z.array(z.custom<{ model: string }>((v) => typeof v === 'object' && v !== null, { message: 'expected a resource from defineResource()' })),
    /** Commit markers table (`{ table, schema }`), or `false` for none (see docs/reliability.md). @default { table: 'ptt_run_commit' } */
    commitMarkers: z.union([z.literal(false), z.object({ table: z.string().min(1).default('ptt_run_commit'), schema: z.string().min(1).optional() }).strict()]).optional(),
    /** Persists run actors: `{ store(actor) => json, lookup(json | null) => actor | null }` (AshOban's actor_persister). @default none: an actor given to a call is stored as it is (plain JSON, at most 64 KiB) */
    actorPersister: actorPersister.optional(),
    /** Whether runs act with authorization, handed to `prepareTransaction` (a call may say otherwise). @default true */
    authorize: z.boolean().optional(),
    /** `(tx, { actor, tenant, trigger, authorize }) => …`, first in every run's transaction (row-level security). @default none */
    prepareTransaction: prepareTransaction.optional(),
    /** As for triggers, for the whole app. @default none */
    sharedContext: sharedContext.optional(),
    /** `(tenant) => string` for tenants that are not strings or numbers. @default none */
    tenantKey: fn<TenantKeyFn>('a tenantKey function').optional(),
  })
  .strict();

export type TriggerOptions = z.input<typeof triggerSchema>;
export type TriggerConfig = z.output<typeof triggerSchema>;
export type ScheduledActionOptions = z.input<typeof scheduledActionSchema>;
export type ScheduledActionConfig = z.output<typeof scheduledActionSchema>;
export type ResourceOptions = z.input<typeof resourceSchema>;
export type ResourceConfig = z.output<typeof resourceSchema>;
export type AppOptions = z.input<typeof appSchema>;
export type AppConfig = z.output<typeof appSchema>;
