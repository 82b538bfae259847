/** The id, input and search attributes of a per-record run (pure: used by workflows and clients). */
import { recordWorkflowId } from './primary-key';
import { TriggerKind, TriggerName, TriggerOutcome, TriggerOwner, TriggerRecordId, TriggerResource, TriggerTenant } from './search-attributes';
import type { FoundRecord, RecordPlan, RecordRunInput } from './types';

/** Search attributes of a per-record run (also used by clients that start runs directly). */
export function recordSearchAttributes(plan: RecordPlan, recordId: string, tenant: string | null) {
  return [
    { key: TriggerOwner, value: plan.owner },
    { key: TriggerKind, value: 'record' },
    { key: TriggerName, value: plan.triggerId },
    { key: TriggerResource, value: plan.resource },
    { key: TriggerRecordId, value: recordId },
    { key: TriggerOutcome, value: 'running' },
    ...(tenant !== null ? [{ key: TriggerTenant, value: tenant }] : []),
  ];
}

/** The per-record run's id and input for a found record. */
export function recordRun(plan: RecordPlan, rec: FoundRecord, tenant: string | null, actionArguments: Record<string, unknown>, actor: unknown) {
  // Every argument makes the run unique (as Oban's uniqueness covers all args), on both start paths.
  const unique = Object.keys(actionArguments).length ? { ...rec.extraArgs, actionArguments } : rec.extraArgs;
  const workflowId = recordWorkflowId(plan.workflowType, tenant, rec.recordId, unique);
  const input: RecordRunInput = { plan, key: rec.key, recordId: rec.recordId, tenant, actionArguments, metadata: rec.metadata, actor };
  if (rec.extraArgs) input.extraArgs = rec.extraArgs;
  if (rec.poison) input.poison = rec.poison;
  return { workflowId, input };
}

