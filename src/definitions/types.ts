/** Types handed to user code (actions, on-error handlers, where functions, backoff functions). */

/**
 * A tenant: a string, a number, or an object (of any shape, an interface included) that
 * `tenantKey` names. Ids and search attributes use its key: a string is its own key, a number
 * its decimal text, an object what `tenantKey` returns (AshOban's `ToTenant`).
 */
export type Tenant = string | number | object;

/** Names an object tenant with a non-empty string (called for object tenants only). */
export type TenantKeyFn<T = any> = (tenant: T) => string;

/** Turns actors into JSON for a run's input and back (either side may be async). */
export interface ActorPersister<A = unknown> {
  store(actor: A): unknown;
  /** Called with the stored form, or null when the run has none (then return null for the default). */
  lookup(stored: unknown): A | null | Promise<A | null>;
}

/** The library's own context keys that `sharedContext` may share: the trigger-run flag and the run's facts. */
export type SharedContextKey = 'triggerRun' | 'run';
export type SharedContext = 'all' | SharedContextKey[];

/** An error as it travels between attempts (through Temporal), and as `onError` receives it. */
export interface SerializedError {
  name: string;
  message: string;
  /** `code` of the thrown error, when it had one (Prisma's `P2002`, this library's codes, ...). */
  code?: string;
  stack?: string;
}

/** Input of a `where` function: the tick's time (scheduler) or the run's time (re-read), the tenant and the actor. */
export interface WhereInput {
  now: Date;
  /** The tenant read for: the tick's (scan), the run's (reread); null without tenants and in a scan of all tenants. */
  tenant: Tenant | null;
  /** The run's actor (the tick's, in the scheduler): looked up, or `defaultActor`, or null. */
  actor: unknown;
  /**
   * `scan`: the scheduler reading the records that match; `reread`: an attempt re-reading its
   * record(s) just before the action (a record that no longer matches is not acted on).
   */
  purpose: 'scan' | 'reread';
  /** True in the scan of a `useTenantFromRecord` trigger, which reads across every tenant at once. */
  allTenants: boolean;
}

/** What `readMetadata` and `extraArgs` functions see besides the record. */
export interface RecordDataInput {
  tenant: Tenant | null;
  actor: unknown;
}

/** `listTenants` as a function: the tenants to query, at each tick. */
export type ListTenantsFn = (input: { prisma: any }) => Tenant[] | Promise<Tenant[]>;

/** What `prepareTransaction` is told: it runs first in every transaction of a run, before the lock and re-read. */
export interface TransactionScope {
  actor: unknown;
  tenant: Tenant | null;
  /** `<Resource>.<name>` */
  trigger: string;
  /**
   * What the transaction is for: `scan`, the scheduler reading a page of matching records (read
   * only); `action`, an attempt re-reading its record(s) and running the action; `onError`, the
   * error handler after the last attempt. A row-level-security hook can give each its own role.
   */
  purpose: 'scan' | 'action' | 'onError';
  /** Whether the run acts with authorization (`authorize`, app default true, per call). */
  authorize: boolean;
}

/** `(tx, scope) => …`: e.g. `SET LOCAL app.actor_id = …` for row-level security. */
export type PrepareTransactionFn = (tx: any, scope: TransactionScope) => unknown;

/** A run's time limit, decided when the run is built: ms, or `'infinity'`. */
export type TimeoutFn = (run: { attempt: number; recordId?: string; tenant: Tenant | null; actionArguments: Record<string, unknown>; extraArgs?: Record<string, unknown>; metadata?: unknown }) => number | 'infinity';

/** What every action (trigger, on-error handler, scheduled action) is told about its run. */
export interface RunContext {
  /** `actionInput` merged with the run's `actionArguments` (the runtime arguments win). */
  args: Record<string, unknown>;
  /** 1-based attempt number. */
  attempt: number;
  maxAttempts: number;
  /** True on the final attempt (AshOban's `last_oban_attempt?`). */
  lastAttempt: boolean;
  tenant: Tenant | null;
  /** Who the run acts for: the stored actor looked up, else `defaultActor`, else null. */
  actor: unknown;
  /** The run's workflow id (find the run in the Temporal UI with it). */
  workflowId: string;
  /** Stop now and run again after `seconds`, without using an attempt (a durable timer). */
  snooze(seconds: number): never;
  /** Stop now; the run ends `cancelled` with this reason. */
  cancel(reason: string): never;
}

/** What a trigger action receives besides the freshly re-read record. */
export interface ActionContext<TTx = any> extends RunContext {
  /** The transaction the record was re-read (and locked) in: do your writes through it. */
  tx: TTx;
  /** What `readMetadata` returned when the run was built (undefined without it). */
  metadata: unknown;
  /** The run's extra arguments: the trigger's `extraArgs`, over runTrigger's `args` ({} without them). */
  extraArgs: Record<string, unknown>;
  /** `<Resource>.<trigger>` */
  trigger: string;
  resource: string;
}

/** What `onError` receives: the action context plus the final attempt's error. */
export interface OnErrorContext<TTx = any> extends ActionContext<TTx> {
  error: SerializedError;
}

/** What a scheduled action receives. */
export interface ScheduledActionContext<TPrisma = any> extends RunContext {
  /** The application's PrismaClient. */
  prisma: TPrisma;
  /** `<Resource>.<name>` */
  name: string;
  /** The time the run was scheduled for (the cron tick), or the start time of a manual run. */
  scheduledAt: Date;
}

export type ActionResult = unknown;

/** `(attempt, error) => seconds` to wait before the next attempt. */
export type BackoffFn = (attempt: number, error: SerializedError) => number;

/** What a `chunkAction` may return: the records it could not process, with why. */
export interface ChunkActionResult<R> {
  failed?: { record: R; error: unknown }[];
}
