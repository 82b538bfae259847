/**
 * The scheduled-action workflow: runs the action (told whether this is the last attempt),
 * retrying up to `maxAttempts` with backoff; snooze and cancel work as in triggers. Started
 * without a tenant by a definition with `listTenants`, it runs once per tenant: with two or more,
 * as one child run each (AshOban inserts a copy per tenant); with one, itself with that tenant.
 */
import { ApplicationFailure, continueAsNew, ParentClosePolicy, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import { askTimeout, attemptActivitiesFor, timeoutBackoff } from './attempt-activities';
import { runAttempts, SNOOZES_PER_RUN } from './attempt-engine';
import { roleMemo } from './registry';
import { scheduledTime } from './schedule-time';
import { runSearchAttributes } from './search-attributes';
import { runState } from './trigger-unit';
import { FAILURE_TYPE, type ScheduledActionInput, type ScheduledActionResult, type TenantRef, type TriggerActivityFns } from './types';

export async function scheduledActionWorkflow(input: ScheduledActionInput): Promise<ScheduledActionResult> {
  const info = workflowInfo();
  const scheduledAt = input.resume?.scheduledAt ?? scheduledTime();
  const setState = runState();
  if (input.tenant === undefined && input.listTenants) {
    const tenants = await proxyActivities<TriggerActivityFns>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } }).pttListTenants({});
    if (tenants.length >= 2) return fanOut(input, tenants, setState);
    const only = tenants[0];
    input = { ...input, tenant: only?.key ?? null, ...(only?.value !== undefined ? { tenantValue: only.value } : {}) };
  }
  const scope = {
    tenant: input.tenant ?? null,
    ...(input.tenantValue !== undefined ? { tenantValue: input.tenantValue } : {}),
    ...(input.actor !== undefined ? { actor: input.actor } : {}),
    ...(input.authorize !== undefined ? { authorize: input.authorize } : {}),
    ...(input.context !== undefined ? { context: input.context } : {}),
  };
  const activitiesFor = attemptActivitiesFor(input.timeoutMs, input.priority, askTimeout({ ...scope, actionArguments: input.actionArguments ?? {} }));
  // No commit marker (the action is not one transaction) and normal activities: a lost attempt
  // is an error attempt, as Oban counts a job its crashed node was running.
  const done = await runAttempts({
    label: `Scheduled action ${input.actionId}`,
    items: [input.actionId],
    maxAttempts: input.maxAttempts,
    async begin(attemptNo) {
      const { acts } = await activitiesFor(attemptNo);
      return {
        run: () => acts.pttRunScheduledAction({ actionId: input.actionId, ...scope, actionArguments: input.actionArguments ?? {}, attempt: attemptNo, maxAttempts: input.maxAttempts, workflowId: info.workflowId, scheduledAt }),
      };
    },
    hasOnError: false,
    onErrorFailsJob: false,
    backoff: timeoutBackoff(input.backoff),
    setState,
    ...(input.resume ? { resume: input.resume } : {}),
    snoozesPerRun: input.snoozesPerRun ?? SNOOZES_PER_RUN,
    continueAsNew: (state) => continueAsNew<typeof scheduledActionWorkflow>({ ...input, resume: { ...state, scheduledAt } }),
    logErrors: true,
    logFinalError: false,
    debug: false,
  });
  const outcome = done.settled.get(input.actionId);
  if (outcome === 'success') {
    setState('success');
    return { outcome: 'success', attempts: done.attempts, snoozes: done.snoozes };
  }
  if (outcome === 'cancelled') {
    setState('cancelled');
    return { outcome: 'cancelled', attempts: done.attempts, snoozes: done.snoozes, ...(done.reason !== undefined ? { reason: done.reason } : {}) };
  }
  setState('failure');
  const error = done.errors.get(input.actionId)!;
  const result: ScheduledActionResult = { outcome: 'failure', attempts: done.attempts, snoozes: done.snoozes, error };
  throw ApplicationFailure.create({
    type: FAILURE_TYPE.failure,
    message: `${input.actionId} failed after ${done.attempts} attempt(s): ${error.message}`,
    nonRetryable: true,
    details: [result],
  });
}

/** One child run per tenant (each with its tenant set, so it runs the action itself); this run then succeeds. */
async function fanOut(input: ScheduledActionInput, tenants: (TenantRef | null)[], setState: (s: string) => void): Promise<ScheduledActionResult> {
  const info = workflowInfo();
  const children: string[] = [];
  for (const t of tenants) {
    const workflowId = `${info.workflowId}/tenant/${t === null ? '-' : encodeURIComponent(t.key)}`;
    await startChild(info.workflowType, {
      workflowId,
      args: [{ ...input, tenant: t?.key ?? null, ...(t?.value !== undefined ? { tenantValue: t.value } : {}) }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      memo: roleMemo('scheduled-action'),
      typedSearchAttributes: runSearchAttributes({ owner: input.owner, kind: 'scheduled-action', name: input.actionId, outcome: 'running', tenant: t?.key ?? null, tags: input.tags }),
    });
    children.push(workflowId);
  }
  setState('success');
  return { outcome: 'success', attempts: 0, snoozes: 0, tenants: children };
}
