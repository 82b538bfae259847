/**
 * A rainbow deploy under Worker Versioning (createTriggerWorker's `deployment`): build A runs,
 * its record runs are left sleeping (snoozing), build B starts and is made current; new runs go to
 * B, A's runs finish on A (pinned), and deploymentBuilds shows A's open runs until they close.
 * A scheduler tick, by contrast, upgrades: one waiting on A between retries of its query goes on
 * with B's code once B is current, and starts its runs on B.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineApp, snooze } from '../../src';
import { serveDashboard } from '../../src/dashboard';
import { deploymentBuilds, setCurrentDeploymentVersion } from '../../src/operations/deployments';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let a: Engine | undefined;
let b: Engine | undefined;
const tag = uniqueName('ver');
const deployment = `ptt-${tag}`;
/** While set, the action snoozes (its run sleeps between short timers). */
let hold = true;
/** While set, the sweep trigger's record query fails (its scheduler waits between retries). */
let queryFails = true;
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    process: {
      where: { status: 'open', subject: { startsWith: tag } },
      schedulerCron: false,
      action: async (t: { id: number; subject: string }, { tx }) => {
        if (hold && t.subject.includes('sleepy')) snooze(0.2);
        await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
    sweep: {
      where: () => {
        if (queryFails) throw new Error('the record query is held failing by the test');
        return { status: 'open', subject: { startsWith: `${tag} sweep` } };
      },
      schedulerCron: false,
      maxSchedulerAttempts: 100,
      action: async (t: { id: number }, { tx }) => {
        await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });

async function makeCurrent(buildId: string): Promise<void> {
  // the server knows a build once its workers have polled
  await eventually(`build ${buildId} to become current`, async () => {
    try {
      await setCurrentDeploymentVersion(ctx.env.client, deployment, buildId);
      return true;
    } catch {
      return undefined;
    }
  });
}

/** The build a run is pinned to, from the server. */
async function buildOf(workflowId: string): Promise<string | undefined> {
  const d = await ctx.env.client.workflow.getHandle(workflowId).describe();
  const info = d.raw.workflowExecutionInfo?.versioningInfo;
  return info?.deploymentVersion?.buildId ?? undefined;
}

/** The builds that completed a run's workflow tasks, in order (repeats collapsed). */
async function buildsOfTasks(workflowId: string, runId?: string): Promise<string[]> {
  const history = await ctx.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const ids = (history.events ?? []).flatMap((e) => (e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes.deploymentVersion?.buildId ?? e.workflowTaskCompletedEventAttributes.workerVersion?.buildId ?? '?'] : []));
  return ids.filter((id, i) => id !== ids[i - 1]);
}

/** The versioning behavior the server holds for a run (1 pinned, 2 auto-upgrade). */
async function behaviorOf(workflowId: string): Promise<string> {
  const d = await ctx.env.client.workflow.getHandle(workflowId).describe();
  const b = d.raw.workflowExecutionInfo?.versioningInfo?.behavior;
  return b === 1 ? 'PINNED' : b === 2 ? 'AUTO_UPGRADE' : String(b);
}

before(async () => {
  ctx = await testContext('versioning');
});
after(async () => {
  hold = false;
  await b?.stop();
  await a?.stop();
  await ctx?.close();
});

test('build A\'s sleeping runs finish on A after build B becomes current; new runs start on B', async () => {
  a = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false, deployment: { name: deployment, buildId: 'a' } });
  await makeCurrent('a');
  const sleepy = await ctx.prisma.ticket.createManyAndReturn({ data: [`${tag} sleepy 1`, `${tag} sleepy 2`].map((subject) => ({ subject })) });
  const started = await Promise.all(sleepy.map((t) => a!.triggers.runTrigger(t, 'Ticket.process')));
  await eventually('both runs to be snoozing on A', async () => ((await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerOutcome = 'snoozed'`)).count === 2 ? true : undefined));

  b = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false, deployment: { name: deployment, buildId: 'b' } });
  await makeCurrent('b');
  const fresh = await ctx.prisma.ticket.create({ data: { subject: `${tag} fresh` } });
  const freshRun = await b.triggers.runTrigger(fresh, 'Ticket.process');
  await eventually('the new run to close', async () => ((await ctx.env.client.workflow.getHandle(freshRun.workflowId).describe()).status.name === 'COMPLETED' ? true : undefined));
  assert.equal(await buildOf(freshRun.workflowId), 'b', 'a run started after B became current runs on B');

  assert.equal(await behaviorOf(freshRun.workflowId), 'PINNED');

  const builds = await deploymentBuilds(ctx.env.client, app, deployment);
  const byId = new Map(builds.map((x) => [x.buildId, x]));
  assert.equal(byId.get('b')?.current, true);
  assert.equal(byId.get('a')?.current, false);
  assert.equal(byId.get('a')?.openRuns, 2, "A's two sleeping runs are still open on A");
  // the dashboard shows the same
  const dash = await serveDashboard({ client: ctx.env.client, app, port: 0, deployment });
  try {
    const shown = (await (await fetch(`${dash.url}api/builds`)).json()) as { builds: { buildId: string; openRuns: number; current: boolean }[] };
    assert.deepEqual(shown.builds.map((x) => [x.buildId, x.current, x.openRuns]).sort(), [['a', false, 2], ['b', true, 0]]);
  } finally {
    await dash.close();
  }

  hold = false;
  for (const r of started) {
    await eventually(`${r.workflowId} to close`, async () => ((await ctx.env.client.workflow.getHandle(r.workflowId).describe()).status.name === 'COMPLETED' ? true : undefined));
    assert.equal(await buildOf(r.workflowId), 'a', 'a pinned run finishes on the build that started it');
    assert.deepEqual(await buildsOfTasks(r.workflowId), ['a'], 'every workflow task of the run was completed by build A');
  }
  const after = new Map((await deploymentBuilds(ctx.env.client, app, deployment)).map((x) => [x.buildId, x]));
  assert.equal(after.get('a')?.openRuns, 0, 'A has no open run left: its workers may stop');
});

test("a scheduler tick waiting on A between retries of its query goes on with B's code once B is current, and starts its runs on B", async () => {
  assert.ok(a && b, 'the first test started both builds');
  await makeCurrent('a'); // a rollback: new runs start on A again
  const swept = await ctx.prisma.ticket.create({ data: { subject: `${tag} sweep 1` } });
  const scheduler = await a.triggers.schedule('Ticket.sweep');
  // gate: the tick has run a workflow task on A and sleeps before retrying its failing query
  await eventually('the tick to wait between query retries on A', async () => {
    const history = await scheduler.fetchHistory();
    return history.events?.some((e) => e.timerStartedEventAttributes) ? true : undefined;
  });
  assert.equal(await behaviorOf(scheduler.workflowId), 'AUTO_UPGRADE');
  await makeCurrent('b');
  queryFails = false;
  const result = (await scheduler.result()) as { started: number };
  assert.equal(result.started, 1, 'the tick started a run for the swept record');
  const tasks = await buildsOfTasks(scheduler.workflowId);
  assert.equal(tasks[0], 'a', 'the tick began on A');
  assert.equal(tasks.at(-1), 'b', `the tick went on with B's code (task builds: ${tasks.join(' -> ')})`);
  const query = `TriggerOwner = '${tag}' AND TriggerName = 'Ticket.sweep' AND TriggerKind = 'record'`;
  const runs = await eventually('the swept run to be visible', async () => {
    const found: { workflowId: string }[] = [];
    for await (const run of ctx.env.client.workflow.list({ query })) found.push(run);
    return found.length === 1 ? found : undefined;
  });
  for (const run of runs) {
    await eventually(`${run.workflowId} to close`, async () => ((await ctx.env.client.workflow.getHandle(run.workflowId).describe()).status.name === 'COMPLETED' ? true : undefined));
    assert.equal(await buildOf(run.workflowId), 'b', 'the run the upgraded tick started is on B');
    assert.equal(await behaviorOf(run.workflowId), 'PINNED');
  }
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: swept.id } })).status, 'processed');
});
