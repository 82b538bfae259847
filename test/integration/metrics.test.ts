/**
 * Metrics: with `installTelemetry({ prometheus })` the SDK's metrics and this library's own
 * (`ptt_record_runs` by trigger, kind and outcome; `ptt_scheduler_ticks`; `ptt_runs_started` /
 * `ptt_runs_skipped`) are served for Prometheus, and they count what actually ran.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, defineApp, installTelemetry } from '../../src';
import { freePortBlock } from '../../src/devstack/ports';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

const tag = uniqueName('metrics');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    process: { where: { subject: { startsWith: tag }, status: 'open' }, schedulerCron: false, action: { update: { status: 'processed' } } },
    refuse: {
      where: { subject: { startsWith: `${tag}-bad` } },
      schedulerCron: false,
      maxAttempts: 1,
      action: () => {
        throw new Error('refused');
      },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });
let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
let url: string;

before(async () => {
  const port = await freePortBlock([0]);
  installTelemetry({ prometheus: `127.0.0.1:${port}`, globalTags: { service: 'metrics-test' } });
  url = `http://127.0.0.1:${port}/metrics`;
  ctx = await testContext('metrics');
  engine = await startEngine(ctx.env, app, ctx.prisma);
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

/** The value of the first series of `name` whose labels include every one given. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

test('installTelemetry refuses a malformed address and a second install, naming the fix', () => {
  assert.throws(() => installTelemetry({ prometheus: 'localhost' }), (e: unknown) => e instanceof ConfigError && /host:port/.test(e.message));
  assert.throws(() => installTelemetry({ prometheus: '127.0.0.1:1' }), (e: unknown) => e instanceof ConfigError && /once, before any connection/.test(e.message));
});

test('the library\'s counters and the SDK\'s metrics are served for Prometheus and count what ran', async () => {
  await ctx.prisma.ticket.createMany({ data: [1, 2, 3].map((i) => ({ subject: `${tag}-${i}` })) });
  await ctx.prisma.ticket.create({ data: { subject: `${tag}-bad-1` } });
  const ok = await engine.triggers.scheduleAndRunTriggers(app.trigger('Ticket.process'), { drain: true });
  assert.equal(ok.byKind.record.success, 4, 'the bad ticket matches process too');
  const bad = await engine.triggers.scheduleAndRunTriggers(app.trigger('Ticket.refuse'), { drain: true });
  assert.equal(bad.byKind.record.failure, 1);
  const processId = app.trigger('Ticket.process').id;
  const refuse = app.trigger('Ticket.refuse').id;
  const text = await eventually('the counters to be served', async () => {
    const body = await (await fetch(url)).text();
    return sample(body, 'ptt_record_runs', { trigger: processId, outcome: 'success' }) === 4 && sample(body, 'ptt_record_runs', { trigger: refuse, outcome: 'failure' }) === 1 ? body : undefined;
  });
  assert.equal(sample(text, 'ptt_record_runs', { trigger: processId, kind: 'record', outcome: 'success', service: 'metrics-test' }), 4);
  assert.equal(sample(text, 'ptt_scheduler_ticks', { trigger: processId }), 1);
  assert.equal(sample(text, 'ptt_runs_started', { trigger: processId }), 4);
  assert.equal(sample(text, 'ptt_runs_started', { trigger: refuse }), 1);
  assert.ok(/^temporal_workflow_completed\{/m.test(text), 'the SDK\'s own metrics are there too');
});
