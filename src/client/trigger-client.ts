/**
 * The client of an app's triggers, one method per job: `runTrigger` / `runTriggers` /
 * `buildTrigger` (one record now: `./run`), `schedule` (a scheduler or scheduled action now:
 * `./schedule`), `scheduleAndRunTriggers` (whole apps or resources, optionally drained:
 * `./schedule-and-run`). Each job lives in its own module; this class binds them to a client and app.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { App } from '../definitions/define';
import { drainRuns, emptyDrainResult, type DrainResult } from './drain';
import { buildTrigger, runTrigger, runTriggers, type BuiltTrigger, type RunTriggerOptions, type StartedRun, type TriggerRef } from './run';
import { schedule, type ScheduleOptions } from './schedule';
import { scheduleAndRunTriggers, type ScheduleAndRunOptions } from './schedule-and-run';
import type { ScheduleTarget, Triggerable } from './targets';

export type { ActingOptions, CallScope } from './acting-scope';
export type { BuiltTrigger, RunTriggerOptions, StartedRun, TriggerRef } from './run';
export type { ScheduleOptions } from './schedule';
export type { ScheduleAndRunOptions } from './schedule-and-run';
export type { DrainCounts, DrainResult } from './drain';
export type { ScheduleTarget, Triggerable } from './targets';

export class TriggerClient {
  constructor(
    readonly client: Client,
    readonly app: App,
  ) {}

  /** The start options of the per-record run for `record`, without starting it. */
  buildTrigger(record: Record<string, unknown>, ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<BuiltTrigger> {
    return buildTrigger(this.app, record, ref, opts);
  }

  /**
   * Starts the per-record run for `record` now. When a run for the same record (and arguments) is
   * already in flight, returns that run's handle instead (`alreadyRunning: true`); with
   * `triggerOnce`, when one already completed, returns its handle with `alreadyCompleted: true`.
   */
  runTrigger(record: Record<string, unknown>, ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<StartedRun> {
    return runTrigger(this.client, this.app, record, ref, opts);
  }

  /** `runTrigger` for each record. */
  runTriggers(records: Record<string, unknown>[], ref: TriggerRef, opts: RunTriggerOptions = {}): Promise<StartedRun[]> {
    return runTriggers(this.client, this.app, records, ref, opts);
  }

  /**
   * Runs a trigger's scheduler (also for `schedulerCron: false`) or a scheduled action, now. As in
   * AshOban these are unique while running: a call while one runs returns the running one's handle.
   */
  schedule(target: ScheduleTarget, opts: ScheduleOptions = {}): Promise<WorkflowHandle> {
    return schedule(this.client, this.app, target, opts);
  }

  /**
   * Runs the schedulers of the targets now; with `drain: true`, waits for every run they started
   * and returns the outcome counts: see {@link DrainResult}.
   */
  scheduleAndRunTriggers(target: Triggerable, opts: ScheduleAndRunOptions = {}): Promise<DrainResult> {
    return scheduleAndRunTriggers(this.client, this.app, target, opts);
  }

  /** Waits for the given per-record runs (until `deadline`, ms since the epoch) and adds their outcomes to `into`. */
  drainMany(workflowIds: string[], deadline: number, into: DrainResult = emptyDrainResult()): Promise<DrainResult> {
    return drainRuns(this.client, workflowIds, deadline, into);
  }
}

/** A `TriggerClient` for an app: `createTriggerClient({ client, app }).runTrigger(ticket, 'Ticket.process')`. */
export function createTriggerClient(deps: { client: Client; app: App }): TriggerClient {
  return new TriggerClient(deps.client, deps.app);
}
