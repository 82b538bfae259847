/**
 * Running a trigger's scheduler or a scheduled action now (`schedule`), outside its cron. As in
 * AshOban these are unique while running: a scheduler per trigger and tenant, a scheduled action
 * per tenant and arguments; a call while one runs returns the running one's handle.
 */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { App, Trigger } from '../definitions/define';
import { scheduledActionInput, schedulerInput } from '../definitions/wire-plan';
import { fingerprint, stableStringify, tenantIdPart } from '../../workflows/primary-key';
import { temporalPriority } from '../../workflows/priority';
import { roleMemo } from '../../workflows/registry';
import { runSearchAttributes } from '../../workflows/search-attributes';
import { SCHEDULER_TASK_TIMEOUT } from '../../workflows/types';
import { effective } from '../runtime/effective';
import { parseOptions, scheduleOptionsSchema } from '../runtime/options-schema';
import type { Tenant } from '../runtime/tenants';
import { actingScope, type ActingOptions } from './acting-scope';
import { lookupDefinition, type ScheduleTarget } from './targets';

export interface ScheduleOptions extends ActingOptions {
  actionArguments?: Record<string, unknown>;
  /** One tenant; default: every tenant the definition lists (`listTenants`), as AshOban's scheduler. */
  tenant?: Tenant | null;
  /** Scheduler tuning: runs started per workflow run before continue-as-new (default 1500). */
  childrenPerRun?: number;
}

/** Runs a trigger's scheduler (also for `schedulerCron: false`) or a scheduled action, now. */
export async function schedule(client: Client, app: App, target: ScheduleTarget, opts: ScheduleOptions = {}): Promise<WorkflowHandle> {
  parseOptions(scheduleOptionsSchema, opts, 'schedule options');
  const def = typeof target === 'string' ? lookupDefinition(app, target) : target;
  if (def.kind === 'trigger') return startScheduler(client, app, def, opts, false);
  const { scope, tenantGiven } = await actingScope(app, def, opts, `schedule ${def.id}`);
  // Without a tenant, a definition with listTenants runs once per tenant (the workflow lists them).
  const tenantPart = tenantGiven ? { ...scope } : { ...scope, tenant: undefined, listTenants: effective(app, def).listTenants !== undefined };
  const tags = [...new Set([...def.tags, ...(opts.tags ?? [])])];
  return client.workflow.start(def.workflowType, {
    // Unique while running per tenant and arguments (AshOban's ActionWorker keys), like schedulers.
    workflowId: `${def.workflowType}/manual/${tenantIdPart(tenantGiven ? scope.tenant : null)}/${fingerprint(stableStringify({ ...opts.actionArguments, ...(scope.actor !== undefined ? { '~actor': scope.actor } : {}) }))}`,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    taskQueue: def.queue,
    priority: temporalPriority(def.priority),
    memo: roleMemo('scheduled-action'),
    args: [scheduledActionInput(app, def, { ...tenantPart, actionArguments: opts.actionArguments, ...(tags.length ? { tags } : {}) })],
    typedSearchAttributes: runSearchAttributes({ owner: app.name, kind: 'scheduled-action', name: def.id, outcome: 'running', tenant: tenantGiven ? scope.tenant : null, tags }),
  });
}

/**
 * Starts a trigger's scheduler. One manual scheduler per trigger and tenant at a time (AshOban's
 * scheduler is unique while incomplete): a second call while one runs gets the running one's
 * handle. A draining caller (`forDrain`) gets a scheduler of its own: it finds that tick's runs by their parent.
 */
export async function startScheduler(client: Client, app: App, def: Trigger, opts: ScheduleOptions, forDrain: boolean): Promise<WorkflowHandle> {
  const { scope, tenantGiven } = await actingScope(app, def, opts, `schedule ${def.id}`);
  // Without a tenant the scheduler queries every tenant of the trigger, one after the other.
  const tenantPart = tenantGiven ? scope : { ...scope, tenant: undefined };
  return client.workflow.start(def.schedulerWorkflowType, {
    workflowId: `${def.schedulerWorkflowType}/manual/${tenantGiven ? tenantIdPart(scope.tenant) : '-'}${forDrain ? `/drain-${randomUUID()}` : ''}`,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    taskQueue: def.schedulerQueue,
    workflowTaskTimeout: SCHEDULER_TASK_TIMEOUT,
    priority: temporalPriority(def.schedulerPriority),
    memo: roleMemo('scheduler'),
    args: [schedulerInput(app, def, { ...tenantPart, actionArguments: opts.actionArguments, childrenPerRun: opts.childrenPerRun, ...(opts.tags?.length ? { tags: opts.tags } : {}) })],
    typedSearchAttributes: runSearchAttributes({ owner: app.name, kind: 'scheduler', name: def.id }),
  });
}
