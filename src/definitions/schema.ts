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
  /** While the previous tick still runs: `'skip'` (AshOban: one at a time), `'bufferOne'`, `'bufferAll'`, `'allowAll'`, `'cancelOther'`, `'terminateOther'`. */
  overlap: overlap.default('skip'),
  /** How late a missed tick may still start after downtime of the Temporal server. */
  catchupWindow: duration.optional(),
  /** Random delay added to each tick, up to this long. */
  jitter: duration.optional(),
};

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier');

export const triggerSchema = z
  .object({
    /** Prisma `where` for the scheduler query and the per-record re-read, or a function of `{ now, tenant }`. */
    where: z.union([plainObject, fn<(input: WhereInput) => Record<string, unknown>>('a where function')]).optional(),
    /** The action run on each matching record (re-read and locked, in one transaction). */
    action: triggerActionSchema.optional(),
    /** With `chunks`: `(records, ctx) => …` in one transaction per chunk attempt. */
    chunkAction: fn<(records: any[], ctx: ActionContext) => ChunkActionResult<any> | void | Promise<ChunkActionResult<any> | void>>('a chunkAction function').optional(),
    /** Cron of the scheduler (5-7 fields, `@daily`, ...). `false`: no scheduler, on-demand only. */
    schedulerCron: z.union([z.string().min(1), z.literal(false)]).default('* * * * *'),
    /** IANA time zone for `schedulerCron`. */
    schedulerTimezone: z.string().optional(),
    ...schedulePolicies,
    /** Task queue of the per-record workflows. Default `<resource>_<trigger>` in snake case. */
    queue: queueName.optional(),
    /** Task queue of the scheduler workflow. Default `queue`. */
    schedulerQueue: queueName.optional(),
    /** Attempts per record run. */
    maxAttempts: positiveInt.default(1),
    /** Attempts of the scheduler's record query per tick. */
    maxSchedulerAttempts: positiveInt.default(1),
    /** Priority of the per-record runs, 0 (highest) to 9, as in Oban; a Temporal task priority. */
    workerPriority: priority.default(2),
    /** Priority of the scheduler, 0 (highest) to 9. */
    schedulerPriority: priority.default(3),
    /** `'exponential'` (2^attempt + 15 s, with jitter), a constant number of seconds, or `(attempt, error) => seconds`. */
    backoff: z.union([z.literal('exponential'), z.number().nonnegative(), fn<BackoffFn>('a backoff function')]).default('exponential'),
    /** Maximum run time of one attempt, in ms; `'infinity'` for none (crashes are still detected by heartbeat); or a function of the run. */
    timeout: timeout.default('infinity'),
    /** How each attempt runs: `'local'` (a local activity: fewer history events, no round trip through the server) or `'activity'`. */
    attemptsAs: z.enum(['local', 'activity']).default('local'),
    /** Runs after the final failed attempt, in its own transaction on the re-read record. */
    onError: onErrorActionSchema.optional(),
    /** After `onError` succeeds: the run ends `discard` (true) or `success` (false). */
    onErrorFailsJob: z.boolean().default(false),
    /** At most this many records per scheduler tick (per tenant). */
    recordLimit: positiveInt.optional(),
    /** Scheduler order: `{ field: 'asc' | 'desc' }` or a list of them; the primary key breaks ties. */
    sort: z.union([z.record(z.string(), sortDirection), z.array(z.record(z.string(), sortDirection))]).optional(),
    /** Records read per scheduler query page (max 1000: runs started per page stay under Temporal's pending-child limit). Default 500. */
    streamBatchSize: positiveInt.max(1000).optional(),
    /** Lock the record `FOR UPDATE` for the whole transaction (re-read, action, commit). */
    lockForUpdate: z.boolean().default(true),
    /** A record whose run completed is never started again (while Temporal retains that run). */
    triggerOnce: z.boolean().default(false),
    /** `active`; `paused` (schedule paused, runs refused); `deleted` (schedule removed). */
    state: z.enum(['active', 'paused', 'deleted']).default('active'),
    /** Log the error of every failed attempt before the last. */
    logErrors: z.boolean().default(true),
    /** Log the error of the final failed attempt. */
    logFinalError: z.boolean().default(true),
    /** Debug logs for this trigger. */
    debug: z.boolean().default(false),
    /** Static arguments given to the action (runtime `actionArguments` win over them). */
    actionInput: plainObject.optional(),
    /** `(record) => metadata`, computed when the run is built, handed to the action as `ctx.metadata`. */
    readMetadata: fn<(record: any, run: RecordDataInput) => unknown>('a readMetadata function').optional(),
    /** Extra run arguments (an object, or a function of the record); they make the run unique. */
    extraArgs: z.union([plainObject, fn<(record: any, run: RecordDataInput) => Record<string, unknown>>('an extraArgs function')]).optional(),
    /** Stable workflow type of the per-record workflow. Default `<Resource>.<trigger>` (boot warns). */
    workflowType: stableName.optional(),
    /** Stable workflow type of the scheduler workflow. Default `<Resource>.<trigger>.scheduler` (boot warns). */
    schedulerWorkflowType: stableName.optional(),
    /** The tenants the scheduler queries, one after the other; overrides the resource's. */
    listTenants: listTenants.optional(),
    /** Read across tenants and give each run its record's own tenant (`tenantFrom`). */
    useTenantFromRecord: z.boolean().optional(),
    /** The tenant of a record, for `useTenantFromRecord`. */
    tenantFrom: fn<(record: any) => Tenant | null>('a tenantFrom function').optional(),
    /** Persists the runs' actors; overrides the app's; `false`: none. */
    actorPersister: z.union([actorPersister, z.literal(false)]).optional(),
    /** The actor when a run has none stored (cron ticks run as it). */
    defaultActor: z.unknown().optional(),
    /** Runs first inside every transaction of this trigger's runs; overrides the resource's and the app's. */
    prepareTransaction: prepareTransaction.optional(),
    /** What of the run's context travels into runs started from inside it. */
    sharedContext: sharedContext.optional(),
    /** Tags, searchable on every run (`TriggerTags`). */
    tags: tags.default([]),
    /** Runs of up to `size` records each, one transaction per attempt (Oban Pro's chunks). */
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
    /** Cron (5-7 fields, `@daily`, ...). */
    cron: z.string().min(1),
    /** IANA time zone for `cron`. */
    timezone: z.string().optional(),
    ...schedulePolicies,
    /** The action. */
    action: fn<(ctx: ScheduledActionContext) => unknown>('an action function'),
    /** Static arguments (runtime `actionArguments` win over them). */
    actionInput: plainObject.optional(),
    /** Task queue. Default `<resource>_<name>` in snake case. */
    queue: queueName.optional(),
    /** Attempts per run; the action is told which attempt is the last. */
    maxAttempts: positiveInt.default(1),
    /** Priority of the runs, 0 (highest) to 9, as in Oban; a Temporal task priority. */
    priority: priority.default(3),
    /** Backoff between attempts, as for triggers. */
    backoff: z.union([z.literal('exponential'), z.number().nonnegative(), fn<BackoffFn>('a backoff function')]).default('exponential'),
    /** Maximum run time of one attempt, in ms, or `'infinity'`, or a function of the run. */
    timeout: timeout.default('infinity'),
    state: z.enum(['active', 'paused', 'deleted']).default('active'),
    debug: z.boolean().default(false),
    /** Stable workflow type. Default `<Resource>.<name>` (boot warns). */
    workflowType: stableName.optional(),
    /** Tenants: with two or more, a run started without a tenant runs once per tenant. */
    listTenants: listTenants.optional(),
    actorPersister: z.union([actorPersister, z.literal(false)]).optional(),
    defaultActor: z.unknown().optional(),
    sharedContext: sharedContext.optional(),
    tags: tags.default([]),
  })
  .strict();


export const resourceSchema = z
  .object({
    /** The Prisma model name as in schema.prisma (`Ticket`); the delegate is `prisma.ticket`. */
    model: identifier,
    /** Primary key field(s). Default `id`. */
    primaryKey: z.union([identifier, z.array(identifier).min(1)]).default('id'),
    /** Database table, when it differs from the model (`@@map`). Used for `FOR UPDATE`. */
    table: z.string().min(1).optional(),
    /** Postgres schema of the table. Default: the connection's search path. */
    schema: z.string().min(1).optional(),
    /** Column names of primary key fields that are `@map`ped: `{ field: 'column' }`. */
    columns: z.record(z.string(), z.string()).optional(),
    triggers: z.record(identifier, triggerSchema).default({}),
    scheduledActions: z.record(identifier, scheduledActionSchema).default({}),
    /** The tenants of this resource's triggers and scheduled actions. */
    listTenants: listTenants.optional(),
    /** Names a tenant that is not a string or number (AshOban's ToTenant). */
    tenantKey: fn<TenantKeyFn>('a tenantKey function').optional(),
    prepareTransaction: prepareTransaction.optional(),
    sharedContext: sharedContext.optional(),
  })
  .strict();

export const appSchema = z
  .object({
    /** Owner tag of this app's schedules and runs (search attribute `TriggerOwner`). */
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
    resources: z.array(z.custom<{ model: string }>((v) => typeof v === 'object' && v !== null, { message: 'expected a resource from defineResource()' })),
    /**
     * Commit markers (effectively-once actions): the table the action's transaction writes a marker
     * row to, `{ table, schema }`, or `false` for none. Default `{ table: 'ptt_run_commit' }`.
     */
    commitMarkers: z.union([z.literal(false), z.object({ table: z.string().min(1).default('ptt_run_commit'), schema: z.string().min(1).optional() }).strict()]).optional(),
    /** Persists run actors (AshOban's actor_persister). */
    actorPersister: actorPersister.optional(),
    /** Whether runs act with authorization (handed to prepareTransaction). Default true. */
    authorize: z.boolean().optional(),
    /** Runs first inside every run's transaction (row-level security: `SET LOCAL ...`). */
    prepareTransaction: prepareTransaction.optional(),
    sharedContext: sharedContext.optional(),
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
