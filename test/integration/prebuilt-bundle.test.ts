/**
 * A prebuilt workflow bundle (`npm run cli -- bundle`): a worker started from it processes a
 * record without running webpack at boot; one built for other definitions is refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, createTriggerWorker, type RecordRunResult } from '../../src';
import { makeApp } from '../fixtures/bundle-app';
import { startEngine, testContext, uniqueName } from '../helpers/engine';

const root = path.resolve(__dirname, '../..');
let ctx: Awaited<ReturnType<typeof testContext>>;
const tag = uniqueName('pre');
const app = makeApp(tag);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-prebuilt-'));
const bundleFile = path.join(dir, 'workflow-bundle.js');

before(async () => {
  ctx = await testContext('prebuilt');
});
after(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the bundle command writes a bundle; a worker started from it processes a record', async () => {
  const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'bundle', 'test/fixtures/bundle-app.ts', '--out', bundleFile], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PTT_FIXTURE_TAG: tag },
  });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, /wrote .*workflow-bundle\.js \(\d+ KiB, ptt-bundle:0\.1\.0:[0-9a-f]{16}\)/);

  const engine = await startEngine(ctx.env, app, ctx.prisma, { registerSchedules: false, workflowBundle: { codePath: bundleFile } });
  try {
    const t = await ctx.prisma.ticket.create({ data: { subject: 'prebuilt one' } });
    const result = (await (await engine.triggers.runTrigger(t, 'Ticket.process')).result()) as RecordRunResult;
    assert.equal(result.outcome, 'success');
    assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: t.id } })).status, 'processed');
  } finally {
    await engine.stop();
  }
});

test('a prebuilt bundle for other definitions, or not a bundle at all, is refused with the fix', async () => {
  const other = makeApp(uniqueName('other'));
  const boot = (workflowBundle: { codePath: string } | { code: string }) =>
    createTriggerWorker({ connection: ctx.env.nativeConnection, client: ctx.env.client, app: other, prisma: ctx.prisma, registerSchedules: false, warn: () => {}, workflowBundle });
  await assert.rejects(boot({ codePath: bundleFile }), (e: unknown) => e instanceof ConfigError && /built for other definitions/.test(e.message) && /npx prisma-temporal-triggers bundle/.test(e.message));
  await assert.rejects(boot({ code: 'module.exports = {}' }), (e: unknown) => e instanceof ConfigError && /not a workflow bundle written by this library/.test(e.message));
  await assert.rejects(boot({ codePath: path.join(dir, 'missing.js') }), (e: unknown) => e instanceof ConfigError && /cannot be read/.test(e.message));
});
