import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '@temporalio/client';
import { ConfigError, createTriggerClient, defineApp, defineResource } from '../../src';

const app = defineApp({ name: 'opts', resources: [defineResource({ model: 'Ticket', triggers: { process: { action: { delete: true }, schedulerCron: false } } })] });
const triggers = createTriggerClient({ client: {} as Client, app });

test('runtime options are validated: unknown options name the call and suggest the right one', async () => {
  await assert.rejects(
    triggers.buildTrigger({ id: 1 }, 'Ticket.process', { actionArgs: {} } as never),
    (e: unknown) => e instanceof ConfigError && /runTrigger\/buildTrigger options: unknown option "actionArgs" \(did you mean "actionArguments"\?\)/.test(e.message),
  );
  await assert.rejects(triggers.buildTrigger({ id: 1 }, 'Ticket.process', { tenant: [5] } as never), (e: unknown) => e instanceof ConfigError && /option "tenant"/.test(e.message));
});

test('scheduleAndRunTriggers and schedule reject unknown options before touching Temporal', async () => {
  await assert.rejects(triggers.scheduleAndRunTriggers(app, { drain_queues: true } as never), (e: unknown) => e instanceof ConfigError && /did you mean "drain/.test(e.message));
  await assert.rejects(triggers.schedule('Ticket.process', { collect: 'yes' } as never), (e: unknown) => e instanceof ConfigError && /option "collect"/.test(e.message));
});

test('buildTrigger returns the start options without starting anything', async () => {
  const built = await triggers.buildTrigger({ id: 7 }, 'Ticket.process', { actionArguments: { why: 'x' }, startDelay: '5 minutes' });
  assert.equal(built.workflowType, 'Ticket.process');
  assert.match(built.options.workflowId, /^Ticket\.process\/-\/7\/[0-9a-f]{16}$/);
  assert.equal(built.options.taskQueue, 'ticket_process');
  assert.equal(built.options.startDelay, '5 minutes');
  const input = (built.options.args as [{ key: unknown; actionArguments: unknown; plan: { maxAttempts: number } }])[0];
  assert.deepEqual(input.key, { id: 7 });
  assert.deepEqual(input.actionArguments, { why: 'x' });
  assert.equal(input.plan.maxAttempts, 1);
  assert.equal((await triggers.buildTrigger({ id: 7 }, 'Ticket.process')).options.workflowId, 'Ticket.process/-/7', 'no arguments, no fingerprint');
  assert.equal((await triggers.buildTrigger({ id: 7 }, 'Ticket.process', { tenant: 'acme' })).options.workflowId, 'Ticket.process/acme/7', 'the tenant is part of the id');
});

test('startOptions may not replace what the library owns (search attributes, id policies): the error names the option', async () => {
  for (const key of ['typedSearchAttributes', 'searchAttributes', 'workflowIdReusePolicy', 'workflowIdConflictPolicy']) {
    await assert.rejects(
      triggers.buildTrigger({ id: 1 }, 'Ticket.process', { startOptions: { [key]: [] } }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(`startOptions.${key} is set by the library`),
    );
  }
  const built = await triggers.buildTrigger({ id: 1 }, 'Ticket.process', { startOptions: { memo: { why: 'audit' } } });
  assert.deepEqual(built.options.memo, { why: 'audit', pttRole: 'record' }, "the user's memo, beside the run's role");
});

test("extra arguments are stored in the run's input and make it unique; the trigger's extraArgs win over runTrigger's args", async () => {
  const withExtra = defineApp({
    name: 'extra',
    resources: [defineResource({ model: 'Ticket', triggers: { process: { action: { delete: true }, schedulerCron: false, extraArgs: (t: { id: number }) => ({ extra_arg: 1, double: t.id * 2 }) } } })],
  });
  const client = createTriggerClient({ client: {} as Client, app: withExtra });
  const built = await client.buildTrigger({ id: 4 }, 'Ticket.process', { args: { extra_arg: 99, mine: true } });
  const input = (built.options.args as [{ extraArgs?: unknown }])[0];
  assert.deepEqual(input.extraArgs, { mine: true, extra_arg: 1, double: 8 });
  assert.notEqual(built.options.workflowId, (await client.buildTrigger({ id: 4 }, 'Ticket.process')).options.workflowId, 'different arguments, different run');
  assert.equal((await client.buildTrigger({ id: 4 }, 'Ticket.process', { args: { mine: true } })).options.workflowId, built.options.workflowId, 'same effective arguments, same run');
});

test('an actor without an actorPersister is passed through as it is (plain JSON); one that is not JSON, or too large, is refused naming the limit and the fix', async () => {
  const built = await triggers.buildTrigger({ id: 1 }, 'Ticket.process', { actor: { id: 'u1', role: 'admin' } });
  assert.deepEqual((built.options.args as [{ actor?: unknown }])[0].actor, { id: 'u1', role: 'admin' }, 'stored as given');
  assert.notEqual(built.options.workflowId, (await triggers.buildTrigger({ id: 1 }, 'Ticket.process')).options.workflowId, 'and it makes the run unique');
  await assert.rejects(triggers.buildTrigger({ id: 1 }, 'Ticket.process', { actor: { id: 'u1', since: new Date() } }), (e: unknown) => e instanceof ConfigError && /the actor\.since is a Date, which is not JSON.*configure an actorPersister/.test(e.message));
  const huge = { id: 'u1', blob: 'x'.repeat(2.5 * 1024 * 1024) };
  const tooLarge = /the actor is 2,621,4\d\d bytes of JSON; a run carries at most 65,536\. Store a reference instead: actorPersister: \{ store: \(actor\) => actor\.id/;
  for (const call of [triggers.buildTrigger({ id: 1 }, 'Ticket.process', { actor: huge }), triggers.runTrigger({ id: 1 }, 'Ticket.process', { scope: { actor: huge } }), triggers.schedule('Ticket.process', { actor: huge }), triggers.scheduleAndRunTriggers(app, { actor: huge })]) {
    await assert.rejects(call, (e: unknown) => e instanceof ConfigError && tooLarge.test(e.message));
  }
  const persisting = defineApp({ name: 'big', actorPersister: { store: (a: unknown) => a, lookup: (s: unknown) => s }, resources: [defineResource({ model: 'Ticket', triggers: { process: { action: { delete: true }, schedulerCron: false } } })] });
  await assert.rejects(createTriggerClient({ client: {} as Client, app: persisting }).buildTrigger({ id: 1 }, 'Ticket.process', { actor: huge }), (e: unknown) => e instanceof ConfigError && /the persisted actor \(actorPersister\.store\) is 2,621,4\d\d bytes/.test(e.message));
});

test('with a persister, only the persisted form of the actor is in the run input, and it makes the run unique', async () => {
  const persisted = defineApp({
    name: 'actors',
    actorPersister: { store: (a: unknown) => ({ userId: (a as { id: string }).id }), lookup: (j: unknown) => (j ? { id: (j as { userId: string }).userId, loaded: true } : null) },
    resources: [defineResource({ model: 'Ticket', triggers: { process: { action: { delete: true }, schedulerCron: false } } })],
  });
  const client = createTriggerClient({ client: {} as Client, app: persisted });
  const built = await client.buildTrigger({ id: 3 }, 'Ticket.process', { actor: { id: 'u1', secretToken: 'never-stored' } });
  const input = (built.options.args as [Record<string, unknown>])[0]!;
  assert.deepEqual(input.actor, { userId: 'u1' });
  assert.ok(!JSON.stringify(built.options).includes('never-stored'), 'the raw actor is not in the start options');
  assert.notEqual(built.options.workflowId, (await client.buildTrigger({ id: 3 }, 'Ticket.process')).options.workflowId, 'another actor, another run');
});
