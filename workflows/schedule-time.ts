/**
 * The time a Schedule meant a run for: Temporal's `TemporalScheduledStartTime` on runs a Schedule
 * started (a cron tick, a backfill, "run now"). A backfilled scheduled action then sees the past
 * time it stands for as `scheduledAt` instead of the moment it started. (A trigger's scheduler keeps
 * its own clock: a tick that waited for a worker looks for what matches when it runs.) Reading it
 * issues no command.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';

const TemporalScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/** Epoch ms of the scheduled time, or the run's start time when no Schedule started it. */
export function scheduledTime(): number {
  const info = workflowInfo();
  const scheduled = info.typedSearchAttributes.get(TemporalScheduledStartTime);
  return scheduled instanceof Date && !Number.isNaN(scheduled.getTime()) ? scheduled.getTime() : info.startTime.getTime();
}
