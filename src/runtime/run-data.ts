/**
 * The data a per-record run carries besides the key: `readMetadata` and `extraArgs` of the record
 * (and runTrigger's `args`). Built once per record, checked to be plain JSON and within the run
 * data limit, so one record with poison data fails alone instead of sinking its page.
 */
import type { Trigger } from '../definitions/define';
import type { RecordDataInput } from '../definitions/types';
import { formatPath, jsonBytes, jsonProblem, RUN_DATA_LIMIT_BYTES } from './json-safe';

export type RunData = { metadata?: unknown; extraArgs?: Record<string, unknown> };

/** The record's run data, or why it cannot travel with a run (naming the option, record and limit). */
export function buildRunData(t: Trigger, record: Record<string, unknown>, recordId: string, run: RecordDataInput, runtimeArgs?: Record<string, unknown>): RunData | { problem: string } {
  const data: RunData = {};
  try {
    if (t.readMetadata) data.metadata = t.readMetadata(record, run);
  } catch (err) {
    return { problem: `${t.id}.readMetadata threw for record ${recordId}: ${err instanceof Error ? err.message : String(err)}` };
  }
  let fromTrigger: Record<string, unknown> | undefined;
  try {
    fromTrigger = typeof t.extraArgs === 'function' ? t.extraArgs(record, run) : t.extraArgs;
  } catch (err) {
    return { problem: `${t.id}.extraArgs threw for record ${recordId}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const extraArgs = { ...(runtimeArgs ?? {}), ...(fromTrigger ?? {}) };
  if (Object.keys(extraArgs).length) data.extraArgs = extraArgs;
  for (const [option, value] of [
    ['readMetadata', data.metadata],
    ['extraArgs', data.extraArgs],
  ] as const) {
    if (value === undefined) continue;
    const bad = jsonProblem(value);
    if (bad) return { problem: `${formatPath(`${t.id}.${option}`, bad.path)} for record ${recordId} ${bad.message}` };
  }
  const bytes = jsonBytes(data);
  if (bytes > RUN_DATA_LIMIT_BYTES) {
    return {
      problem: `${t.id}: the run data of record ${recordId} (readMetadata and extraArgs) is ${Math.ceil(bytes / 1024)} KiB; a run carries at most ${RUN_DATA_LIMIT_BYTES / 1024} KiB (it is stored in the run's input and history): return less, and load the rest in the action`,
    };
  }
  return data;
}
