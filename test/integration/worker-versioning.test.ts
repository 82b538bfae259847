/**
 * A rainbow deploy under Worker Versioning (createTriggerWorker's `deployment`): build A runs,
 * its record runs are left sleeping (snoozing), build B starts and is made current; new runs go to
 * B, A's runs finish on A (pinned), and deploymentBuilds shows A's open runs until they close.
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
    const history = await ctx.env.client.workflow.getHandle(r.workflowId).fetchHistory();
    const builtBy = new Set(history.events?.flatMap((e) => (e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes.deploymentVersion?.buildId ?? e.workflowTaskCompletedEventAttributes.workerVersion?.buildId ?? '?'] : [])));
    assert.deepEqual([...builtBy], ['a'], 'every workflow task of the run was completed by build A');
  }
  const after = new Map((await deploymentBuilds(ctx.env.client, app, deployment)).map((x) => [x.buildId, x]));
  assert.equal(after.get('a')?.openRuns, 0, 'A has no open run left: its workers may stop');
});
