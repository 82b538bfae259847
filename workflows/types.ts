/** Inputs and results of this library's workflows and activities (plain JSON). */
import type { EncodedKey } from './primary-key';
import type { PackedKeys } from './packed-keys';

/** A tenant as runs carry it: its key (ids, search attributes) and, when not that same string, the value. */
export interface TenantRef {
  key: string;
  value?: unknown;
}

/** Who a run acts for and with what: the persisted actor, authorization, shared context. */
export interface RunScope {
  /** The key of the run's tenant (null: none). */
  tenant: string | null;
  /** The tenant's value, when it is not the key string itself (a number, an object). */
  tenantValue?: unknown;
  /** The actor in its persisted form (`actorPersister.store`); absent: none. */
  actor?: unknown;
  /** Whether the run acts with authorization (absent: the app's setting). */
  authorize?: boolean;
  /** Shared context inherited from the run that started this one. */
  context?: Record<string, unknown>;
}

export interface SerializedErrorData {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** What a per-record run needs to know of its trigger (resolved from the definitions when built). */
export interface RecordPlan {
  owner: string;
  triggerId: string;
  resource: string;
  workflowType: string;
  taskQueue: string;
  maxAttempts: number;
  /** Per-attempt timeout in ms; null = none (crashes are detected by heartbeat); 'function': asked before each attempt. */
  timeoutMs: number | null | 'function';
  triggerOnce: boolean;
  /** How long to wait after an attempt that did not return (timeout, crashed worker): the trigger's
   * `backoff` when it is a number, otherwise exponential ('function': asked of the activity side). */
  backoff?: number | 'exponential' | 'function';
  /** Oban-style priority of the runs (0 highest); applied as a Temporal task priority. */
  priority?: number;
  /** `chunks.size`: runs of up to this many records each. */
  chunkSize?: number;
  /** `attemptsAs: 'activity'`: attempts as normal activities (absent: local activities, for runs started by versions that know them). */
  attemptsAs?: 'activity';
  /** The trigger's tags (search attribute `TriggerTags`). */
  tags?: string[];
  hasOnError: boolean;
  onErrorFailsJob: boolean;
  logErrors: boolean;
  logFinalError: boolean;
  debug: boolean;
}

/**
 * The commands a record or chunk run is started with (its input's `commands`). Runs without it
 * were started by earlier versions: their patch markers tell which path they are on. Runs with it
 * take the attempt engine without asking `patched()`, so their histories hold no patch marker (and
 * no TemporalChangeVersion upsert): two events fewer per run.
 */
export const RUN_COMMANDS = 2;

export interface RecordRunInput extends RunScope {
  plan: RecordPlan;
  /** RUN_COMMANDS when the run was started by this version or later (absent: an earlier version). */
  commands?: number;
  key: EncodedKey;
  recordId: string;
  actionArguments: Record<string, unknown>;
  metadata?: unknown;
  /** The trigger's `extraArgs` (and runTrigger's `args`): part of the run's identity, shown to the action. */
  extraArgs?: Record<string, unknown>;
  /** Carried over continue-as-new (a run that snoozed many times): the engine's state. */
  resume?: EngineState;
  /** Snoozes before the run continues as new (default 500; lower only to test it). */
  snoozesPerRun?: number;
  /** The record's run data could not be built (see FoundRecord.poison): the run fails at once with this. */
  poison?: string;
  /** A chunk run (`chunks` on the trigger): these records, in one transaction per attempt. */
  chunk?: ChunkInput;
}

/**
 * The records of a chunk run (`key` and `recordId` of the run input are the first one's): their
 * keys `packed` when they pack (one string or number column; started by this version on), else
 * `keys` with their `recordIds`. `chunkMembers` reads either.
 */
export interface ChunkInput {
  keys?: EncodedKey[];
  recordIds?: string[];
  packed?: PackedKeys;
}

/** What one attempt of a chunk did, record by record. */
export interface ChunkAttemptResult {
  /** Committed by this attempt (onError: handled by it). */
  succeeded: string[];
  /** Committed by an earlier attempt of the run whose result was lost: successes, not done again. */
  earlier?: string[];
  /** Handled by an earlier onError of the run whose result was lost. */
  handled?: string[];
  /** Gone or no longer matching `where`: untouched. */
  noLongerApplies: string[];
  /** Locked by another run in flight (SKIP LOCKED): left to it. */
  inFlight: string[];
  /** Failed this attempt (the action said so): retried, then given to onError. */
  failed: { recordId: string; error: SerializedErrorData }[];
  /** The wait before retrying the failed ones (the trigger's `backoff`), when a retry follows. */
  backoffSeconds?: number;
}

/**
 * How a chunk's records ended: each record is counted once. `success` includes records whose
 * failure `onError` handled (unless `onErrorFailsJob`: then `discard`).
 */
export interface ChunkCounts {
  success: number;
  failure: number;
  discard: number;
  cancelled: number;
  /** Still pending: locked by another run in flight when this chunk claimed them, left to it (and to later ticks). */
  inFlight: number;
}

export interface ChunkRunResult extends RecordRunResult {
  chunk: ChunkCounts;
}

export type RunOutcome = 'success' | 'failure' | 'discard' | 'cancelled';

export interface RecordRunResult {
  outcome: RunOutcome;
  attempts: number;
  snoozes: number;
  reason?: string;
  error?: SerializedErrorData;
}

/** Result of one attempt of an action (trigger, on-error or scheduled action). */
export type AttemptOutcome =
  | { status: 'success'; chunk?: ChunkAttemptResult }
  | { status: 'snooze'; seconds: number }
  | { status: 'cancel'; reason: string }
  | { status: 'no-longer-applies'; reason: string }
  | { status: 'error'; error: SerializedErrorData; backoffSeconds: number; infrastructure?: true };

export interface SchedulerInput {
  owner: string;
  /** RUN_COMMANDS when started by this version or later: the ptt-chunk-pages rule without its patch marker. */
  commands?: number;
  triggerId: string;
  /** Attempts of each record query. */
  maxAttempts: number;
  /** Oban-style priority (0 highest) of the scheduler's work; a Temporal task priority. */
  priority?: number;
  /** One tenant to query; absent: every tenant `listTenants` gives (AshOban's scheduler loop). */
  tenant?: string | null;
  tenantValue?: unknown;
  /** The tick's time (ms), fixed across continue-as-new so `where` functions see one `now`. */
  now?: number;
  cursor?: unknown;
  stats?: SchedulerStats;
  /** Runs started per workflow run before continue-as-new (default 1500; under the 2000 pending-child limit). */
  childrenPerRun?: number;
  actionArguments?: Record<string, unknown>;
  /** The persisted actor the tick runs as; absent: `defaultActor`. */
  actor?: unknown;
  authorize?: boolean;
  context?: Record<string, unknown>;
  /** Tags given to the call, added to every run it starts. */
  tags?: string[];
  /** Carried over continue-as-new: the tick's tenants, which one it is on, records read in it. */
  tenants?: (TenantRef | null)[];
  tenantIndex?: number;
  readInTenant?: number;
}

export interface SchedulerStats {
  /** Records read from the database. */
  read: number;
  /** Runs started. */
  started: number;
  /** Records skipped because a run for them is in flight (or, with triggerOnce, completed). */
  skipped: number;
  pages: number;
  /** Workflow runs this tick took (continue-as-new). */
  runs: number;
}

export interface SchedulerResult extends SchedulerStats {
  /** The tick's time (ms since the epoch): what `where` functions saw as `now`. */
  now?: number;
  /** Set when the trigger is not active: the scheduler did nothing (AshOban's `{:cancel, state}`). */
  cancelled?: string;
}

export interface FoundRecord {
  key: EncodedKey;
  recordId: string;
  /** Chunk triggers: the record's `by` values (records with equal ones share chunks). */
  group?: string;
  /** `useTenantFromRecord`: the record's own tenant. */
  tenant?: TenantRef | null;
  metadata?: unknown;
  extraArgs?: Record<string, unknown>;
  /** Why this record's run data cannot travel (too big, not JSON, a function threw): its run fails alone with this. */
  poison?: string;
}

export interface FindRecordsInput {
  triggerId: string;
  tenant: string | null;
  tenantValue?: unknown;
  /** First page of a tick without a tenant: list the tenants, query the first. */
  listTenants?: boolean;
  cursor: unknown;
  now: number;
  /** Records this tick has read so far in this tenant (for `recordLimit`). */
  alreadyRead: number;
  actor?: unknown;
  authorize?: boolean;
  context?: Record<string, unknown>;
  /** Return a page of plain one-column keys `packed` (schedulers of this version on ask). */
  pack?: boolean;
}

export interface FindRecordsResult {
  plan: RecordPlan;
  /** The page's records; empty when they travel `packed` (`pageRecords` reads either). */
  records: FoundRecord[];
  /** The page's records as packed keys, when each is a plain key (no group, tenant, metadata, extra args or poison). */
  packed?: PackedKeys;
  cursor: unknown;
  /** No more records this tick (last page, or `recordLimit` reached). */
  done: boolean;
  /** Set when the trigger is paused or deleted: the tick does nothing. */
  inactive?: string;
  /** With `listTenants`: every tenant of the tick, null for none (the page is the first one's). */
  tenants?: (TenantRef | null)[];
  /** The persisted actor the runs of this page carry (the tick's, or `defaultActor`'s). */
  runActor?: unknown;
}

export interface RunActionInput extends RunScope {
  triggerId: string;
  key: EncodedKey;
  /** A chunk attempt: these records (those still pending), in one transaction. */
  chunkKeys?: EncodedKey[];
  /** A chunk's onError: each failed record's own error, by record id. */
  chunkErrors?: Record<string, SerializedErrorData>;
  actionArguments: Record<string, unknown>;
  metadata?: unknown;
  extraArgs?: Record<string, unknown>;
  /** This attempt's time limit (ms), when the trigger's `timeout` is a function. */
  timeoutMs?: number | null;
  attempt: number;
  /** The final attempt run again (after onError snoozed or met an outage): 2, 3, ... (absent: 1). */
  round?: number;
  maxAttempts: number;
  workflowId: string;
  error?: SerializedErrorData;
}

/** The calling run's `backoff` function is found through its workflow type. */
export interface BackoffInput {
  attempt: number;
  error: SerializedErrorData;
}

export interface ScheduledActionInput {
  owner: string;
  actionId: string;
  maxAttempts: number;
  timeoutMs: number | null | 'function';
  /** Oban-style priority (0 highest); a Temporal task priority. */
  priority?: number;
  /** Wait after an attempt that did not return, as in RecordPlan. */
  backoff?: number | 'exponential' | 'function';
  /** Carried over continue-as-new (a run that snoozed many times). */
  resume?: EngineState & { scheduledAt: number };
  /** Snoozes before the run continues as new (default 500; lower only to test it). */
  snoozesPerRun?: number;
  /** The run's tenant; absent: every tenant `listTenants` gives (one run each when two or more). */
  tenant?: string | null;
  tenantValue?: unknown;
  actionArguments?: Record<string, unknown>;
  actor?: unknown;
  authorize?: boolean;
  context?: Record<string, unknown>;
  tags?: string[];
  /** Started without a tenant: list the tenants first (the definition has `listTenants`). */
  listTenants?: boolean;
}

export interface ScheduledActionResult {
  outcome: RunOutcome;
  attempts: number;
  snoozes: number;
  /** A run started without a tenant over two or more tenants: the ids of its per-tenant runs. */
  tenants?: string[];
  reason?: string;
  error?: SerializedErrorData;
}

export interface RunScheduledActionInput extends RunScope {
  actionId: string;
  actionArguments: Record<string, unknown>;
  attempt: number;
  maxAttempts: number;
  workflowId: string;
  scheduledAt: number;
}

/** What a `timeout` function is told about the attempt it limits. */
export type TimeoutInput = RunScope & { attempt: number; recordId?: string; actionArguments: Record<string, unknown>; extraArgs?: Record<string, unknown>; metadata?: unknown };

/** The activities the workflows call (implemented in activities/). */
export interface TriggerActivityFns {
  pttFindRecords(input: FindRecordsInput): Promise<FindRecordsResult>;
  pttRunAction(input: RunActionInput): Promise<AttemptOutcome>;
  pttRunOnError(input: RunActionInput): Promise<AttemptOutcome>;
  pttRunScheduledAction(input: RunScheduledActionInput): Promise<AttemptOutcome>;
  /** The trigger's `backoff` function, for an attempt that did not return (run as a local activity). */
  pttBackoff(input: BackoffInput): Promise<number>;
  /** Whether the calling run's action (or onError) committed: asked after a last attempt that never returned (runs started before the engine). */
  pttCommitted(input: { kind: 'action' | 'onError' | `${'action' | 'onError'}:${number}` }): Promise<boolean>;
  /** What an attempt of the calling run that never returned committed, from its marker (null: nothing). */
  pttCommitResult(input: CommitResultInput): Promise<AttemptOutcome | null>;
  /** The calling run's `timeout` function, asked before each attempt (a local activity). */
  pttTimeout(input: TimeoutInput): Promise<number | null>;
  /** The tenants of the calling scheduled action (a run started without one fans out over them). */
  pttListTenants(input: Record<string, never>): Promise<(TenantRef | null)[]>;
}

/**
 * Heartbeat timeout of every activity of this library. Activities heartbeat every 5 s and the
 * worker sends a heartbeat at least every 10 s (createTriggerWorker sets
 * `maxHeartbeatThrottleInterval`), so a loaded machine has 50 s of slack before a live activity
 * is taken for dead; a crashed worker is noticed within this time.
 */
export const ACTIVITY_HEARTBEAT_TIMEOUT = '1 minute';

/** Which attempt `pttCommitResult` asks about. */
export interface CommitResultInput {
  mode: 'action' | 'onError';
  attempt: number;
  round?: number;
  /** A chunk run's attempt (its marker stores a per-record result). */
  chunk: boolean;
  /** A record run's record (the result names it). */
  recordId: string;
}

/**
 * `ApplicationFailure.type` of an attempt its worker abandoned (shutdown past the grace time, or
 * the server gave the attempt up): it did not commit, and runs again as the same attempt.
 */
export const ATTEMPT_ABANDONED_TYPE = 'TriggerAttemptAbandoned';

/** `ApplicationFailure.type` of a scheduler query that failed on its own (not the infrastructure). */
export const QUERY_ERROR_TYPE = 'TriggerQueryError';

/** Failure types of runs that end failed (`ApplicationFailure.type`). */
export const FAILURE_TYPE = { failure: 'TriggerRunFailed', discard: 'TriggerRunDiscarded', cancelled: 'TriggerRunCancelled' } as const;

/**
 * A scheduler workflow task completes hundreds of child starts at once; on a busy server that can
 * take longer than Temporal's default 10 s task timeout, so schedulers get a longer one.
 */
export const SCHEDULER_TASK_TIMEOUT = '1 minute';

/** How an item of a unit ended. `inFlight`: still pending, held by another run (left to a later tick). */
export type Settled = 'success' | 'failure' | 'discard' | 'cancelled' | 'inFlight';

/** The engine's state, carried over continue-as-new. */
export interface EngineState {
  attempt: number;
  /** The final attempt run again after its onError snoozed or met an outage: 2, 3, ... (absent: 1). */
  round?: number;
  snoozes: number;
  settled?: Record<string, Settled>;
  errors?: Record<string, SerializedErrorData>;
  /** Items whose failure `onError` handled. */
  handled?: string[];
  /** Why the unit was cancelled. */
  reason?: string;
}
