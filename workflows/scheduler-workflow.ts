/**
 * The scheduler workflow (one per tick of a trigger's Schedule, or per `schedule()` call). Pages
 * through the matching records by keyset pagination and starts one per-record workflow each, with
 * a deterministic id and parent-close policy ABANDON. A record with a run in flight is skipped.
 * Continue-as-new keeps the history small and the pending children under the server's limit.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, log, makeContinueAsNewFunc, ParentClosePolicy, patched, proxyActivities, sleep, startChild, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { pageRecords } from './packed-keys';
import { temporalPriority } from './priority';
import { chunkRun, chunkSearchAttributes, recordRun, recordSearchAttributes } from './record-run';
import { roleMemo } from './registry';
import { countTick } from './metrics';
import { ACTIVITY_HEARTBEAT_TIMEOUT, QUERY_ERROR_TYPE, RUN_COMMANDS, SCHEDULER_TASK_TIMEOUT, type FindRecordsResult, type FoundRecord, type TenantRef, type SchedulerInput, type SchedulerResult, type SchedulerStats, type TriggerActivityFns } from './types';

/** Children started per workflow run before continuing as new (server limit: 2000 pending). */
const CHILDREN_PER_RUN = 1500;
/** Continue as new well before the history limits (51,200 events / 50 MiB). */
const HISTORY_EVENTS_PER_RUN = 9000;
/**
 * Child starts issued per activation. A whole page (up to 1000) at once made one workflow task
 * heavy enough to pass the isolate's time limit on a loaded machine, and the same oversized task
 * was retried forever; a slice this small finishes far inside the limit whatever the page size.
 */
export const START_SLICE = 25;
/** Continue as new before a run's history passes this many bytes (pages of chunk keys are large). */
const HISTORY_BYTES_PER_RUN = 8 * 1024 * 1024;
/**
 * Patch: the next page's size is predicted in runs (chunks), not records, and a run also continues
 * as new on its history's size. Schedulers started before it keep the old rule when they replay.
 */
export const CHUNK_PAGES_PATCH = 'ptt-chunk-pages';


export async function schedulerWorkflow(input: SchedulerInput): Promise<SchedulerResult> {
  const now = input.now ?? Date.now();
  // schedulers started by this version carry RUN_COMMANDS: the rule without a patch marker
  const chunkPages = (input.commands ?? 0) >= RUN_COMMANDS || patched(CHUNK_PAGES_PATCH);
  // The tick's tenants: the one given, or (first page) every tenant listTenants gives, one after the other.
  let tenants: (TenantRef | null)[] | undefined =
    input.tenants ?? (input.tenant === undefined ? undefined : [input.tenant === null ? null : { key: input.tenant, ...(input.tenantValue !== undefined ? { value: input.tenantValue } : {}) }]);
  let tenantIndex = input.tenantIndex ?? 0;
  let readInTenant = input.readInTenant ?? 0;
  const stats: SchedulerStats = { read: 0, started: 0, skipped: 0, pages: 0, runs: 0, ...input.stats };
  stats.runs++;
  const { pttFindRecords } = proxyActivities<TriggerActivityFns>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: ACTIVITY_HEARTBEAT_TIMEOUT,
    // Infrastructure errors (a dead worker, a dropped connection, a restarting database) are
    // retried from the same cursor for up to a day; the query's own errors are counted below.
    scheduleToCloseTimeout: '1 day',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [QUERY_ERROR_TYPE] },
    ...(input.priority !== undefined ? { priority: temporalPriority(input.priority) } : {}),
  });
  let queryFailures = 0;
  /** The next page, retrying the query's own errors up to `maxSchedulerAttempts` (AshOban's meaning). */
  const nextPage = async (cursor: unknown): Promise<FindRecordsResult> => {
    const t = tenants?.[tenantIndex];
    for (;;) {
      try {
        return await pttFindRecords({
          triggerId: input.triggerId,
          tenant: t ? t.key : null,
          ...(t?.value !== undefined ? { tenantValue: t.value } : {}),
          ...(tenants === undefined ? { listTenants: true } : {}),
          cursor,
          now,
          alreadyRead: readInTenant,
          pack: true,
          ...(input.actor !== undefined ? { actor: input.actor } : {}),
          ...(input.authorize !== undefined ? { authorize: input.authorize } : {}),
          ...(input.context !== undefined ? { context: input.context } : {}),
        });
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : undefined;
        const queryError = cause instanceof ApplicationFailure && cause.type === QUERY_ERROR_TYPE;
        if (queryError && ++queryFailures < input.maxAttempts) {
          log.warn(`${input.triggerId}: record query failed (attempt ${queryFailures}/${input.maxAttempts}): ${cause.message}`);
          await sleep(Math.min(60_000, 1000 * 2 ** (queryFailures - 1)));
          continue;
        }
        const why = cause?.message ?? (err as Error).message;
        throw ApplicationFailure.create({
          type: 'TriggerTickFailed',
          nonRetryable: true,
          message: `${input.triggerId}: the record query failed on page ${stats.pages + 1} (after ${stats.read} records, ${stats.started} runs started) after ${queryError ? queryFailures : 'retrying'} attempt(s): ${why}`,
          cause: err as Error,
        });
      }
    }
  };
  const childrenPerRun = Math.min(input.childrenPerRun ?? CHILDREN_PER_RUN, CHILDREN_PER_RUN);
  let cursor: unknown = input.cursor ?? null;
  let startedThisRun = 0;

  for (;;) {
    const page = await nextPage(cursor);
    if (page.tenants) tenants = page.tenants;
    if (page.inactive) log.info(`${page.inactive}: the scheduler starts no runs`);
    // Paused before this tick started anything: the tick is cancelled (AshOban's {:cancel, state}).
    if (page.inactive && stats.started === 0 && stats.skipped === 0) return { ...stats, now, cancelled: page.inactive };
    /* istanbul ignore if -- paused between two pages of one tick (a deploy that pauses the trigger mid-tick): the tick ends with what it started; the first-page case is in scheduler-paused-cancelled */
    if (page.inactive) break;
    const records = pageRecords(page);
    stats.pages++;
    stats.read += records.length;
    readInTenant += records.length;
    const { plan } = page;
    const tickTenant = tenants?.[tenantIndex] ?? null;
    // useTenantFromRecord: the record's own tenant; otherwise the tenant this page was read for
    const scopeOf = (rec: FoundRecord) => {
      const t = rec.tenant !== undefined ? rec.tenant : tickTenant;
      return {
        tenant: t?.key ?? null,
        ...(t?.value !== undefined ? { tenantValue: t.value } : {}),
        ...(page.runActor !== undefined ? { actor: page.runActor } : {}),
        ...(input.authorize !== undefined ? { authorize: input.authorize } : {}),
        ...(input.context !== undefined ? { context: input.context } : {}),
      };
    };
    const startRun = async (workflowId: string, runInput: unknown, attributes: ReturnType<typeof recordSearchAttributes>): Promise<void> => {
      try {
        await startChild(plan.workflowType, {
          workflowId,
          taskQueue: plan.taskQueue,
          args: [runInput],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          memo: roleMemo('record'),
          workflowIdReusePolicy: plan.triggerOnce ? WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: attributes,
          ...(plan.priority !== undefined ? { priority: temporalPriority(plan.priority) } : {}),
        });
        stats.started++;
      } catch (err) {
        /* istanbul ignore if -- the server refused a child start for another reason: the tick fails (never seen) */
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        stats.skipped++;
      }
    };
    const units: (() => Promise<void>)[] = [];
    if (plan.chunkSize) {
      // chunks: records of one group (`by` values) and tenant, up to chunkSize each, in page order;
      // a poison record still gets a run of its own, which fails alone
      const groups = new Map<string, FoundRecord[]>();
      for (const rec of records) {
        if (rec.poison) {
          const run = recordRun(plan, rec, scopeOf(rec), input.actionArguments ?? {});
          units.push(() => startRun(run.workflowId, run.input, recordSearchAttributes(plan, rec.recordId, run.input.tenant, input.tags)));
          continue;
        }
        // the tenant part of scopeOf(rec), without building the scope for every record
        const groupKey = `${rec.group ?? ''}|${(rec.tenant !== undefined ? rec.tenant : tickTenant)?.key ?? ''}`;
        const group = groups.get(groupKey) ?? [];
        group.push(rec);
        groups.set(groupKey, group);
      }
      for (const group of groups.values()) {
        for (let i = 0; i < group.length; i += plan.chunkSize) {
          const recs = group.slice(i, i + plan.chunkSize);
          const run = chunkRun(plan, recs, scopeOf(recs[0]!), input.actionArguments ?? {});
          units.push(() => startRun(run.workflowId, run.input, chunkSearchAttributes(plan, run.recordIds, run.input.tenant, input.tags)));
        }
      }
    } else {
      for (const rec of records) {
        const run = recordRun(plan, rec, scopeOf(rec), input.actionArguments ?? {});
        units.push(() => startRun(run.workflowId, run.input, recordSearchAttributes(plan, rec.recordId, run.input.tenant, input.tags)));
      }
    }
    for (let i = 0; i < units.length; i += START_SLICE) await Promise.all(units.slice(i, i + START_SLICE).map((u) => u()));
    startedThisRun += units.length;
    cursor = page.cursor;
    if (page.done) {
      if (!tenants || tenantIndex + 1 >= tenants.length) break;
      // the next tenant, from its first record
      tenantIndex++;
      cursor = null;
      readInTenant = 0;
    }
    const current = workflowInfo();
    const nextRuns = chunkPages ? units.length : records.length;
    const tooBig = chunkPages && current.historySize > HISTORY_BYTES_PER_RUN;
    if (startedThisRun + nextRuns > childrenPerRun || current.historyLength > HISTORY_EVENTS_PER_RUN || tooBig || current.continueAsNewSuggested) {
      // Every startChild above has resolved (the children exist), so ABANDON keeps them running.
      await makeContinueAsNewFunc<typeof schedulerWorkflow>({ workflowTaskTimeout: SCHEDULER_TASK_TIMEOUT })({ ...input, now, cursor, stats, ...(tenants ? { tenants, tenantIndex, readInTenant } : {}) });
    }
  }
  countTick(input.triggerId, stats.started, stats.skipped);
  log.info(`Scheduled ${stats.started} runs for ${input.triggerId} (${stats.skipped} in flight, ${stats.read} read, ${stats.runs} workflow runs)`);
  return { ...stats, now };
}
