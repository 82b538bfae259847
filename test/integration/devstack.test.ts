import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DevStackError } from '../../src/errors';
import { freePortBlock, isPortFree } from '../../src/devstack/ports';
import { ensureTemporalBinaries, findTemporalBinaries } from '../../src/devstack/temporal-binaries';
import { startTemporalStack } from '../../src/devstack/temporal-server';
import { testEnv } from '../helpers/env';
import { eventually } from '../helpers/eventually';

const STACK_OFFSETS = [0, 1, 2, 6, 10, -300, -299, -298, -294];

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-stack-'));
}

/** Processes whose command line mentions `needle` (our config files carry the port in their name). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}


test('a taken frontend port gives PORT_IN_USE naming the port and the ways out', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    await assert.rejects(startTemporalStack({ port, ui: false, dataDir: tmpDir() }), (err: unknown) => {
      assert.ok(err instanceof DevStackError);
      assert.equal(err.code, 'PORT_IN_USE');
      assert.match(err.message, new RegExp(`Port ${port}`));
      assert.match(err.message, /TEMPORAL_PORT/);
      assert.match(err.message, /TEMPORAL_REUSE_EXISTING/);
      return true;
    });
  } finally {
    blocker.close();
  }
});

test('reuseExisting uses a healthy Temporal already listening on the port', async () => {
  const port = Number(testEnv.temporalAddress.split(':')[1]);
  const stack = await startTemporalStack({ port, ui: false, reuseExisting: true, dataDir: tmpDir() });
  assert.equal(stack.mode, 'existing');
  assert.equal(stack.address, `127.0.0.1:${port}`);
  await stack.stop(); // must not stop the shared server
  assert.equal(await isPortFree(port), false);
});

test('no temporal CLI and no Go gives TEMPORAL_UNAVAILABLE naming the three ways out', async () => {
  await assert.rejects(ensureTemporalBinaries({ pathEnv: '/nonexistent', toolsDir: tmpDir(), ignoreCli: false }), (err: unknown) => {
    assert.ok(err instanceof DevStackError);
    assert.equal(err.code, 'TEMPORAL_UNAVAILABLE');
    assert.match(err.message, /Temporal CLI/);
    assert.match(err.message, /install Go/);
    assert.match(err.message, /docker compose up/);
    return true;
  });
});

test('a temporal CLI on PATH is preferred over building the stock server', () => {
  const dir = tmpDir();
  const cli = path.join(dir, 'temporal');
  fs.writeFileSync(cli, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  assert.deepEqual(findTemporalBinaries({ pathEnv: dir, toolsDir: tmpDir() }), { kind: 'cli', cli });
  assert.equal(findTemporalBinaries({ pathEnv: dir, toolsDir: tmpDir(), ignoreCli: true }), undefined);
});

for (const [how, signal] of [
  ['Ctrl-C (SIGINT)', 'SIGINT'],
  ['a crash of the parent (SIGKILL)', 'SIGKILL'],
] as const) {
  test(`no orphan Temporal processes after ${how}`, async () => {
    const port = await freePortBlock(STACK_OFFSETS);
    const dataDir = tmpDir();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../fixtures/stack-child.ts'), String(port), dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    await eventually('the child stack to start', () => out.includes('READY'));
    const needle = `temporal-${port}.yaml`;
    assert.ok(processesMentioning(needle).length > 0, 'the server runs');
    child.kill(signal);
    const gone = await eventually('the orphaned server and UI to exit', () => processesMentioning(needle).length === 0);
    assert.ok(gone, `left running: ${processesMentioning(needle).join(', ')}`);
    await eventually('the frontend port to be free again', () => isPortFree(port));
  });
}
