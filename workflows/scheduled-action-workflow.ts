/**
 * The scheduled-action workflow: runs the action (told whether this is the last attempt),
 * retrying up to `maxAttempts` with backoff; snooze and cancel work as in triggers. Started
 * without a tenant by a definition with `listTenants`, it runs once per tenant: with two or more,
 * as one child run each (AshOban inserts a copy per tenant); with one, itself with that tenant.
 */
import { ApplicationFailure, continueAsNew, log, ParentClosePolicy, proxyActivities, setHandler, sleep, startChild, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { infrastructureRetryMs, MAX_INFRASTRUCTURE_RETRIES } from './backoff';
import { runStateQuery } from './messages';
import { askTimeout, attempt, attemptActivitiesFor, SNOOZES_PER_RUN, timeoutBackoff } from './record-workflow';
import { roleMemo } from './registry';
import { scheduledTime } from './schedule-time';
import { runSearchAttributes, TriggerOutcome } from './search-attributes';
import { FAILURE_TYPE, type ScheduledActionInput, type ScheduledActionResult, type TenantRef, type TriggerActivityFns } from './types';

export async function scheduledActionWorkflow(input: ScheduledActionInput): Promise<ScheduledActionResult> {
  const info = workflowInfo();
  const scheduledAt = input.resume?.scheduledAt ?? scheduledTime();
  let state = 'running';
  setHandler(runStateQuery, () => state);
  const setState = (next: string): void => {
    state = next;
    upsertSearchAttributes([{ key: TriggerOutcome, value: next }]);
  };
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
  const backoff = timeoutBackoff(input.backoff);
  let attemptNo = input.resume?.attempt ?? 1;
  let snoozes = input.resume?.snoozes ?? 0;
  let snoozesThisRun = 0;
  let infrastructureRetries = 0;
  for (;;) {
    const { acts } = await activitiesFor(attemptNo);
    const out = await attempt(
      () =>
        acts.pttRunScheduledAction({
          actionId: input.actionId,
          ...scope,
          actionArguments: input.actionArguments ?? {},
          attempt: attemptNo,
          maxAttempts: input.maxAttempts,
          workflowId: info.workflowId,
          scheduledAt,
        }),
      attemptNo,
      attemptNo < input.maxAttempts ? backoff : undefined,
    );
    if (out.status === 'success') {
      setState('success');
      return { outcome: 'success', attempts: attemptNo, snoozes };
    }
    if (out.status === 'cancel' || out.status === 'no-longer-applies') {
      setState('cancelled');
      return { outcome: 'cancelled', attempts: attemptNo, snoozes, reason: out.reason };
    }
    if (out.status === 'snooze') {
      snoozes++;
      snoozesThisRun++;
      setState('snoozed');
      await sleep(Math.max(1, Math.round(out.seconds * 1000)));
      setState('running');
      if (snoozesThisRun >= (input.snoozesPerRun ?? SNOOZES_PER_RUN)) await continueAsNew<typeof scheduledActionWorkflow>({ ...input, resume: { attempt: attemptNo, snoozes, scheduledAt } });
      continue;
    }
    if (out.infrastructure && infrastructureRetries < MAX_INFRASTRUCTURE_RETRIES) {
      infrastructureRetries++;
      log.warn(`Scheduled action ${input.actionId}: database unavailable (${out.error.message}); attempt ${attemptNo} runs again (retry ${infrastructureRetries}/${MAX_INFRASTRUCTURE_RETRIES})`);
      setState('backoff');
      await sleep(infrastructureRetryMs(infrastructureRetries));
      setState('running');
      continue;
    }
    if (attemptNo < input.maxAttempts) {
      log.warn(`Scheduled action ${input.actionId} failed (attempt ${attemptNo}/${input.maxAttempts}): ${out.error.message}`);
      setState('backoff');
      await sleep(Math.max(1, Math.round(out.backoffSeconds * 1000)));
      setState('running');
      attemptNo++;
      continue;
    }
    setState('failure');
    const result: ScheduledActionResult = { outcome: 'failure', attempts: attemptNo, snoozes, error: out.error };
    throw ApplicationFailure.create({
      type: FAILURE_TYPE.failure,
      message: `${input.actionId} failed after ${attemptNo} attempt(s): ${out.error.message}`,
      nonRetryable: true,
      details: [result],
    });
  }
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
