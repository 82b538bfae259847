/**
 * Test assertions, as AshOban.Test: whether a record would be scheduled (read with the trigger's
 * `where`, no run started), whether a run was triggered for it (found by its deterministic id),
 * and `scheduleAndRunTriggers` draining by default. Failures say what was expected and found.
 *
 * @example
 * const t = createTriggerAssertions({ client: env.client, app, prisma });
 * await t.assertWouldSchedule(ticket, 'Ticket.process');
 * await t.scheduleAndRunTriggers(app); // drains
 * await t.assertTriggered(ticket, 'Ticket.process', { status: 'completed' });
 */
import { AssertionError } from 'node:assert';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { App, Trigger } from '../definitions/define';
import type { AnyPrismaClient } from '../prisma/model-meta';
import { effective } from '../runtime/effective';
import { lookupActor } from '../runtime/actors';
import { createTriggerClient, type RunTriggerOptions, type ScheduleAndRunOptions } from '../client/trigger-client';
import type { Triggerable } from '../client/targets';
import type { DrainResult } from './drain';
import type { Tenant } from '../runtime/tenants';
import { temporalPriority } from '../../workflows/priority';
import { encodeKey } from '../../workflows/primary-key';

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
    const where = typeof t.where === 'function' ? t.where({ now: new Date(), tenant: opts.tenant ?? null, actor }) : t.where;
    const found = await prisma[t.resource.delegate].findFirst({ where: { AND: [key, where ?? {}] } });
    return { t, found: found !== null, where };
  };

  const runOf = async (record: Record<string, unknown>, ref: Trigger | string, opts: TriggeredOptions) => {
    const t = triggerOf(ref);
    const built = await triggers.buildTrigger(record, t, { ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}), ...(opts.actor !== undefined ? { actor: opts.actor } : {}), ...(opts.actionArguments ? { actionArguments: opts.actionArguments } : {}), ...(opts.args ? { args: opts.args } : {}) });
    const id = built.options.workflowId;
    try {
      const desc = await client.workflow.getHandle(id).describe();
      const status = desc.status.name.toLowerCase();
      const priorityKey = desc.raw.workflowExecutionInfo?.priority?.priorityKey ?? undefined;
      const mismatches: string[] = [];
      if (opts.status !== undefined && status !== opts.status) mismatches.push(`status ${status}, not ${opts.status}`);
      if (opts.queue !== undefined && desc.taskQueue !== opts.queue) mismatches.push(`queue ${desc.taskQueue}, not ${opts.queue}`);
      if (opts.priority !== undefined && priorityKey !== temporalPriority(opts.priority).priorityKey) mismatches.push(`priority key ${priorityKey}, not ${temporalPriority(opts.priority).priorityKey} (priority ${opts.priority})`);
      return { t, id, found: true as const, status, mismatches };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { t, id, found: false as const, status: undefined, mismatches: [] };
      throw err;
    }
  };

  const label = (t: Trigger, record: Record<string, unknown>): string => `${t.resource.model} ${t.resource.primaryKey.map((f) => String(record[f])).join(',')}`;

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
      const r = await runOf(record, ref, opts);
      if (!r.found) throw new AssertionError({ message: `expected a run of ${r.t.id} for ${label(r.t, record)} (workflow id ${r.id}), found none` });
      if (r.mismatches.length) throw new AssertionError({ message: `expected a run of ${r.t.id} for ${label(r.t, record)} (workflow id ${r.id}); found one, but with ${r.mismatches.join(', ')}` });
    },
    async refuteTriggered(record, ref, opts = {}) {
      const r = await runOf(record, ref, opts);
      if (r.found && r.mismatches.length === 0) throw new AssertionError({ message: `expected no run of ${r.t.id} for ${label(r.t, record)}${opts.status ? ` with status ${opts.status}` : ''}, but found ${r.id} (${r.status})` });
    },
    scheduleAndRunTriggers(target, opts = {}) {
      return triggers.scheduleAndRunTriggers(target, { drain: true, ...opts });
    },
  };
}
