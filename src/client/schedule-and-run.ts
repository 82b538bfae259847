/**
 * `scheduleAndRunTriggers`: the schedulers (and, when asked, scheduled actions) of whole apps,
 * resources or definitions, now. With `drain: true` it waits for every run they started: the
 * helper tests are written with (the waiting lives with the test helpers, `src/testing/drain.ts`).
 */
import type { Client } from '@temporalio/client';
import type { App } from '../definitions/define';
import { effective } from '../runtime/effective';
import { parseOptions, scheduleAndRunOptionsSchema } from '../runtime/options-schema';
import { tenantRef, type Tenant } from '../runtime/tenants';
import { drainDefinition, emptyDrainResult, type DrainResult } from './drain';
import type { ActingOptions } from './acting-scope';
import { schedule, type ScheduleOptions } from './schedule';
import { resolveTargets, type Triggerable } from './targets';

export interface ScheduleAndRunOptions extends ActingOptions {
  /** Wait for every run started and count outcomes. Default false. */
  drain?: boolean;
  /** Also run the scheduled actions of the targets. Default false (true for an explicitly named one). */
  scheduledActions?: boolean;
  /** Include triggers. Default true. */
  triggers?: boolean;
  /** Only the triggers and scheduled actions on this task queue. */
  queue?: string;
  actionArguments?: Record<string, unknown>;
  /** One tenant; default: every tenant of each target (`listTenants`). */
  tenant?: Tenant | null;
  /** Give up draining after this many ms. Default 120 000. */
  drainTimeoutMs?: number;
}

/**
 * Runs the schedulers of the targets now (every trigger, including `schedulerCron: false`;
 * scheduled actions when asked or named). With `drain: true`, waits for every run they started,
 * for runs of those triggers already in flight (which a scheduler skips, as Oban's drain runs the
 * whole queue), and returns the outcome counts: see {@link DrainResult}.
 */
export async function scheduleAndRunTriggers(client: Client, app: App, target: Triggerable, opts: ScheduleAndRunOptions = {}): Promise<DrainResult> {
  parseOptions(scheduleAndRunOptionsSchema, opts, 'scheduleAndRunTriggers options');
  const result = emptyDrainResult();
  const deadline = Date.now() + (opts.drainTimeoutMs ?? 120_000);
  const scheduleOpts: ScheduleOptions = {
    actionArguments: opts.actionArguments,
    ...(opts.actor !== undefined ? { actor: opts.actor } : {}),
    ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
    ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
    ...(opts.authorize !== undefined ? { authorize: opts.authorize } : {}),
    ...(opts.tags !== undefined ? { tags: opts.tags } : {}),
  };
  const onQueue = (d: ReturnType<typeof resolveTargets>[number]): boolean =>
    opts.queue === undefined || (d.kind === 'trigger' ? d.queue === opts.queue || d.schedulerQueue === opts.queue : d.queue === opts.queue);
  for (const def of resolveTargets(app, target, opts).filter(onQueue)) {
    if (!opts.drain) {
      await schedule(client, app, def, scheduleOpts);
      continue;
    }
    const tenantKey = def.kind === 'trigger' && opts.tenant !== undefined && opts.tenant !== null ? tenantRef(opts.tenant, effective(app, def).tenantKey, def.id)!.key : null;
    await drainDefinition(client, app, def, { ...scheduleOpts, tenantKey }, deadline, result);
  }
  return result;
}
