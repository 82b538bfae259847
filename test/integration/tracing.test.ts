/**
 * OpenTelemetry tracing: one trace from the client's request for a tick, through the scheduler's
 * run and each record's run, to the attempt of the action, with trigger, record and outcome
 * attributes. Spans are exported in memory.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { ConfigError, createTriggerClient, createTriggerWorker, defineApp, writeWorkflowBundle } from '../../src';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

const exporter = new InMemorySpanExporter();
const spanProcessor = new SimpleSpanProcessor(exporter);
const provider = new BasicTracerProvider();
provider.addSpanProcessor(spanProcessor);
// spans nest through async calls (activities, client calls) with Node's AsyncLocalStorage
provider.register({ contextManager: new AsyncLocalStorageContextManager() });
const resource = new Resource({ 'service.name': 'ptt-tracing-test' });

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
const tag = uniqueName('otel');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: { process: { where: { subject: { startsWith: tag } }, schedulerCron: false, action: { update: { status: 'processed' } } } },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('tracing');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false, tracing: { spanProcessor, resource } });
});
let engineStopped = false;
after(async () => {
  if (!engineStopped) await engine?.stop();
  await ctx?.close();
  await provider.shutdown();
});

test('a trace runs from the tick request through each record run to the action, with trigger, record and outcome', async () => {
  const ticket = await ctx.prisma.ticket.create({ data: { subject: `${tag} traced` } });
  const client = new Client({ connection: ctx.env.connection, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
  const r = await createTriggerClient({ client, app }).scheduleAndRunTriggers('Ticket.process', { drain: true });
  assert.equal(r.byKind.record.success, 1);
  const attempt = await eventually('the action attempt span', async () => exporter.getFinishedSpans().find((s) => s.attributes['trigger.record'] === String(ticket.id) && s.name.startsWith('RunActivity')));
  assert.deepEqual([attempt.attributes['trigger.name'], attempt.attributes['trigger.outcome'], attempt.attributes['trigger.mode']], ['Ticket.process', 'success', 'action']);
  // walk up: RunActivity -> ... -> the record run -> ... -> the scheduler run -> ... -> the client's StartWorkflow
  const spans = exporter.getFinishedSpans();
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain: ReadableSpan[] = [];
  for (let s: ReadableSpan | undefined = attempt; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) chain.push(s);
  const names = chain.map((s) => s.name);
  assert.ok(chain.every((s) => s.spanContext().traceId === attempt.spanContext().traceId), 'one trace');
  assert.ok(names.some((n) => n === `RunWorkflow:${tag}.Ticket.process`), `the record run is an ancestor: ${names.join(' <- ')}`);
  assert.ok(names.some((n) => n === `RunWorkflow:${tag}.Ticket.process.scheduler`), `the scheduler run is an ancestor: ${names.join(' <- ')}`);
  assert.equal(names.at(-1), `StartWorkflow:${tag}.Ticket.process.scheduler`, `the trace starts at the client's request: ${names.join(' <- ')}`);
});

test('a prebuilt bundle carries the tracing interceptors when built with tracing, and must match the worker', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-traced-bundle-'));
  const traced = await writeWorkflowBundle(app, path.join(dir, 'traced.js'), { tracing: true });
  const plain = await writeWorkflowBundle(app, path.join(dir, 'plain.js'));
  assert.match(traced.marker, /:traced$/);
  assert.doesNotMatch(plain.marker, /:traced$/);
  const boot = (workflowBundle: { codePath: string }, withTracing: boolean) =>
    createTriggerWorker({ connection: ctx.env.nativeConnection, client: ctx.env.client, app, prisma: ctx.prisma, registerSchedules: false, warn: () => {}, workflowBundle, ...(withTracing ? { tracing: { spanProcessor, resource } } : {}) });
  await assert.rejects(boot({ codePath: plain.file }, true), (e: unknown) => e instanceof ConfigError && /--tracing/.test(e.message));
  await assert.rejects(boot({ codePath: traced.file }, false), (e: unknown) => e instanceof ConfigError && /built with the tracing interceptors/.test(e.message));

  // the worker built at boot stops; one on the prebuilt traced bundle takes over and still exports workflow spans
  await engine.stop();
  engineStopped = true;
  const prebuilt = await boot({ codePath: traced.file }, true);
  const ticket = await ctx.prisma.ticket.create({ data: { subject: `${tag} prebuilt` } });
  await prebuilt.runUntil(async () => {
    const handle = await createTriggerClient({ client: ctx.env.client, app }).runTrigger(ticket, 'Ticket.process');
    await handle.result();
  });
  const run = await eventually('the record run span from the prebuilt bundle', async () =>
    exporter.getFinishedSpans().find((s) => s.name === `RunWorkflow:${tag}.Ticket.process` && exporter.getFinishedSpans().some((a) => a.attributes['trigger.record'] === String(ticket.id) && a.spanContext().traceId === s.spanContext().traceId)),
  );
  assert.ok(run, 'workflow spans come from the interceptors bundled in');
});
