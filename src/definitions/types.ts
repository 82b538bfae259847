/** Types handed to user code (actions, on-error handlers, where functions, backoff functions). */

/** An error as it travels between attempts (through Temporal), and as `onError` receives it. */
export interface SerializedError {
  name: string;
  message: string;
  /** `code` of the thrown error, when it had one (Prisma's `P2002`, this library's codes, ...). */
  code?: string;
  stack?: string;
}

/** Input of a `where` function: the tick's time (scheduler) or the run's time (re-read), and the tenant. */
export interface WhereInput {
  now: Date;
  tenant: string | null;
}

/** What every action (trigger, on-error handler, scheduled action) is told about its run. */
export interface RunContext {
  /** `actionInput` merged with the run's `actionArguments` (the runtime arguments win). */
  args: Record<string, unknown>;
  /** 1-based attempt number. */
  attempt: number;
  maxAttempts: number;
  /** True on the final attempt (AshOban's `last_oban_attempt?`). */
  lastAttempt: boolean;
  tenant: string | null;
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
