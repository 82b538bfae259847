/** Types handed to user code (actions, on-error handlers, where functions, backoff functions). */
import type { Tenant } from '../runtime/tenants';

export type { Tenant };

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
  tenant: Tenant | null;
  /** The run's actor (the tick's, in the scheduler): looked up, or `defaultActor`, or null. */
  actor: unknown;
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
