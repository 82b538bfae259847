/**
 * The trigger dashboard against the real server and database, in a real browser (Debian's
 * Chromium driven by playwright-core): the overview of a failing trigger, an admin pausing it and
 * retrying its failed run in batch from the page, a read-only viewer refused the same (and the
 * refusal logged), payloads hidden from the viewer when the client decodes them, and the handler
 * mounted under a path in a plain node:http server. `PTT_SCREENSHOTS=<dir>` saves the pages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@temporalio/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { defineApp } from '../../src';
import { createDashboard, serveDashboard, type ActionLogEntry, type ServedDashboard } from '../../src/dashboard';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
let browser: Browser | undefined;
let admin: ServedDashboard;
let viewer: ServedDashboard;
const logged: ActionLogEntry[] = [];
const tag = uniqueName('dash');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    process: {
      where: { status: 'open', subject: { startsWith: tag } },
      schedulerCron: '0 0 1 1 *', // once a year: the test's ticks are its own
      maxAttempts: 1,
      tags: ['dashboard-test'],
      action: async (t: { id: number; subject: string }, { tx }) => {
        if (t.subject.includes('broken')) throw new Error(`cannot process ${t.subject}`);
        await tx.ticket.update({ where: { id: t.id }, data: { status: 'processed' } });
      },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });
const BACKSTOP = 120_000 * Number(process.env.PTT_TEST_TIME_SCALE ?? 1);
const shots = process.env.PTT_SCREENSHOTS;

function chromiumPath(): string {
  const candidates = [process.env.PTT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no Chromium at ${candidates.join(', ')}: apt-get install chromium (.ci/run does), or set PTT_CHROMIUM`);
  return found;
}

async function open(d: ServedDashboard, hash = ''): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 800 } });
  page.setDefaultTimeout(BACKSTOP);
  await page.goto(`${d.url}${hash}`);
  return page;
}

/** Whether the trigger's Schedule is paused (undefined: no Schedule). */
async function schedulePaused(): Promise<boolean | undefined> {
  for await (const s of ctx.env.client.schedule.list()) if (s.scheduleId.includes(tag)) return (await ctx.env.client.schedule.getHandle(s.scheduleId).describe()).state.paused;
  return undefined;
}

async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

before(async () => {
  ctx = await testContext('dashboard');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: true });
  await ctx.prisma.ticket.createMany({ data: [`${tag} a`, `${tag} b`, `${tag} broken`].map((subject) => ({ subject })) });
  const r = await engine.triggers.scheduleAndRunTriggers('Ticket.process', { drain: true });
  assert.equal(r.byKind.record.success, 2);
  assert.equal(r.byKind.record.failure, 1);
  const common = { client: ctx.env.client, app, prisma: ctx.prisma, port: 0, refreshMs: 500, temporalUiUrl: 'http://localhost:8233' };
  admin = await serveDashboard({ ...common, authorize: () => true, identify: () => 'on-call', onAction: (e) => void logged.push(e) });
  viewer = await serveDashboard({ ...common, identify: () => 'viewer', onAction: (e) => void logged.push(e) });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
after(async () => {
  await browser?.close();
  await admin?.close();
  await viewer?.close();
  await engine?.stop();
  await ctx?.close();
});

test('the overview shows the trigger: its Schedule, the last hour by outcome, and the last error', async () => {
  await eventually('visibility to list the three runs', async () => ((await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerKind = 'record' AND ExecutionStatus != 'Running'`)).count === 3 ? true : undefined));
  const page = await open(admin);
  const hour = page.getByTestId('hour-Ticket.process');
  await hour.getByText('success 2').waitFor();
  await hour.getByText('failure 1').waitFor();
  assert.equal(await page.getByTestId('state-Ticket.process').innerText(), 'active');
  const row = await page.getByTestId('row-Ticket.process').innerText();
  assert.match(row, /0 0 1 1 \*/, 'the cron');
  assert.match(row, /cannot process .* broken/, 'the last error, for a user who may see payloads');
  assert.match(row, /\b1\b/, 'one record still matching (the broken one)');
  await shot(page, 'dashboard-overview');
  await page.close();
});

test('a read-only viewer sees the page but every action is disabled, and asking anyway is refused and logged', async () => {
  const page = await open(viewer);
  await page.getByTestId('row-Ticket.process').waitFor();
  assert.ok(await page.getByTestId('pause').first().isDisabled(), 'pause is disabled');
  const refused = await page.evaluate(async () => {
    const r = await fetch('api/actions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'pause', target: 'Ticket.process' }) });
    return { status: r.status, body: (await r.json()) as { error: { code: string; message: string } } };
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'FORBIDDEN');
  assert.equal(await schedulePaused(), false, 'the Schedule is not paused');
  const entry = logged.find((e) => e.by === 'viewer' && e.action === 'pause');
  assert.equal(entry?.allowed, false, 'the refusal is in the action log');
  await page.goto(`${viewer.url}#/log`);
  await page.getByTestId('action-log').getByText('refused').first().waitFor();
  await page.close();
});

test('an admin pauses the trigger from the page (confirmed), and the page updates without reloading', async () => {
  const page = await open(admin);
  page.on('dialog', (d) => void d.accept());
  await page.getByTestId('row-Ticket.process').getByTestId('pause').click();
  await page.getByTestId('state-Ticket.process').getByText('paused').waitFor();
  assert.equal(await schedulePaused(), true, "the trigger's Schedule is paused");
  assert.ok(logged.some((e) => e.by === 'on-call' && e.action === 'pause' && e.allowed && e.result === 'paused'));
  await shot(page, 'dashboard-paused');
  // resumed through the same button, now labelled Resume
  await page.getByTestId('row-Ticket.process').getByTestId('resume').click();
  await page.getByTestId('state-Ticket.process').getByText('active').waitFor();
  await page.close();
});

test("an admin filters the trigger's runs by outcome, opens the failed run, and retries it in batch", async () => {
  const page = await open(admin, '#/t/Ticket.process?outcome=failure');
  page.on('dialog', (d) => void d.accept());
  await page.getByTestId('chart').waitFor();
  const rows = page.getByTestId('runs').getByTestId('run');
  await eventually('the filtered list to show only the failed run', async () => ((await rows.count()) === 1 ? true : undefined));
  assert.match(await rows.first().innerText(), /failure/);
  await shot(page, 'dashboard-trigger');
  await rows.first().getByTestId('select-run').check();
  await page.getByTestId('retry-selected').click();
  await page.getByText(/retry: 1 run\(s\)/).waitFor();
  await eventually('the retried run to close', async () => ((await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerKind = 'record' AND ExecutionStatus != 'Running'`)).count === 4 ? true : undefined));
  // the run's page: its record, attempts and error
  const failed = await eventually('a failed run', async () => {
    for await (const wf of ctx.env.client.workflow.list({ query: `TriggerOwner = '${tag}' AND TriggerOutcome = 'failure'` })) return wf.workflowId;
    return undefined;
  });
  await page.goto(`${admin.url}#/r/${encodeURIComponent(failed)}`);
  const detail = page.getByTestId('run-detail');
  await detail.getByText(/cannot process .* broken/).first().waitFor();
  assert.match(await detail.innerText(), /attempts started\s+1/);
  await shot(page, 'dashboard-run');
  await page.close();
});

test('with a decoding client, the viewer gets no decoded payload: run results and errors stay on the server', async () => {
  const decoding = new Client({ connection: ctx.env.client.connection, dataConverter: { payloadCodecs: [{ encode: async (p) => p, decode: async (p) => p }] } });
  const d = await serveDashboard({ client: decoding, app, port: 0 });
  try {
    const failed = await eventually('a failed run', async () => {
      for await (const wf of ctx.env.client.workflow.list({ query: `TriggerOwner = '${tag}' AND TriggerOutcome = 'failure'` })) return wf.workflowId;
      return undefined;
    });
    const run = (await (await fetch(`${d.url}api/runs/${encodeURIComponent(failed)}`)).json()) as { error?: string; result?: unknown; hidden?: string; recordId?: string };
    assert.equal(run.error, undefined);
    assert.equal(run.result, undefined);
    assert.match(run.hidden ?? '', /payloads/);
    assert.ok(run.recordId, 'what is not a payload is shown');
    const overview = (await (await fetch(`${d.url}api/definitions`)).json()) as { definitions: { lastError?: { message?: string } }[] };
    assert.doesNotMatch(JSON.stringify(overview), /cannot process/);
  } finally {
    await d.close();
  }
});

test('mounted under /triggers in a node:http server: the page redirects to its slash, the API answers, other paths fall through', async () => {
  const handler = createDashboard({ client: ctx.env.client, app, basePath: '/triggers' });
  const server = http.createServer((req, res) =>
    handler(req, res, () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('the app itself');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const redirect = await fetch(`${base}/triggers`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/triggers/');
    assert.match(await (await fetch(`${base}/triggers/`)).text(), /<title>Triggers<\/title>/);
    const defs = (await (await fetch(`${base}/triggers/api/definitions`)).json()) as { definitions: { id: string }[] };
    assert.deepEqual(defs.definitions.map((x) => x.id), ['Ticket.process']);
    assert.equal(await (await fetch(`${base}/elsewhere`)).text(), 'the app itself');
    const bad = await fetch(`${base}/triggers/api/actions`, { method: 'POST', body: '{"action":"explode"}' });
    assert.equal(bad.status, 400);
    const missing = await fetch(`${base}/triggers/api/definitions/Nope.nothing`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  } finally {
    handler.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('createDashboard names a bad option and the fix', () => {
  assert.throws(() => createDashboard({ client: ctx.env.client, app, basePath: '/triggers/' }), /createDashboard: basePath: basePath is a path like \/triggers/);
  assert.throws(() => createDashboard({ client: {} as Client, app }), /createDashboard: client: client must be a Temporal Client/);
});
