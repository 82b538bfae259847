/**
 * Test assertions, as AshOban.Test: whether a record would be scheduled (read with the trigger's
 * `where`, no run started), whether a run was triggered for it, and `scheduleAndRunTriggers`
 * draining by default. A run is matched by its trigger and its record's key, never by an exact run
 * id: any run for the record counts, whatever its arguments or actor, unless the options name them
 * (`actor`, `actionArguments`, `args`: only the run those would start; `tenant`: only that
 * tenant's runs). Failures say what was expected, what was searched and what was found.
 *
 * @example
 * const t = createTriggerAssertions({ client: env.client, app, prisma });
 * await t.assertWouldSchedule(ticket, 'Ticket.process');
 * const tick = await t.scheduleAndRunTriggers(app); // drains; tick.runs lists each run and its outcome
 * await t.assertTriggered(ticket, 'Ticket.process', { status: 'completed' });
 */
import { AssertionError } from 'node:assert';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import type { App, Trigger } from '../definitions/define';
import { whereFor } from '../definitions/where';
import type { AnyPrismaClient } from '../prisma/model-meta';
import { effective } from '../runtime/effective';
import { lookupActor } from '../runtime/actors';
import { createTriggerClient, type RunTriggerOptions, type ScheduleAndRunOptions } from '../client/trigger-client';
import type { Triggerable } from '../client/targets';
import type { DrainResult } from '../client/drain';
import type { Tenant } from '../runtime/tenants';
import { temporalPriority } from '../../workflows/priority';
import { encodeKey, recordIdOf } from '../../workflows/primary-key';
import { and, quote } from '../client/visibility';
import { ConfigError } from '../errors';
import { tenantRef } from '../runtime/tenants';

export interface WouldScheduleOptions {
  actor?: unknown;
  tenant?: Tenant | null;
}

export interface TriggeredOptions extends Pick<RunTriggerOptions, 'tenant' | 'actor' | 'actionArguments' | 'args'> {
  /** The run's status: `running`, `completed`, `failed`, `canceled`, `terminated`, `timed_out`, `continued_as_new`. */
  status?: string;
  /** The task queue it runs on. */
  queue?: string;
  /** Its Oban-style priority (0 highest). */
  priority?: number;
  /**
   * `assertTriggered` only: how long to wait for a run started just before to show in Temporal's
   * visibility (which is written asynchronously), in ms. Default 2,000. Runs a drain waited for, and
   * runs started with the record's default arguments, are found at once.
   */
  within?: number;
}

export interface TriggerAssertions {
  /** Passes when `record` matches the trigger's `where` now (as the scheduler would read it); starts nothing. */
  assertWouldSchedule(record: Record<string, unknown>, trigger: Trigger | string, opts?: WouldScheduleOptions): Promise<void>;
  refuteWouldSchedule(record: Record<string, unknown>, trigger: Trigger | string, opts?: WouldScheduleOptions): Promise<void>;
  /** Passes when a run of the trigger exists for `record` (with the given arguments), and matches the filters. */
  assertTriggered(record: Record<string, unknown>, trigger: Trigger | string, opts?: TriggeredOptions): Promise<void>;
  refuteTriggered(record: Record<string, unknown>, trigger: Trigger | string, opts?: TriggeredOptions): Promise<void>;
  /** `scheduleAndRunTriggers`, draining unless `drain: false`. */
  scheduleAndRunTriggers(target: Triggerable, opts?: ScheduleAndRunOptions): Promise<DrainResult>;
}

export function createTriggerAssertions(deps: { client: Client; app: App; prisma: unknown }): TriggerAssertions {
  const { client, app } = deps;
  const prisma = deps.prisma as AnyPrismaClient;
  const triggers = createTriggerClient({ client, app });
  const triggerOf = (ref: Trigger | string): Trigger => (typeof ref === 'string' ? app.trigger(ref) : ref);

  const wouldSchedule = async (record: Record<string, unknown>, ref: Trigger | string, opts: WouldScheduleOptions = {}): Promise<{ t: Trigger; found: boolean; where: unknown }> => {
    const t = triggerOf(ref);
    const key = Object.fromEntries(t.resource.primaryKey.map((f) => [f, record[f]]));
    encodeKey(record, t.resource.primaryKey); // a record without its key is an error here, not a false negative
    const e = effective(app, t);
    const actor = opts.actor !== undefined ? opts.actor : await lookupActor(undefined, e.actorPersister, e.defaultActor);
    const where = whereFor(t, { now: new Date(), tenant: opts.tenant ?? null, actor, purpose: 'scan', allTenants: opts.tenant === undefined && t.useTenantFromRecord === true });
    const found = await prisma[t.resource.delegate].findFirst({ where: { AND: [key, where ?? {}] } });
    return { t, found: found !== null, where };
  };

  /** Every run of the trigger for the record that the options allow, each with what does not match the filters. */
  const runsFor = async (record: Record<string, unknown>, ref: Trigger | string, opts: TriggeredOptions) => {
    const t = triggerOf(ref);
    if (t.chunks) throw new ConfigError(`${t.id} runs records in chunks, so no run belongs to one record: check the \`runs\` that scheduleAndRunTriggers returns (each chunk run with its records' outcomes)`);
    const recordId = recordIdOf(encodeKey(record, t.resource.primaryKey), t.resource.primaryKey);
    const pinned = opts.actor !== undefined || opts.actionArguments !== undefined || opts.args !== undefined;
    const scope = { ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}), ...(opts.actor !== undefined ? { actor: opts.actor } : {}), ...(opts.actionArguments ? { actionArguments: opts.actionArguments } : {}), ...(opts.args ? { args: opts.args } : {}) };
    // the run those options would start: read directly (visibility may lag behind a start)
    const exact = (await triggers.buildTrigger(record, t, scope)).options.workflowId;
    const ids = new Set([exact]);
    const tenant = opts.tenant === undefined ? undefined : tenantRef(opts.tenant, effective(app, t).tenantKey, 'tenant');
    const query = and(
      `TriggerOwner = ${quote(app.name)}`,
      `TriggerName = ${quote(t.id)}`,
      `TriggerKind = 'record'`,
      `TriggerRecordId = ${quote(recordId)}`,
      tenant !== undefined && (tenant === null ? 'TriggerTenant IS NULL' : `TriggerTenant = ${quote(tenant.key)}`),
    );
    // without actor or arguments, any run for the record counts: found through visibility
    if (!pinned) for await (const wf of client.workflow.list({ query })) ids.add(wf.workflowId);
    const found: { id: string; status: string; mismatches: string[] }[] = [];
    for (const id of ids) {
      let desc: WorkflowExecutionDescription;
      try {
        desc = await client.workflow.getHandle(id).describe();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) continue;
        throw err;
      }
      const status = desc.status.name.toLowerCase();
      const priorityKey = desc.raw.workflowExecutionInfo?.priority?.priorityKey ?? undefined;
      const mismatches: string[] = [];
      if (opts.status !== undefined && status !== opts.status) mismatches.push(`status ${status}, not ${opts.status}`);
      if (opts.queue !== undefined && desc.taskQueue !== opts.queue) mismatches.push(`queue ${desc.taskQueue}, not ${opts.queue}`);
      if (opts.priority !== undefined && priorityKey !== temporalPriority(opts.priority).priorityKey) mismatches.push(`priority key ${priorityKey}, not ${temporalPriority(opts.priority).priorityKey} (priority ${opts.priority})`);
      found.push({ id, status, mismatches });
    }
    const searched = pinned ? `the run those options start (workflow id ${exact})` : `runs of ${t.id} for record ${recordId}${tenant === undefined ? '' : tenant === null ? ' without a tenant' : ` of tenant ${tenant.key}`}`;
    return { t, found, matching: found.filter((f) => f.mismatches.length === 0), searched };
  };

  const label = (t: Trigger, record: Record<string, unknown>): string => `${t.resource.model} ${t.resource.primaryKey.map((f) => String(record[f])).join(',')}`;
  const listFound = (found: { id: string; status: string; mismatches: string[] }[]): string => found.map((f) => `${f.id} (${f.status}${f.mismatches.length ? `; ${f.mismatches.join(', ')}` : ''})`).join(', ');

  return {
    async assertWouldSchedule(record, ref, opts) {
      const r = await wouldSchedule(record, ref, opts);
      if (!r.found) throw new AssertionError({ message: `expected ${label(r.t, record)} to be scheduled by ${r.t.id}, but it does not match its where ${JSON.stringify(r.where ?? {})} (read now${opts?.tenant ? `, tenant ${JSON.stringify(opts.tenant)}` : ''})` });
    },
    async refuteWouldSchedule(record, ref, opts) {
      const r = await wouldSchedule(record, ref, opts);
      if (r.found) throw new AssertionError({ message: `expected ${label(r.t, record)} not to be scheduled by ${r.t.id}, but it matches its where ${JSON.stringify(r.where ?? {})}` });
    },
    async assertTriggered(record, ref, opts = {}) {
      const until = Date.now() + (opts.within ?? 2000);
      let r = await runsFor(record, ref, opts);
      while (r.matching.length === 0 && Date.now() < until) {
        await new Promise((done) => setTimeout(done, 100));
        r = await runsFor(record, ref, opts);
      }
      if (r.matching.length) return;
      if (!r.found.length) throw new AssertionError({ message: `expected a run of ${r.t.id} for ${label(r.t, record)}, found none (searched ${r.searched})` });
      throw new AssertionError({ message: `expected a run of ${r.t.id} for ${label(r.t, record)}; found ${r.found.length}, but none matches: ${listFound(r.found)}` });
    },
    async refuteTriggered(record, ref, opts = {}) {
      const r = await runsFor(record, ref, opts);
      if (r.matching.length) throw new AssertionError({ message: `expected no run of ${r.t.id} for ${label(r.t, record)}${opts.status ? ` with status ${opts.status}` : ''}, but found ${listFound(r.matching)}` });
    },
    scheduleAndRunTriggers(target, opts = {}) {
      return triggers.scheduleAndRunTriggers(target, { drain: true, ...opts });
    },
  };
}
