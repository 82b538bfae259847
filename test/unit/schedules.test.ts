import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { defineApp, defineResource } from '../../src/definitions/define';
import type { App, ResourceDefinition } from '../../src/definitions/define';
import { desiredSchedules, describeOverride, reconcile } from '../../src/worker/sync-schedules';
import { TriggerConfigHash } from '../../workflows/search-attributes';
import { appTaskQueues, nameWarnings } from '../../src/worker/create-worker';

const action = async (): Promise<void> => undefined;

type Desired = ReturnType<typeof desiredSchedules>[number];

function appOf(...resources: ResourceDefinition[]): App {
  return defineApp({ name: 'acme', resources: resources.map((r) => defineResource(r)) });
}

/** Search attributes as `{ name: value }`. */
function attributes(list: readonly { key: { name: string }; value: unknown }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key.name, a.value]));
}

function byId(desired: Desired[]): Map<string, Desired> {
  return new Map(desired.map((d) => [d.scheduleId, d]));
}

function hashOf(resource: ResourceDefinition): string {
  const [d] = desiredSchedules(appOf(resource));
  assert.ok(d);
  return d.hash;
}

describe('desiredSchedules', () => {
  const full = (): App =>
    appOf(
      {
        model: 'Ticket',
        triggers: {
          process: { action, schedulerCron: '*/5 * * * *', schedulerTimezone: 'Europe/Paris', schedulerQueue: 'schedulers', maxSchedulerAttempts: 3 },
          manual: { action, schedulerCron: false },
          paused: { action, state: 'paused' },
          gone: { action, state: 'deleted' },
        },
        scheduledActions: {
          digest: { cron: '@daily', timezone: 'UTC', action, maxAttempts: 2, timeout: 60_000 },
          goneAction: { cron: '@daily', action, state: 'deleted' },
          pausedAction: { cron: '@hourly', action, state: 'paused' },
        },
      },
      { model: 'User', triggers: { welcome: { action } } },
    );

  test('one schedule per trigger with a cron and per scheduled action; none for schedulerCron: false or deleted', () => {
    const ids = desiredSchedules(full()).map((d) => d.scheduleId);
    assert.deepEqual(ids, [
      'ptt:Ticket.process.scheduler',
      'ptt:Ticket.paused.scheduler',
      'ptt:User.welcome.scheduler',
      'ptt:Ticket.digest',
      'ptt:Ticket.pausedAction',
    ]);
  });

  test('an app without crons wants no schedules', () => {
    assert.deepEqual(desiredSchedules(appOf({ model: 'Ticket', triggers: { manual: { action, schedulerCron: false } } })), []);
    assert.deepEqual(desiredSchedules(defineApp({ name: 'empty', resources: [] })), []);
  });

  test('a trigger schedule starts its scheduler workflow on the scheduler queue', () => {
    const d = byId(desiredSchedules(full())).get('ptt:Ticket.process.scheduler');
    assert.ok(d);
    assert.equal(d.options.scheduleId, d.scheduleId);
    assert.deepEqual(d.options.spec, { cronExpressions: ['*/5 * * * *'], timezone: 'Europe/Paris' });
    const act = d.options.action;
    assert.equal(act.type, 'startWorkflow');
    assert.equal(act.workflowType, 'Ticket.process.scheduler');
    assert.equal(act.taskQueue, 'schedulers');
    assert.deepEqual(act.args, [{ owner: 'acme', commands: 2, triggerId: 'Ticket.process', maxAttempts: 3, priority: 3 }]);
    assert.deepEqual(attributes(act.typedSearchAttributes as never), { TriggerOwner: 'acme', TriggerKind: 'scheduler', TriggerName: 'Ticket.process' });
    assert.equal(d.options.policies?.overlap, ScheduleOverlapPolicy.SKIP);
    assert.equal(d.options.policies?.catchupWindow, '1 minute');
    assert.equal(d.paused, false);
    assert.deepEqual(d.options.state, { paused: false, note: undefined });
    assert.deepEqual(attributes(d.options.typedSearchAttributes as never), {
      TriggerOwner: 'acme',
      TriggerKind: 'scheduler',
      TriggerName: 'Ticket.process',
      TriggerConfigHash: `${d.hash}:active`,
    });
    assert.match(d.hash, /^[0-9a-f]{16}$/);
  });

  test('a trigger with default settings: default cron, no time zone, scheduler queue = queue', () => {
    const d = byId(desiredSchedules(full())).get('ptt:User.welcome.scheduler');
    assert.ok(d);
    assert.deepEqual(d.options.spec, { cronExpressions: ['* * * * *'] });
    assert.equal(d.options.action.taskQueue, 'user_welcome');
    assert.deepEqual(d.options.action.args, [{ owner: 'acme', commands: 2, triggerId: 'User.welcome', maxAttempts: 1, priority: 3 }]);
  });

  test('a scheduled action schedule starts the action workflow and catches up for a day', () => {
    const d = byId(desiredSchedules(full())).get('ptt:Ticket.digest');
    assert.ok(d);
    assert.deepEqual(d.options.spec, { cronExpressions: ['@daily'], timezone: 'UTC' });
    assert.equal(d.options.action.workflowType, 'Ticket.digest');
    assert.equal(d.options.action.taskQueue, 'ticket_digest');
    assert.deepEqual(d.options.action.args, [{ owner: 'acme', actionId: 'Ticket.digest', maxAttempts: 2, timeoutMs: 60_000, priority: 3, backoff: 'exponential' }]);
    assert.equal(attributes(d.options.action.typedSearchAttributes as never).TriggerKind, 'scheduled-action');
    assert.equal(attributes(d.options.typedSearchAttributes as never).TriggerKind, 'scheduled-action');
    assert.equal(d.options.policies?.overlap, ScheduleOverlapPolicy.SKIP);
    assert.equal(d.options.policies?.catchupWindow, '1 day');
  });

  test("state: 'paused' creates the schedule paused, with a note naming the definition", () => {
    const desired = byId(desiredSchedules(full()));
    const trigger = desired.get('ptt:Ticket.paused.scheduler');
    assert.ok(trigger);
    assert.equal(trigger.paused, true);
    assert.deepEqual(trigger.options.state, { paused: true, note: "state: 'paused' in the definition of Ticket.paused" });
    const act = desired.get('ptt:Ticket.pausedAction');
    assert.ok(act);
    assert.equal(act.paused, true);
    assert.equal(act.options.state?.paused, true);
  });

  test('explicit stable names give the schedule id', () => {
    const [d] = desiredSchedules(appOf({ model: 'Ticket', triggers: { process: { action, workflowType: 'tickets.v1', schedulerWorkflowType: 'tickets.v1.scheduler' } } }));
    assert.ok(d);
    assert.equal(d.scheduleId, 'ptt:tickets.v1.scheduler');
    assert.equal(d.options.action.workflowType, 'tickets.v1.scheduler');
  });

  test('the hash is stable across calls and across identical definitions (functions do not count)', () => {
    const a = desiredSchedules(full()).map((d) => d.hash);
    const b = desiredSchedules(full()).map((d) => d.hash);
    assert.deepEqual(a, b);
    assert.equal(new Set(a).size, a.length, 'every schedule has its own hash');
    const base = { model: 'Ticket', triggers: { process: { action, schedulerCron: '0 * * * *' } } };
    assert.equal(hashOf(base), hashOf({ model: 'Ticket', triggers: { process: { action: async () => 'other', schedulerCron: '0 * * * *' } } }));
    assert.equal(hashOf(base), hashOf({ model: 'Ticket', triggers: { process: { action, schedulerCron: '0 * * * *', maxAttempts: 5, where: { a: 1 } } } }), 'per-record options are not part of the schedule');
  });

  test('the hash changes when what the schedule does changes', () => {
    const with_ = (extra: Record<string, unknown>): string => hashOf({ model: 'Ticket', triggers: { process: { action, schedulerCron: '0 * * * *', ...extra } } });
    const base = with_({});
    const variants = {
      cron: with_({ schedulerCron: '30 * * * *' }),
      timezone: with_({ schedulerTimezone: 'Europe/Paris' }),
      queue: with_({ schedulerQueue: 'elsewhere' }),
      workflowType: with_({ schedulerWorkflowType: 'Ticket.process.scheduler.v2' }),
      attempts: with_({ maxSchedulerAttempts: 2 }),
    };
    for (const [what, hash] of Object.entries(variants)) assert.notEqual(hash, base, what);
    assert.equal(with_({ state: 'paused' }), base, "the definition's state is kept beside the hash, not in it");
    const actionHash = (cron: string): string => hashOf({ model: 'Report', scheduledActions: { digest: { cron, action } } });
    assert.notEqual(actionHash('@daily'), actionHash('@hourly'));
    assert.equal(actionHash('@daily'), actionHash('@daily'));
    const named = (name: string): string => desiredSchedules(defineApp({ name, resources: [defineResource({ model: 'Report', scheduledActions: { digest: { cron: '@daily', action } } })] }))[0]!.hash;
    assert.notEqual(named('one'), named('two'), 'the owner is part of the arguments');
  });
});

describe('appTaskQueues', () => {
  test('every queue of triggers, schedulers and scheduled actions, once, sorted', () => {
    const app = appOf(
      {
        model: 'Ticket',
        triggers: {
          process: { action },
          close: { action, queue: 'shared' },
          split: { action, queue: 'records', schedulerQueue: 'schedulers', schedulerCron: false },
        },
        scheduledActions: { digest: { cron: '@daily', action }, cleanup: { cron: '@daily', action, queue: 'shared' } },
      },
      { model: 'User', triggers: { welcome: { action } } },
    );
    assert.deepEqual(appTaskQueues(app), ['records', 'schedulers', 'shared', 'ticket_digest', 'ticket_process', 'user_welcome']);
  });

  test('an empty app uses no queues', () => {
    assert.deepEqual(appTaskQueues(defineApp({ name: 'empty', resources: [] })), []);
  });
});

describe('nameWarnings', () => {
  test('warns about every trigger and scheduled action relying on default stable names', () => {
    const app = appOf({
      model: 'Ticket',
      triggers: {
        process: { action },
        half: { action, workflowType: 'Ticket.half' },
        otherHalf: { action, schedulerWorkflowType: 'Ticket.otherHalf.scheduler' },
        named: { action, workflowType: 'Ticket.named', schedulerWorkflowType: 'Ticket.named.scheduler' },
      },
      scheduledActions: { digest: { cron: '@daily', action }, namedDigest: { cron: '@daily', action, workflowType: 'Ticket.namedDigest' } },
    });
    const warnings = nameWarnings(app);
    assert.equal(warnings.length, 4);
    const [process, half, otherHalf, digest] = warnings as [string, string, string, string];
    assert.match(process, /^Ticket\.process: no explicit workflowType \(default "Ticket\.process"\) and schedulerWorkflowType \(default "Ticket\.process\.scheduler"\)/);
    assert.match(process, /orphan its runs/);
    assert.match(process, /set-default-names/);
    assert.match(half, /^Ticket\.half: no explicit schedulerWorkflowType \(default "Ticket\.half\.scheduler"\);/);
    assert.doesNotMatch(half, /no explicit workflowType/);
    assert.match(otherHalf, /^Ticket\.otherHalf: no explicit workflowType \(default "Ticket\.otherHalf"\);/);
    assert.doesNotMatch(otherHalf, /schedulerWorkflowType/);
    assert.match(digest, /^Ticket\.digest: no explicit workflowType \(default "Ticket\.digest"\)/);
    assert.ok(!warnings.some((w) => w.startsWith('Ticket.named')), 'fully named definitions are not warned about');
  });

  test('no warnings when every stable name is explicit', () => {
    const app = appOf({
      model: 'Ticket',
      triggers: { process: { action, workflowType: 'a', schedulerWorkflowType: 'b' } },
      scheduledActions: { digest: { cron: '@daily', action, workflowType: 'c' } },
    });
    assert.deepEqual(nameWarnings(app), []);
  });
});

describe('reconcile: operator state is respected across boots', () => {
  const desired = (state: 'active' | 'paused'): Desired => desiredSchedules(appOf({ model: 'Ticket', triggers: { process: { action, state } } }))[0]!;
  /** An existing Schedule: paused or not, with the value boot stored last time (undefined: an older version made it). */
  const existing = (paused: boolean, stored: string | undefined, note?: string) => ({
    state: { paused, note },
    typedSearchAttributes: { get: (key: unknown) => (key === TriggerConfigHash ? stored : undefined) } as never,
  });
  const now = new Date('2026-12-01T10:00:00Z');
  const seen = now.getTime();

  test('nothing changed: no update, no override', () => {
    const d = desired('active');
    assert.deepEqual(reconcile(d, existing(false, `${d.hash}:active`), now), { update: false, paused: false, note: undefined, configValue: `${d.hash}:active` });
  });

  test('an operator paused an active trigger (any note): it stays paused and is reported, seen since the first boot that found it', () => {
    const d = desired('active');
    const first = reconcile(d, existing(true, `${d.hash}:active`, 'incident 4711, stop billing'), now);
    assert.deepEqual([first.update, first.paused, first.note, first.configValue], [true, true, 'incident 4711, stop billing', `${d.hash}:active:${seen}`]);
    assert.deepEqual(first.override, { scheduleId: d.scheduleId, name: 'Ticket.process', definition: 'active', actual: 'paused', note: 'incident 4711, stop billing', since: now });
    assert.equal(
      describeOverride(first.override!),
      'Ticket.process: paused by an operator, seen since 2026-12-01T10:00:00.000Z (note: "incident 4711, stop billing"); the definition says active. Kept as the operator left it until the definition\'s own state changes.',
    );
    const later = reconcile(d, existing(true, first.configValue, 'incident 4711, stop billing'), new Date('2026-12-02T10:00:00Z'));
    assert.deepEqual([later.update, later.paused, later.override?.since], [false, true, now], 'the next boot changes nothing and keeps the first sighting');
  });

  test('an operator resumed a paused trigger: it stays running and is reported', () => {
    const d = desired('paused');
    const r = reconcile(d, existing(false, `${d.hash}:paused`), now);
    assert.equal(r.paused, false);
    assert.equal(r.override?.actual, 'active');
    assert.match(describeOverride(r.override!), /resumed by an operator, seen since .*; the definition says paused/);
  });

  test('the operator undoes their change: the sighting is dropped', () => {
    const d = desired('active');
    const r = reconcile(d, existing(false, `${d.hash}:active:${seen}`), now);
    assert.deepEqual([r.update, r.paused, r.configValue, r.override], [true, false, `${d.hash}:active`, undefined]);
  });

  test("the definition's own state changed: it wins over the operator's, in both directions", () => {
    const toPaused = desired('paused');
    const a = reconcile(toPaused, existing(false, `${toPaused.hash}:active`), now);
    assert.deepEqual([a.update, a.paused, a.note, a.override], [true, true, "state: 'paused' in the definition of Ticket.process", undefined]);
    const toActive = desired('active');
    const b = reconcile(toActive, existing(true, `${toActive.hash}:paused:${seen}`, 'operator note'), now);
    assert.deepEqual([b.update, b.paused, b.override], [true, false, undefined]);
  });

  test('a changed spec updates the Schedule but keeps the operator pause', () => {
    const d = desired('active');
    const r = reconcile(d, existing(true, `0123456789abcdef:active:${seen}`, 'hold'), now);
    assert.deepEqual([r.update, r.paused, r.note], [true, true, 'hold']);
    assert.equal(r.override?.actual, 'paused');
  });

  test('a Schedule from an older version (no stored state) keeps its paused state', () => {
    const d = desired('active');
    const r = reconcile(d, existing(true, d.hash, 'paused at runtime'), now);
    assert.deepEqual([r.update, r.paused], [true, true]);
  });
});
