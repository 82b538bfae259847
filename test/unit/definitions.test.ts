import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkCron, defineApp, defineResource, nextRun } from '../../src/definitions/define';
import type { ResourceDefinition } from '../../src/definitions/define';
import { didYouMean, levenshtein } from '../../src/definitions/did-you-mean';
import { defaultQueue, defaultSchedulerWorkflowType, defaultWorkflowType, delegateName, scheduleIdFor, snakeCase, triggerId } from '../../src/definitions/names';
import { DefinitionError, TriggerError } from '../../src/errors';

const action = async (): Promise<void> => undefined;

/** Runs `fn`, asserts it throws a DefinitionError, and returns it for further checks. */
function definitionError(fn: () => unknown, code = 'DEFINITION_INVALID'): DefinitionError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DefinitionError, `expected a DefinitionError, got ${String(err)}`);
    assert.ok(err instanceof TriggerError);
    assert.equal(err.code, code);
    assert.equal(err.name, 'DefinitionError');
    return err;
  }
  assert.fail('expected a DefinitionError to be thrown');
}

/** Defines `Ticket` with a single trigger `process` built from `options`. */
function ticketWith(options: Record<string, unknown>) {
  return defineResource({ model: 'Ticket', triggers: { process: { action, ...options } } } as ResourceDefinition);
}

describe('defineResource: defaults', () => {
  test('a minimal trigger gets every documented default', () => {
    const r = defineResource({ model: 'Ticket', triggers: { process: { action } } });
    assert.equal(r.model, 'Ticket');
    assert.equal(r.delegate, 'ticket');
    assert.deepEqual(r.primaryKey, ['id']);
    assert.deepEqual(r.columns, {});
    assert.equal(r.table, undefined);
    assert.equal(r.schema, undefined);
    assert.deepEqual(r.scheduledActions, []);
    assert.equal(r.triggers.length, 1);
    const t = r.triggers[0]!;
    assert.equal(t.kind, 'trigger');
    assert.equal(t.id, 'Ticket.process');
    assert.equal(t.name, 'process');
    assert.equal(t.resource, r);
    assert.equal(t.action, action);
    assert.equal(t.schedulerCron, '* * * * *');
    assert.equal(t.maxAttempts, 1);
    assert.equal(t.maxSchedulerAttempts, 1);
    assert.equal(t.lockForUpdate, true);
    assert.equal(t.triggerOnce, false);
    assert.equal(t.state, 'active');
    assert.equal(t.backoff, 'exponential');
    assert.equal(t.timeout, 'infinity');
    assert.equal(t.logErrors, true);
    assert.equal(t.logFinalError, true);
    assert.equal(t.onErrorFailsJob, false);
    assert.equal(t.debug, false);
    assert.equal(t.queue, 'ticket_process');
    assert.equal(t.schedulerQueue, 'ticket_process');
    assert.equal(t.workflowType, 'Ticket.process');
    assert.equal(t.schedulerWorkflowType, 'Ticket.process.scheduler');
    assert.deepEqual(t.explicit, { workflowType: false, schedulerWorkflowType: false });
    for (const unset of ['where', 'onError', 'recordLimit', 'sort', 'streamBatchSize', 'schedulerTimezone'] as const) assert.equal(t[unset], undefined, unset);
  });

  test('queues default to snake case of resource and trigger; schedulerQueue follows an explicit queue', () => {
    const r = defineResource({ model: 'SupportTicket', triggers: { autoClose: { action }, other: { action, queue: 'custom' } } });
    assert.equal(r.delegate, 'supportTicket');
    assert.equal(r.triggers[0]!.queue, 'support_ticket_auto_close');
    assert.equal(r.triggers[0]!.schedulerQueue, 'support_ticket_auto_close');
    assert.equal(r.triggers[1]!.queue, 'custom');
    assert.equal(r.triggers[1]!.schedulerQueue, 'custom');
    const own = ticketWith({ queue: 'records', schedulerQueue: 'schedulers' }).triggers[0]!;
    assert.equal(own.queue, 'records');
    assert.equal(own.schedulerQueue, 'schedulers');
  });

  test('explicit stable names are kept and flagged as explicit', () => {
    const both = ticketWith({ workflowType: 'tickets.process.v1', schedulerWorkflowType: 'tickets.process.v1.scheduler' }).triggers[0]!;
    assert.equal(both.workflowType, 'tickets.process.v1');
    assert.equal(both.schedulerWorkflowType, 'tickets.process.v1.scheduler');
    assert.deepEqual(both.explicit, { workflowType: true, schedulerWorkflowType: true });
    const one = ticketWith({ workflowType: 'tickets.process.v1' }).triggers[0]!;
    assert.equal(one.schedulerWorkflowType, 'Ticket.process.scheduler', 'the scheduler type does not derive from an explicit workflowType');
    assert.deepEqual(one.explicit, { workflowType: true, schedulerWorkflowType: false });
  });

  test('given options override the defaults', () => {
    const onError = { update: { status: 'failed' } };
    const t = ticketWith({
      schedulerCron: false,
      maxAttempts: 3,
      maxSchedulerAttempts: 2,
      lockForUpdate: false,
      triggerOnce: true,
      state: 'paused',
      backoff: 10,
      timeout: 5000,
      onError,
      onErrorFailsJob: true,
      logErrors: false,
      logFinalError: false,
      recordLimit: 50,
      streamBatchSize: 1000,
      sort: [{ priority: 'desc' }, { createdAt: 'asc' }],
    }).triggers[0]!;
    assert.equal(t.schedulerCron, false);
    assert.equal(t.maxAttempts, 3);
    assert.equal(t.maxSchedulerAttempts, 2);
    assert.equal(t.lockForUpdate, false);
    assert.equal(t.triggerOnce, true);
    assert.equal(t.state, 'paused');
    assert.equal(t.backoff, 10);
    assert.equal(t.timeout, 5000);
    assert.deepEqual(t.onError, onError);
    assert.equal(t.onErrorFailsJob, true);
    assert.equal(t.logErrors, false);
    assert.equal(t.logFinalError, false);
    assert.equal(t.recordLimit, 50);
    assert.equal(t.streamBatchSize, 1000);
    assert.deepEqual(t.sort, [{ priority: 'desc' }, { createdAt: 'asc' }]);
  });

  test('declarative actions, where functions and backoff functions are accepted', () => {
    const where = () => ({ status: 'open' });
    const backoff = (attempt: number) => attempt * 2;
    assert.equal(ticketWith({ action: { delete: true } }).triggers[0]!.action?.constructor, Object);
    assert.deepEqual(ticketWith({ action: { update: { status: 'done' } } }).triggers[0]!.action, { update: { status: 'done' } });
    const t = ticketWith({ where, backoff });
    assert.equal(t.triggers[0]!.where, where);
    assert.equal(t.triggers[0]!.backoff, backoff);
  });

  test('primaryKey: a single field becomes a list, a compound key is kept in order', () => {
    assert.deepEqual(defineResource({ model: 'A', primaryKey: 'uuid' }).primaryKey, ['uuid']);
    assert.deepEqual(defineResource({ model: 'B', primaryKey: ['tenantId', 'id'] }).primaryKey, ['tenantId', 'id']);
    const c = defineResource({ model: 'C', table: 'c_table', schema: 'app', columns: { id: 'c_id' } });
    assert.equal(c.table, 'c_table');
    assert.equal(c.schema, 'app');
    assert.deepEqual(c.columns, { id: 'c_id' });
    assert.deepEqual(c.triggers, []);
  });

  test('scheduled actions get their defaults', () => {
    const r = defineResource({ model: 'Report', scheduledActions: { dailyDigest: { cron: '@daily', action } } });
    const a = r.scheduledActions[0]!;
    assert.equal(a.kind, 'scheduled-action');
    assert.equal(a.id, 'Report.dailyDigest');
    assert.equal(a.name, 'dailyDigest');
    assert.equal(a.resource, r);
    assert.equal(a.cron, '@daily');
    assert.equal(a.maxAttempts, 1);
    assert.equal(a.backoff, 'exponential');
    assert.equal(a.timeout, 'infinity');
    assert.equal(a.state, 'active');
    assert.equal(a.debug, false);
    assert.equal(a.queue, 'report_daily_digest');
    assert.equal(a.workflowType, 'Report.dailyDigest');
    assert.deepEqual(a.explicit, { workflowType: false });
    const own = defineResource({ model: 'Report', scheduledActions: { digest: { cron: '@daily', action, workflowType: 'report.digest', queue: 'q' } } }).scheduledActions[0]!;
    assert.equal(own.workflowType, 'report.digest');
    assert.equal(own.queue, 'q');
    assert.deepEqual(own.explicit, { workflowType: true });
  });
});

describe('defineResource: errors', () => {
  test('an unknown trigger option names the path and suggests the right spelling', () => {
    const err = definitionError(() => ticketWith({ maxAtempts: 3 }));
    assert.equal(err.path, 'Ticket.triggers.process');
    assert.match(err.message, /^Ticket\.triggers\.process: unknown option "maxAtempts" \(did you mean "maxAttempts"\?\)/);
    assert.match(err.message, /Known options: .*schedulerCron/);
  });

  test('a snake_case option (AshOban spelling) suggests the camelCase one', () => {
    const err = definitionError(() => ticketWith({ max_attempts: 3 }));
    assert.match(err.message, /unknown option "max_attempts" \(did you mean "maxAttempts"\?\)/);
    const lock = definitionError(() => ticketWith({ 'lock_for_update?': true }));
    assert.match(lock.message, /did you mean "lockForUpdate"\?/);
  });

  test('an unknown option with no close match gives no suggestion', () => {
    const err = definitionError(() => ticketWith({ zzzzzzzzzz: 1 }));
    assert.match(err.message, /unknown option "zzzzzzzzzz"\. Known options:/);
    assert.doesNotMatch(err.message, /did you mean/);
  });

  test('unknown resource and scheduled-action options are checked against their own option lists', () => {
    const res = definitionError(() => defineResource({ model: 'Ticket', trigers: {} } as unknown as ResourceDefinition));
    assert.equal(res.path, 'Ticket');
    assert.match(res.message, /unknown option "trigers" \(did you mean "triggers"\?\)/);
    const act = definitionError(() => defineResource({ model: 'Ticket', scheduledActions: { digest: { cron: '@daily', action, timezon: 'UTC' } } } as unknown as ResourceDefinition));
    assert.equal(act.path, 'Ticket.scheduledActions.digest');
    assert.match(act.message, /unknown option "timezon" \(did you mean "timezone"\?\)/);
  });

  test('an invalid value names the path of the option', () => {
    assert.equal(definitionError(() => ticketWith({ maxAttempts: 0 })).path, 'Ticket.triggers.process.maxAttempts');
    assert.equal(definitionError(() => ticketWith({ maxAttempts: 1.5 })).path, 'Ticket.triggers.process.maxAttempts');
    assert.equal(definitionError(() => ticketWith({ backoff: -1 })).path, 'Ticket.triggers.process.backoff');
    assert.equal(definitionError(() => ticketWith({ timeout: 0 })).path, 'Ticket.triggers.process.timeout');
    assert.equal(definitionError(() => ticketWith({ state: 'stopped' })).path, 'Ticket.triggers.process.state');
    assert.equal(definitionError(() => ticketWith({ streamBatchSize: 1001 })).path, 'Ticket.triggers.process.streamBatchSize');
    assert.equal(definitionError(() => ticketWith({ where: ['status'] })).path, 'Ticket.triggers.process.where');
    assert.equal(definitionError(() => ticketWith({ sort: { createdAt: 'up' } })).path.startsWith('Ticket.triggers.process.sort'), true);
    assert.equal(definitionError(() => ticketWith({ action: 'run' })).path, 'Ticket.triggers.process.action');
    assert.equal(definitionError(() => ticketWith({ action: { delete: false } })).path, 'Ticket.triggers.process.action');
    assert.equal(definitionError(() => ticketWith({ action: undefined })).path, 'Ticket.triggers.process.action');
  });

  test('a malformed action names the accepted forms and suggests the key it resembles', () => {
    const forms = /expected a function \(record, ctx\) => …, \{ update: data \}, \{ update: \(record, ctx\) => data \} or \{ delete: true \}/;
    const typo = definitionError(() => ticketWith({ action: { updat: {} } }));
    assert.equal(typo.path, 'Ticket.triggers.process.action');
    assert.match(typo.message, forms);
    assert.match(typo.message, /got an object with "updat" \(did you mean "update"\?\)/);
    assert.match(definitionError(() => ticketWith({ action: { delete: true }, onError: { dlete: true } })).message, /onError: .*did you mean "delete"/);
    assert.match(definitionError(() => ticketWith({ action: { delete: false } })).message, /write \{ delete: true \}/);
    assert.match(definitionError(() => ticketWith({ action: { update: 5 } })).message, /\{ update \} must hold a data object or a function/);
    assert.match(definitionError(() => ticketWith({ action: 'run' })).message, /got string$/m);
  });

  test('chunks: a size from 1 to 1000; not with readMetadata or triggerOnce, each refusal saying why', () => {
    assert.equal(defineResource({ model: 'Ticket', triggers: { process: { action: { delete: true }, chunks: { size: 100, by: ['priority'] } } } }).triggers[0]!.chunks?.size, 100);
    assert.equal(definitionError(() => ticketWith({ chunks: { size: 0 } })).path, 'Ticket.triggers.process.chunks.size');
    assert.equal(definitionError(() => ticketWith({ chunks: { size: 1001 } })).path, 'Ticket.triggers.process.chunks.size');
    assert.match(definitionError(() => ticketWith({ chunks: { size: 10 }, readMetadata: () => 1 })).message, /chunks: a chunk run carries records, not per-record metadata/);
    assert.match(definitionError(() => ticketWith({ chunks: { size: 10 }, triggerOnce: true })).message, /chunks: triggerOnce remembers runs per record/);
    assert.match(definitionError(() => ticketWith({ chunks: { size: 10 }, action: async () => {} })).message, /with chunks, a function action goes in chunkAction/);
    assert.match(definitionError(() => ticketWith({ action: undefined, chunkAction: async () => {} })).message, /chunkAction: runs on chunks of records: add chunks/);
    assert.match(definitionError(() => ticketWith({ action: undefined })).message, /action: is required/);
    assert.ok(defineResource({ model: 'Ticket', triggers: { p: { chunks: { size: 5 }, chunkAction: async (rs: unknown[]) => void rs } } }).triggers[0]!.chunkAction);
  });

  test('model, primary key and trigger names must be identifiers', () => {
    const model = definitionError(() => defineResource({ model: 'my-ticket' }));
    assert.equal(model.path, 'my-ticket.model');
    assert.match(model.message, /must be an identifier/);
    assert.match(definitionError(() => defineResource({ model: 'Ticket', primaryKey: ['tenant id'] })).path, /^Ticket\.primaryKey/);
    assert.match(definitionError(() => defineResource({ model: 'Ticket', primaryKey: [] })).path, /^Ticket\.primaryKey/);
    assert.match(definitionError(() => defineResource({ model: 'Ticket', triggers: { 'auto-close': { action } } })).path, /^Ticket\.triggers/);
    assert.equal(definitionError(() => defineResource({} as ResourceDefinition)).path, 'resource.model', 'without a model name the label is "resource"');
  });

  test('an invalid cron names the path and the fix', () => {
    const err = definitionError(() => ticketWith({ schedulerCron: 'every minute' }));
    assert.equal(err.path, 'Ticket.triggers.process.schedulerCron');
    assert.match(err.message, /^Ticket\.triggers\.process\.schedulerCron: invalid cron "every minute"/);
    assert.match(err.message, /Use 5 fields \(minute hour day-of-month month day-of-week\)/);
    const action2 = definitionError(() => defineResource({ model: 'Report', scheduledActions: { digest: { cron: '61 * * * *', action } } }));
    assert.equal(action2.path, 'Report.scheduledActions.digest.cron');
    assert.match(action2.message, /invalid cron "61 \* \* \* \*"/);
  });

  test('schedulerCron: false skips cron validation; an empty cron is rejected', () => {
    assert.equal(ticketWith({ schedulerCron: false }).triggers[0]!.schedulerCron, false);
    assert.equal(definitionError(() => ticketWith({ schedulerCron: '' })).path, 'Ticket.triggers.process.schedulerCron');
    assert.equal(definitionError(() => ticketWith({ schedulerCron: true })).path, 'Ticket.triggers.process.schedulerCron');
  });

  test('the scheduler time zone is used to check the cron', () => {
    assert.equal(ticketWith({ schedulerCron: '0 9 * * *', schedulerTimezone: 'Europe/Paris' }).triggers[0]!.schedulerTimezone, 'Europe/Paris');
    const tzErr = definitionError(() => ticketWith({ schedulerCron: '0 9 * * *', schedulerTimezone: 'Not/AZone' }));
    assert.equal(tzErr.path, 'Ticket.triggers.process.schedulerCron');
    assert.match(tzErr.message, /unknown time zone "Not\/AZone"/);
    assert.match(definitionError(() => ticketWith({ schedulerCron: 'CRON_TZ=UTC 0 9 * * *', schedulerTimezone: 'Europe/Paris' })).message, /not both/);
  });

  test('stable names longer than 251 characters (so the schedule id "ptt:<name>" fits in 255) are rejected, 251 are accepted', () => {
    const long = 'x'.repeat(256);
    const wt = definitionError(() => ticketWith({ workflowType: long }));
    assert.equal(wt.path, 'Ticket.triggers.process.workflowType');
    assert.match(wt.message, /at most 251 characters/);
    assert.equal(definitionError(() => ticketWith({ schedulerWorkflowType: long })).path, 'Ticket.triggers.process.schedulerWorkflowType');
    assert.equal(definitionError(() => ticketWith({ queue: long })).path, 'Ticket.triggers.process.queue');
    assert.equal(
      definitionError(() => defineResource({ model: 'R', scheduledActions: { a: { cron: '@daily', action, workflowType: long } } })).path,
      'R.scheduledActions.a.workflowType',
    );
    assert.equal(ticketWith({ workflowType: 'x'.repeat(251) }).triggers[0]!.workflowType.length, 251);
    assert.equal(definitionError(() => ticketWith({ workflowType: 'x'.repeat(252) })).path, 'Ticket.triggers.process.workflowType');
    // derived defaults are checked too
    const longModel = `M${'x'.repeat(249)}`;
    assert.equal(definitionError(() => defineResource({ model: longModel, triggers: { process: { action, schedulerCron: false } } })).path, `${longModel}.triggers.process.workflowType`);
    assert.equal(definitionError(() => ticketWith({ workflowType: '' })).path, 'Ticket.triggers.process.workflowType');
  });

  test('onErrorFailsJob without onError is rejected', () => {
    const err = definitionError(() => ticketWith({ onErrorFailsJob: true }));
    assert.equal(err.path, 'Ticket.triggers.process.onErrorFailsJob');
    assert.match(err.message, /no onError handler: add `onError`/);
    assert.equal(ticketWith({ onErrorFailsJob: true, onError: async () => undefined }).triggers[0]!.onErrorFailsJob, true);
  });

  test('useTenantFromRecord needs tenantFrom, and tenantFrom needs useTenantFromRecord (no run silently gets tenant null)', () => {
    const missing = definitionError(() => ticketWith({ useTenantFromRecord: true }));
    assert.equal(missing.path, 'Ticket.triggers.process.useTenantFromRecord');
    assert.match(missing.message, /read with tenantFrom: add tenantFrom: \(record\) => /);
    const unused = definitionError(() => ticketWith({ tenantFrom: (r: { org: string }) => r.org }));
    assert.equal(unused.path, 'Ticket.triggers.process.tenantFrom');
    assert.match(unused.message, /only with useTenantFromRecord: true/);
    assert.equal(ticketWith({ useTenantFromRecord: true, tenantFrom: (r: { org: string }) => r.org }).triggers[0]!.useTenantFromRecord, true);
  });

  test('several problems are all reported, the first one gives the path', () => {
    const err = definitionError(() => ticketWith({ maxAttempts: 0, maxAtempts: 2 }));
    assert.match(err.message, /maxAtempts/);
    assert.match(err.message, /Ticket\.triggers\.process\.maxAttempts/);
    assert.ok(err.message.split('\n').length >= 2);
  });
});

describe('defineApp', () => {
  const ticket = () =>
    defineResource({
      model: 'Ticket',
      triggers: { process: { action }, archive: { action, schedulerCron: false } },
      scheduledActions: { digest: { cron: '@daily', action } },
    });

  test('collects resources, triggers and scheduled actions', () => {
    const user = defineResource({ model: 'User', triggers: { welcome: { action } } });
    const app = defineApp({ name: 'my-app', resources: [ticket(), user] });
    assert.equal(app.name, 'my-app');
    assert.deepEqual(app.resources.map((r) => r.model), ['Ticket', 'User']);
    assert.deepEqual(app.triggers.map((t) => t.id), ['Ticket.process', 'Ticket.archive', 'User.welcome']);
    assert.deepEqual(app.scheduledActions.map((a) => a.id), ['Ticket.digest']);
    assert.equal(app.trigger('User.welcome'), user.triggers[0]);
    assert.equal(app.scheduledAction('Ticket.digest').name, 'digest');
  });

  test('byWorkflowType maps record, scheduler and scheduled-action workflow types to their roles', () => {
    const app = defineApp({ name: 'app', resources: [ticket()] });
    assert.deepEqual([...app.byWorkflowType.keys()].sort(), [
      'Ticket.archive',
      'Ticket.archive.scheduler',
      'Ticket.digest',
      'Ticket.process',
      'Ticket.process.scheduler',
    ]);
    const rec = app.byWorkflowType.get('Ticket.process');
    assert.ok(rec && rec.role === 'record');
    assert.equal(rec.trigger, app.trigger('Ticket.process'));
    const sch = app.byWorkflowType.get('Ticket.process.scheduler');
    assert.ok(sch && sch.role === 'scheduler');
    assert.equal(sch.trigger, app.trigger('Ticket.process'));
    assert.equal(app.byWorkflowType.get('Ticket.archive.scheduler')?.role, 'scheduler', 'triggers without a cron still have a scheduler workflow');
    const sa = app.byWorkflowType.get('Ticket.digest');
    assert.ok(sa && sa.role === 'scheduled-action');
    assert.equal(sa.action, app.scheduledAction('Ticket.digest'));
  });

  test('a workflow type used twice is rejected, naming both users', () => {
    const a = defineResource({ model: 'A', triggers: { run: { action, workflowType: 'shared' } } });
    const b = defineResource({ model: 'B', triggers: { run: { action, workflowType: 'shared' } } });
    const err = definitionError(() => defineApp({ name: 'app', resources: [a, b] }));
    assert.equal(err.path, 'B.run.workflowType');
    assert.match(err.message, /workflow type "shared" is used by both A\.run \(per-record workflowType\) and B\.run \(per-record workflowType\)/);
    assert.doesNotMatch(err.message, /two roles/);
    assert.match(err.message, /Stable names must be unique/);
  });

  test('a record workflow type may not collide with a scheduler or a scheduled action', () => {
    const sched = defineResource({ model: 'A', triggers: { one: { action, schedulerWorkflowType: 'X' }, two: { action, workflowType: 'X' } } });
    const e1 = definitionError(() => defineApp({ name: 'app', resources: [sched] }));
    assert.equal(e1.path, 'A.two.workflowType');
    assert.match(e1.message, /used by both A\.one \(schedulerWorkflowType\) and A\.two \(per-record workflowType\)\. One stable name cannot serve two roles/);

    const self = defineResource({ model: 'A', triggers: { one: { action, workflowType: 'same', schedulerWorkflowType: 'same' } } });
    assert.equal(definitionError(() => defineApp({ name: 'app', resources: [self] })).path, 'A.one.schedulerWorkflowType');

    // A trigger and a scheduled action with the same name share a default workflow type.
    const clash = defineResource({ model: 'A', triggers: { sync: { action } }, scheduledActions: { sync: { cron: '@daily', action } } });
    const e3 = definitionError(() => defineApp({ name: 'app', resources: [clash] }));
    assert.equal(e3.path, 'A.sync.workflowType');
    assert.match(e3.message, /"A\.sync" is used by both A\.sync \(per-record workflowType\) and A\.sync \(scheduled action workflowType\)\. One stable name cannot serve two roles/);

    const action1 = defineResource({ model: 'A', scheduledActions: { x: { cron: '@daily', action, workflowType: 'dup' } } });
    const action2 = defineResource({ model: 'B', scheduledActions: { y: { cron: '@daily', action, workflowType: 'dup' } } });
    const e4 = definitionError(() => defineApp({ name: 'app', resources: [action1, action2] }));
    assert.equal(e4.path, 'B.y.workflowType');
    assert.match(e4.message, /used by both A\.x \(scheduled action workflowType\) and B\.y/);
  });

  test('the same model defined twice is rejected', () => {
    const err = definitionError(() => defineApp({ name: 'app', resources: [ticket(), defineResource({ model: 'Ticket' })] }));
    assert.equal(err.path, 'app.resources.Ticket');
    assert.match(err.message, /defined twice/);
  });

  test('resources not made by defineResource and invalid app names are rejected', () => {
    assert.equal(definitionError(() => defineApp({ name: 'app', resources: [{ model: 'X' } as never] })).path, 'app.resources');
    assert.equal(definitionError(() => defineApp({ name: 'app', resources: [null as never] })).path, 'app.resources.0');
    const name = definitionError(() => defineApp({ name: 'my app', resources: [] }));
    assert.equal(name.path, 'app.name');
    assert.match(name.message, /letters, digits and _ \. : - only/);
    assert.equal(definitionError(() => defineApp({ name: '', resources: [] })).path, 'app.name');
    assert.equal(definitionError(() => defineApp({ name: 'a'.repeat(101), resources: [] })).path, 'app.name');
    assert.equal(defineApp({ name: 'Acme_prod.v2:eu-1', resources: [] }).name, 'Acme_prod.v2:eu-1');
    const extra = definitionError(() => defineApp({ name: 'app', resources: [], nmae: 'x' } as never));
    assert.equal(extra.path, 'app');
    assert.match(extra.message, /unknown option "nmae" \(did you mean "name"\?\)/);
  });

  test('an unknown trigger id throws UNKNOWN_TRIGGER with a suggestion', () => {
    const app = defineApp({ name: 'app', resources: [ticket()] });
    const err = definitionError(() => app.trigger('Ticket.proces'), 'UNKNOWN_TRIGGER');
    assert.equal(err.path, 'Ticket.proces');
    assert.match(err.message, /unknown trigger \(did you mean "Ticket\.process"\?\)/);
    assert.match(err.message, /Known: Ticket\.process, Ticket\.archive/);
    const none = definitionError(() => defineApp({ name: 'app', resources: [] }).trigger('Ticket.process'), 'UNKNOWN_TRIGGER');
    assert.match(none.message, /Known: none/);
    assert.doesNotMatch(none.message, /did you mean/);
  });

  test('an unknown scheduled action id throws with a suggestion; trigger and action ids are separate', () => {
    const app = defineApp({ name: 'app', resources: [ticket()] });
    const err = definitionError(() => app.scheduledAction('Ticket.digets'), 'UNKNOWN_TRIGGER');
    assert.match(err.message, /unknown scheduled action \(did you mean "Ticket\.digest"\?\)/);
    definitionError(() => app.scheduledAction('Ticket.process'), 'UNKNOWN_TRIGGER');
    definitionError(() => app.trigger('Ticket.digest'), 'UNKNOWN_TRIGGER');
  });
});

describe('checkCron and nextRun', () => {
  test('valid crons return the next run time', () => {
    const before = Date.now();
    for (const cron of ['* * * * *', '*/5 * * * *', '0 9 * * MON-FRI', '@daily', '@hourly', '@weekly', '@monthly', '@yearly', 'CRON_TZ=Europe/Paris 0 9 * * *', '0 12 * * * # noon']) {
      const next = checkCron('p', cron);
      assert.ok(next instanceof Date && !Number.isNaN(next.getTime()), cron);
      if (!next) continue;
      assert.ok(next.getTime() > before, `${cron}: the next run is in the future`);
      assert.ok(next.getTime() <= before + 367 * 24 * 3600 * 1000, cron);
    }
  });

  test('"* * * * *" fires at the start of the next minute', () => {
    const before = Date.now();
    const next = checkCron('p', '* * * * *')?.getTime() ?? NaN;
    assert.equal(next % 60_000, 0);
    assert.ok(next > before && next <= before + 60_000);
  });

  test('@every intervals are accepted and fire on the next multiple of the interval', () => {
    const before = Date.now();
    const next = checkCron('p', '@every 5m')?.getTime() ?? NaN;
    assert.ok(next > before && next <= before + 300_000);
    assert.equal(next % 300_000, 0);
    checkCron('p', '@every 1h/5m');
    checkCron('p', 'CRON_TZ=UTC @every 30s');
    checkCron('p', '@every 2d');
  });

  test('invalid crons throw a DefinitionError naming the path and the fix', () => {
    for (const cron of ['not a cron', '61 * * * *', '0 25 * * *', '* * 32 * *', '@midnightly', '0 0 0 * * * * *', '*', '* *', '0 0 L * *', '0 0 ? * *', '@every garbage', '   ', '# only', 'TZ=Not/AZone 0 9 * * *']) {
      const err = definitionError(() => checkCron('Ticket.triggers.process.schedulerCron', cron));
      assert.equal(err.path, 'Ticket.triggers.process.schedulerCron', cron);
      assert.ok(err.message.includes(`invalid cron "${cron}"`), err.message);
      assert.match(err.message, /e\.g\. "\*\/5 \* \* \* \*", a shorthand such as "@daily"/);
    }
  });

  test('the time zone is applied', () => {
    const paris = checkCron('p', '0 9 * * *', 'Europe/Paris');
    assert.ok(paris);
    const parisHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hourCycle: 'h23' }).format(paris));
    assert.equal(parisHour, 9);
    assert.equal(paris.getUTCMinutes(), 0);
  });

  test('nextRun returns the exact next firing after `from`', () => {
    // without a time zone, Temporal reads crons in UTC
    assert.equal(nextRun('0 0 * * *', undefined, new Date('2024-01-15T10:30:00Z'))?.toISOString(), '2024-01-16T00:00:00.000Z');
    assert.equal(nextRun('CRON_TZ=Europe/Paris 0 9 * * *', undefined, new Date('2024-01-15T10:30:00Z'))?.toISOString(), '2024-01-16T08:00:00.000Z');
    assert.equal(nextRun('0 0 * * * 2030', undefined, new Date('2024-01-15T10:30:00Z'))?.toISOString(), '2030-01-01T00:00:00.000Z');
    assert.equal(nextRun('30 15 10 * * * *', undefined, new Date('2024-03-01T10:31:00Z'))?.toISOString(), '2024-03-02T10:15:30.000Z');
    assert.equal(nextRun('0 0 29 2 *', undefined, new Date('2024-03-01T00:00:00Z'))?.toISOString(), '2028-02-29T00:00:00.000Z');
    // Temporal ANDs day-of-month and day-of-week: Friday the 13th
    assert.equal(nextRun('0 0 13 * fri', undefined, new Date('2024-01-01T00:00:00Z'))?.toISOString(), '2024-09-13T00:00:00.000Z');
    assert.equal(nextRun('0 0 * * * 2019', undefined, new Date('2024-01-01T00:00:00Z')), undefined);
    assert.equal(nextRun('0 0 * * *', 'UTC', new Date('2024-01-15T10:30:00Z'))?.toISOString(), '2024-01-16T00:00:00.000Z');
    assert.equal(nextRun('0 9 * * *', 'Europe/Paris', new Date('2024-01-15T10:30:00Z'))?.toISOString(), '2024-01-16T08:00:00.000Z');
    assert.equal(nextRun('0 9 * * *', 'Europe/Paris', new Date('2024-07-15T10:30:00Z'))?.toISOString(), '2024-07-16T07:00:00.000Z', 'summer time');
    assert.equal(nextRun('*/15 * * * *', 'UTC', new Date('2024-01-15T10:31:00Z'))?.toISOString(), '2024-01-15T10:45:00.000Z');
    assert.equal(nextRun('@daily', 'UTC', new Date('2024-02-28T12:00:00Z'))?.toISOString(), '2024-02-29T00:00:00.000Z');
  });

  test('nextRun is strictly after `from`, ignores comments, and steps @every intervals (with phase) from the epoch', () => {
    assert.equal(nextRun('0 0 * * *', 'UTC', new Date('2024-01-15T00:00:00Z'))?.toISOString(), '2024-01-16T00:00:00.000Z');
    assert.equal(nextRun('0 12 * * * # noon', 'UTC', new Date('2024-01-15T00:00:00Z'))?.toISOString(), '2024-01-15T12:00:00.000Z');
    assert.equal(nextRun('@every 5m', undefined, new Date('2024-01-15T10:31:00Z'))?.toISOString(), '2024-01-15T10:35:00.000Z');
    assert.equal(nextRun('@every 1h/5m', undefined, new Date('2024-01-15T10:31:00Z'))?.toISOString(), '2024-01-15T11:05:00.000Z');
    assert.equal(nextRun('CRON_TZ=UTC @every 1h', undefined, new Date('2024-01-15T10:00:00Z'))?.toISOString(), '2024-01-15T11:00:00.000Z');
  });
});

describe('didYouMean and names', () => {
  test('levenshtein is a case-insensitive edit distance', () => {
    assert.equal(levenshtein('', ''), 0);
    assert.equal(levenshtein('abc', ''), 3);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('maxAttempts', 'MAXATTEMPTS'), 0);
    assert.equal(levenshtein('maxAtempts', 'maxAttempts'), 1);
  });

  test('didYouMean: closest candidate within the limit, abbreviations, snake_case', () => {
    assert.equal(didYouMean('maxAtempts', ['maxAttempts', 'maxSchedulerAttempts']), 'maxAttempts');
    assert.equal(didYouMean('shedulerCron', ['schedulerCron', 'schedulerQueue']), 'schedulerCron');
    assert.equal(didYouMean('prio', ['priority', 'status']), 'priority', 'a unique prefix is an abbreviation');
    assert.equal(didYouMean('sch', ['schedulerCron', 'schedulerQueue']), undefined, 'an ambiguous prefix suggests nothing');
    assert.equal(didYouMean('a_b_c_d', ['aBCD', 'other']), 'aBCD', 'snake_case beyond the edit limit');
    assert.equal(didYouMean('lock-for-update?', ['lockForUpdate']), 'lockForUpdate');
    assert.equal(didYouMean('completelyDifferent', ['maxAttempts', 'queue']), undefined);
    assert.equal(didYouMean('anything', []), undefined);
  });

  test('default names', () => {
    assert.equal(delegateName('Ticket'), 'ticket');
    assert.equal(delegateName('SupportTicket'), 'supportTicket');
    assert.equal(snakeCase('SupportTicket'), 'support_ticket');
    assert.equal(snakeCase('autoClose2Fa'), 'auto_close2_fa');
    assert.equal(snakeCase('already_snake'), 'already_snake');
    assert.equal(triggerId('Ticket', 'process'), 'Ticket.process');
    assert.equal(defaultWorkflowType('Ticket', 'process'), 'Ticket.process');
    assert.equal(defaultSchedulerWorkflowType('Ticket', 'process'), 'Ticket.process.scheduler');
    assert.equal(defaultQueue('SupportTicket', 'autoClose'), 'support_ticket_auto_close');
    assert.equal(scheduleIdFor('Ticket.process.scheduler'), 'ptt:Ticket.process.scheduler');
  });
});
