/**
 * The library's own metrics, emitted through the SDK's metric meter (so they go wherever the
 * Temporal Runtime sends its metrics: Prometheus, an OTel collector). Workflow metrics are not
 * commands and are not emitted during replay: adding or changing them never touches a history.
 *
 * - `ptt_record_runs` (counter; tags `trigger`, `kind` = record | chunk, `outcome`): records whose
 *   run ended, by outcome (a chunk adds each of its records);
 * - `ptt_scheduler_ticks` (counter; tag `trigger`): scheduler ticks that finished;
 * - `ptt_runs_started` / `ptt_runs_skipped` (counters; tag `trigger`): runs a tick started, and
 *   records it skipped because their run was in flight.
 */
import type { MetricCounter } from '@temporalio/common';
import { metricMeter } from '@temporalio/workflow';

let counters: Record<'records' | 'ticks' | 'started' | 'skipped', MetricCounter> | undefined;
function meter(): NonNullable<typeof counters> {
  counters ??= {
    records: metricMeter.createCounter('ptt_record_runs', 'records', 'Records whose trigger run ended, by outcome'),
    ticks: metricMeter.createCounter('ptt_scheduler_ticks', 'ticks', 'Scheduler ticks that finished'),
    started: metricMeter.createCounter('ptt_runs_started', 'runs', 'Runs started by scheduler ticks'),
    skipped: metricMeter.createCounter('ptt_runs_skipped', 'records', 'Records a tick skipped because their run was in flight'),
  };
  return counters;
}

/** `n` records of `trigger` ended with `outcome`. */
export function countRecords(trigger: string, kind: 'record' | 'chunk', outcome: string, n = 1): void {
  if (n > 0) meter().records.add(n, { trigger, kind, outcome });
}

/** A scheduler tick of `trigger` finished, having started and skipped these many runs. */
export function countTick(trigger: string, started: number, skipped: number): void {
  const m = meter();
  m.ticks.add(1, { trigger });
  if (started > 0) m.started.add(started, { trigger });
  if (skipped > 0) m.skipped.add(skipped, { trigger });
}
