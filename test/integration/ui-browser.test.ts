/**
 * The Temporal UI in a real browser (headless Chromium driven by playwright-core): filtered by
 * the library's search attributes it lists the trigger's runs, and a run's page shows them.
 * Chromium is Debian's (`.ci/run` installs it when missing; PTT_CHROMIUM points elsewhere).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { defineApp } from '../../src';
import { eventually } from '../helpers/eventually';
import { testEnv } from '../helpers/env';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
let browser: Browser | undefined;
const tag = uniqueName('ui');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: { process: { where: { subject: { startsWith: tag } }, schedulerCron: false, tags: ['ui-test'], action: { update: { status: 'processed' } } } },
});
const app = defineApp({ name: tag, resources: [Ticket] });
const BACKSTOP = 120_000 * Number(process.env.PTT_TEST_TIME_SCALE ?? 1);

function chromiumPath(): string {
  const candidates = [process.env.PTT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no Chromium at ${candidates.join(', ')}: apt-get install chromium (.ci/run does), or set PTT_CHROMIUM`);
  return found;
}

before(async () => {
  ctx = await testContext('uibrowser');
  engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
after(async () => {
  await browser?.close();
  await engine?.stop();
  await ctx?.close();
});

test('the UI lists the trigger\'s runs filtered by TriggerName and shows their search attributes', async () => {
  await ctx.prisma.ticket.createMany({ data: [`${tag} one`, `${tag} two`].map((subject) => ({ subject })) });
  const r = await engine.triggers.scheduleAndRunTriggers('Ticket.process', { drain: true });
  assert.equal(r.byKind.record.success, 2);
  const query = `TriggerName = "Ticket.process" AND TriggerOwner = "${tag}" AND TriggerKind = "record"`;
  const ids = await eventually('visibility to list both runs', async () => {
    const found: string[] = [];
    for await (const wf of ctx.env.client.workflow.list({ query })) found.push(wf.workflowId);
    return found.length === 2 ? found.sort() : undefined;
  });

  const page = await browser!.newPage();
  page.setDefaultTimeout(BACKSTOP);
  await page.goto(`${testEnv.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
  for (const id of ids) await page.getByText(id, { exact: true }).first().waitFor();
  assert.match(await page.innerText('body'), /1–2\s+of 2/, 'exactly the two runs of this trigger');

  await page.goto(`${testEnv.uiUrl}/namespaces/default/workflows/${encodeURIComponent(ids[0]!)}`);
  await page.getByText('Search Attributes', { exact: true }).first().click();
  await page.getByText('"TriggerOutcome": "success"').first().waitFor();
  const body = await page.innerText('body');
  for (const expected of ['"TriggerName": "Ticket.process"', `"TriggerOwner": "${tag}"`, '"TriggerKind": "record"', '"TriggerResource": "Ticket"']) assert.ok(body.includes(expected), `the run's page shows ${expected}`);
  assert.match(body, /"TriggerTags": \[\s*"ui-test"\s*\]/);
  await page.close();
});
