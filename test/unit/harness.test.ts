/**
 * The harness behind `npm test` (test/harness/run-files.ts), run on fixture files: a file that
 * never ends is killed at its deadline with its whole process tree and reported failed by name,
 * a file that leaves a process behind fails, and passing and failing files are counted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseSummary, perTestTimeoutMs, runTestFiles, type FileResult } from '../harness/run-files';

const root = path.resolve(__dirname, '../..');
const fixture = (name: string): string => path.join(root, 'test/harness/fixtures', `${name}.fixture.ts`);

/** True while `pid` runs (a zombie, killed but not yet reaped, counts as dead). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

async function run(files: string[], deadlineMs: (file: string) => number, pidFile?: string): Promise<{ results: Map<string, FileResult>; log: string[] }> {
  const log: string[] = [];
  const { done } = runTestFiles({
    files,
    concurrency: 2,
    deadlineMs,
    cwd: root,
    env: { ...process.env, ...(pidFile ? { PTT_FIXTURE_PID_FILE: pidFile } : {}) },
    log: (l) => log.push(l),
    killGraceMs: 1000,
    leakGraceMs: 1500,
  });
  const results = await done;
  return { results: new Map(results.map((r) => [path.basename(r.file), r])), log };
}

test('a file that never ends is killed at its deadline, with every process it started, and reported failed by name', async () => {
  const pidFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-harness-')), 'pid');
  const started = Date.now();
  const { results, log } = await run([fixture('hangs'), fixture('passes')], (f) => (f.includes('hangs') ? 6000 : 60_000), pidFile);
  const hang = results.get('hangs.fixture.ts')!;
  assert.equal(hang.timedOut, true);
  assert.ok(hang.failed >= 1);
  assert.match(hang.problems.join('\n'), /test\/harness\/fixtures\/hangs\.fixture\.ts did not end within its deadline of 6 s/);
  assert.ok(log.some((l) => /hangs\.fixture\.ts: still running at its deadline of 6 s/.test(l)));
  const grandchild = Number(fs.readFileSync(pidFile, 'utf8'));
  assert.equal(alive(grandchild), false, 'the detached child of the hanging file was killed too');
  assert.ok(Date.now() - started < 60_000, 'the run ended soon after the deadline');
  const ok = results.get('passes.fixture.ts')!;
  assert.deepEqual([ok.passed, ok.failed, ok.problems], [2, 0, []], 'the other file ran normally beside it');
});

test('a file that leaves a process behind fails, naming the process; failing tests are counted', async () => {
  const pidFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-harness-')), 'pid');
  const { results } = await run([fixture('leaks'), fixture('fails')], () => 60_000, pidFile);
  const leak = results.get('leaks.fixture.ts')!;
  assert.equal(leak.failed, 1);
  assert.equal(leak.leaked.length, 1);
  assert.match(leak.problems.join('\n'), /left 1 process\(es\) running after it ended: \d+ sleep 600/);
  assert.equal(alive(Number(fs.readFileSync(pidFile, 'utf8'))), false, 'the leaked process was killed');
  const fails = results.get('fails.fixture.ts')!;
  assert.deepEqual([fails.passed, fails.failed, fails.timedOut], [1, 1, false]);
});

test("node's summary lines are read; the per-test timeout stays under the file's deadline", () => {
  assert.deepEqual(parseSummary('ℹ tests 3\nℹ pass 2\nℹ fail 1\nℹ cancelled 1\n'), { passed: 2, failed: 2, found: true });
  assert.deepEqual(parseSummary('no summary'), { passed: 0, failed: 0, found: false });
  assert.ok(perTestTimeoutMs(600_000) < 600_000);
  assert.ok(perTestTimeoutMs(6000) < 6000);
});

test('.ci/run steps: one past its limit is stopped with everything it started (detached too) and exits 124 naming the step', () => {
  const pidFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-harness-')), 'pid');
  const script = path.join(root, 'scripts/with-deadline.cjs');
  const over = spawnSync(process.execPath, [script, '2', 'slow step', '--', 'bash', '-c', `setsid sleep 300 & echo $! > ${pidFile}; sleep 300`], { encoding: 'utf8' });
  assert.equal(over.status, 124);
  assert.match(over.stderr, /step "slow step" is still running at its limit of 2 s/);
  assert.equal(alive(Number(fs.readFileSync(pidFile, 'utf8'))), false, 'the detached sleep was killed');
  const ok = spawnSync(process.execPath, [script, '60', 'quick step', '--', 'bash', '-c', 'exit 3'], { encoding: 'utf8' });
  assert.equal(ok.status, 3, 'a step within its limit keeps its own exit code');
});

test('a file that prints a planted secret fails, naming the leak', async () => {
  const log: string[] = [];
  const { done } = runTestFiles({
    files: [fixture('prints-secret'), fixture('passes')],
    concurrency: 2,
    deadlineMs: () => 60_000,
    cwd: root,
    env: { ...process.env, PTT_FIXTURE_SECRET: 'pttPlantedFixture42' },
    log: (l) => log.push(l),
    forbidden: ['pttPlantedFixture42'],
  });
  const results = new Map((await done).map((r) => [path.basename(r.file), r]));
  const leak = results.get('prints-secret.fixture.ts')!;
  assert.equal(leak.failed, 1);
  assert.match(leak.problems.join('\n'), /printed a planted secret .* 1 time\(s\)/);
  assert.deepEqual([results.get('passes.fixture.ts')!.failed, results.get('passes.fixture.ts')!.problems], [0, []]);
});
