/**
 * AshOban/Oban priorities (0 = highest .. 9) as Temporal task priorities. Temporal's `priorityKey`
 * runs 1 (highest) .. 5 by default (its server setting `matching.priorityLevels`), default 3: so
 * Oban 0..3 map to keys 1..4 and 4..9 to 5, which keeps the defaults in order (per-record runs 2
 * -> key 3, Temporal's own default; schedulers 3 -> key 4).
 */
import type { Priority } from '@temporalio/common';

export function temporalPriority(obanPriority: number): Priority {
  return { priorityKey: Math.min(5, Math.max(1, Math.round(obanPriority) + 1)) };
}
