/**
 * verify-upgrade against the real server: runs left sleeping (snoozed for an hour) replay against
 * the same code, and a bundle whose workflows issue one command more (a timer first) is refused
 * naming every open run, from the library call and from the command line (exit code 1).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { verifyUpgrade } from '../../src/operations/verify-upgrade';
import { workflowBundleFor } from '../../src/worker/bundle';
import { eventually } from '../helpers/eventually';
import { startEngine, testContext, uniqueName, type Engine } from '../helpers/engine';
import type * as UpgradeApp from '../fixtures/upgrade-app';

const exec = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const tag = uniqueName('upg');
let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
let mod: typeof UpgradeApp;

before(async () => {
  ctx = await testContext('upgrade');
  process.env.UPGRADE_TAG = tag;
  mod = await import('../fixtures/upgrade-app');
  engine = await startEngine(ctx.env, mod.app, ctx.prisma, { registerSchedules: false });
  await ctx.prisma.ticket.createMany({ data: [`${tag} a`, `${tag} b`].map((subject) => ({ subject })) });
  await (await engine.triggers.schedule('Ticket.nap')).result();
  await eventually('both runs to be snoozed', async () => ((await ctx.env.client.workflow.count(`TriggerOwner = '${tag}' AND TriggerOutcome = 'snoozed'`)).count === 2 ? true : undefined));
});
after(async () => {
  await engine?.stop();
  await ctx?.close();
});

test('the same code replays every open run', async () => {
  const r = await verifyUpgrade(ctx.env.client, mod.app);
  assert.deepEqual(r.divergences, []);
  assert.equal(r.total, 2);
  assert.deepEqual(Object.values(r.replayed), [2]);
});

test('code that issues another command is refused, naming each open run and its first divergence', async () => {
  const diverging = await workflowBundleFor(mod.app, [path.join(root, 'test/fixtures/diverging-interceptor.ts')]);
  const r = await verifyUpgrade(ctx.env.client, mod.app, { workflowBundle: diverging });
  assert.equal(r.divergences.length, 2);
  for (const d of r.divergences) {
    assert.match(d.workflowId, new RegExp(tag));
    assert.match(d.error, /Nondeterminism|DeterminismViolation/i);
  }
  const limited = await verifyUpgrade(ctx.env.client, mod.app, { workflowBundle: diverging, limit: 1 });
  assert.equal(limited.total, 1);
  assert.equal(limited.truncated, true);
});

test('the command: exit 0 and the count when the new code replays, exit 1 naming the runs when the bundle to deploy does not', async () => {
  const env = { ...process.env, UPGRADE_TAG: tag, TEMPORAL_ADDRESS: ctx.env.connection.options.address };
  const ok = await exec(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'verify-upgrade', path.join(root, 'test/fixtures/upgrade-app.ts'), '--json'], { cwd: root, env });
  const r = JSON.parse(ok.stdout) as { total: number; divergences: unknown[] };
  assert.equal(r.total, 2);
  assert.deepEqual(r.divergences, []);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-upgrade-')), 'bundle.js');
  fs.writeFileSync(file, (await workflowBundleFor(mod.app, [path.join(root, 'test/fixtures/diverging-interceptor.ts')])).code);
  const diverges = await exec(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'verify-upgrade', path.join(root, 'test/fixtures/upgrade-app.ts'), '--bundle', file], { cwd: root, env }).catch((e: { code: number; stdout: string }) => e);
  assert.equal((diverges as { code: number }).code, 1);
  assert.equal(((diverges as { stdout: string }).stdout.match(/^DIVERGES /gm) ?? []).length, 2, (diverges as { stdout: string }).stdout);
  assert.match((diverges as { stdout: string }).stdout, /2 open run\(s\) would fail on the new code/);
  const bad = await exec(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'verify-upgrade', path.join(root, 'test/fixtures/upgrade-app.ts'), '--limit', 'zero'], { cwd: root, env }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((bad as { code: number }).code, 1);
  assert.match((bad as { stderr: string }).stderr, /--limit must be a positive whole number/);
});
