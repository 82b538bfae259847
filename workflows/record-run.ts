/** The id, input and search attributes of a per-record run (pure: used by workflows and clients). */
import { packKeys } from './packed-keys';
import { fingerprint, recordWorkflowId, stableStringify, tenantIdPart } from './primary-key';
import { runSearchAttributes } from './search-attributes';
import { RUN_COMMANDS, type FoundRecord, type RecordPlan, type RecordRunInput, type RunScope } from './types';

/** Search attributes of a per-record run (also used by clients that start runs directly). */
export function recordSearchAttributes(plan: RecordPlan, recordId: string, tenant: string | null, tags: string[] = []) {
  return runSearchAttributes({ owner: plan.owner, kind: 'record', name: plan.triggerId, resource: plan.resource, recordId, outcome: 'running', tenant, tags: [...(plan.tags ?? []), ...tags] });
}

/**
 * The per-record run's id and input for a found record. Every argument makes the run unique (as
 * Oban's uniqueness covers all args), on both start paths: extra args, action arguments and the
 * persisted actor.
 */
export function recordRun(plan: RecordPlan, rec: FoundRecord, scope: RunScope, actionArguments: Record<string, unknown>) {
  const unique: Record<string, unknown> = { ...rec.extraArgs };
  if (Object.keys(actionArguments).length) unique.actionArguments = actionArguments;
  if (scope.actor !== undefined) unique.actor = scope.actor;
  const workflowId = recordWorkflowId(plan.workflowType, scope.tenant, rec.recordId, Object.keys(unique).length ? unique : undefined);
  const input: RecordRunInput = { plan, commands: RUN_COMMANDS, key: rec.key, recordId: rec.recordId, ...scope, actionArguments, metadata: rec.metadata };
  if (rec.extraArgs) input.extraArgs = rec.extraArgs;
  if (rec.poison) input.poison = rec.poison;
  return { workflowId, input };
}

/** Search attributes of a chunk run: kind `chunk`, its first and last record ids. */
export function chunkSearchAttributes(plan: RecordPlan, recordIds: string[], tenant: string | null, tags: string[] = []) {
  const ids = recordIds.length > 1 ? `${recordIds[0]}..${recordIds[recordIds.length - 1]}` : (recordIds[0] ?? '');
  return runSearchAttributes({ owner: plan.owner, kind: 'chunk', name: plan.triggerId, resource: plan.resource, recordId: ids, outcome: 'running', tenant, tags: [...(plan.tags ?? []), ...tags] });
}

/**
 * A chunk run for found records (same tenant and actor): id `<workflowType>/<tenant>/chunk-<fingerprint>`
 * of its record ids and arguments, so the same chunk is never started twice while it runs.
 */
export function chunkRun(plan: RecordPlan, recs: FoundRecord[], scope: RunScope, actionArguments: Record<string, unknown>) {
  const recordIds = recs.map((r) => r.recordId);
  const print = fingerprint(stableStringify({ recordIds, actionArguments, actor: scope.actor ?? null }));
  const workflowId = `${plan.workflowType}/${tenantIdPart(scope.tenant)}/chunk-${print}`;
  const first = recs[0]!;
  const keys = recs.map((r) => r.key);
  const packed = packKeys(keys);
  const input: RecordRunInput = { plan, commands: RUN_COMMANDS, key: first.key, recordId: first.recordId, ...scope, actionArguments, chunk: packed ? { packed } : { keys, recordIds } };
  return { workflowId, input, recordIds };
}
