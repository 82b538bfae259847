/**
 * Runs test files, each in its own process group under a hard deadline, a few at a time.
 *
 * - A file that runs past its deadline has its whole process group killed (SIGTERM, then SIGKILL
 *   after a short grace) and is reported failed, naming the file and the deadline.
 * - Every process a file started is found afterwards by an environment token it inherits (detached
 *   helpers included): any still alive once the file has ended is a leak, killed and reported as a
 *   failure of that file.
 * - Results are summed from node's own test-runner summary lines (`ℹ pass N`, `ℹ fail N`,
 *   `ℹ cancelled N`).
 *
 * No Temporal, no database: test/run.ts wraps this with the services; test/unit/harness.test.ts
 * runs it on files that pass, fail and never end.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  durationMs: number;
  /** The file ran past its deadline and was killed. */
  timedOut: boolean;
  deadlineMs: number;
  /** Processes the file left running after it ended (`pid command`), killed by the harness. */
  leaked: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** Why the file counts as failed, when it does. */
  problems: string[];
}

export interface RunFilesOptions {
  files: string[];
  /** Files run at once. */
  concurrency: number;
  /** Hard deadline of one file, in ms. */
  deadlineMs: (file: string) => number;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Progress lines (file started, finished, still running). */
  log: (line: string) => void;
  /** Called with each file's result as soon as it is known (print its output here). */
  onFileDone?: (result: FileResult) => void;
  /** Grace between SIGTERM and SIGKILL when a deadline passes. Default 5 s. */
  killGraceMs?: number;
  /** How long processes of an ended file may take to exit before they count as leaked. Default 5 s. */
  leakGraceMs?: number;
  /** Every this many ms, log the files still running. Default 60 s. */
  progressEveryMs?: number;
  /** Strings no file may print (planted secrets): a file whose output holds one fails. */
  forbidden?: string[];
}

export const TOKEN_VAR = 'PTT_TEST_FILE_TOKEN';

/** Node's per-test timeout for a file: a little under its deadline, so node names the test first. */
export function perTestTimeoutMs(deadlineMs: number): number {
  return Math.max(1000, deadlineMs - Math.min(60_000, Math.round(deadlineMs / 10)));
}

/** Counts from node's test-runner summary (`ℹ pass 3`, `ℹ fail 1`, `ℹ cancelled 1`). */
export function parseSummary(output: string): { passed: number; failed: number; found: boolean } {
  let passed = 0;
  let failed = 0;
  let found = false;
  for (const line of output.split('\n')) {
    const m = /^ℹ (pass|fail|cancelled) (\d+)\s*$/.exec(line.trim());
    if (!m) continue;
    found = true;
    if (m[1] === 'pass') passed = Number(m[2]);
    else failed += Number(m[2]);
  }
  return { passed, failed, found };
}

/** Live processes whose environment carries `token` (every descendant of a file, detached or not). */
export function processesWithToken(token: string): { pid: number; command: string }[] {
  const needle = `${TOKEN_VAR}=${token}`;
  const out: { pid: number; command: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (!environ.split('\0').includes(needle)) continue;
      const command = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim();
      // A zombie has an empty command line: it is already dead, its parent just has not reaped it.
      if (command) out.push({ pid: Number(entry), command });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

function killTree(groupLeader: number | undefined, token: string, signal: NodeJS.Signals): void {
  if (groupLeader !== undefined) {
    try {
      process.kill(-groupLeader, signal);
    } catch {
      /* group already gone */
    }
  }
  for (const p of processesWithToken(token)) {
    try {
      process.kill(p.pid, signal);
    } catch {
      /* gone */
    }
  }
}

/** The file's environment: the token, and none of the variables by which an outer node test runner talks to its children. */
function childEnv(env: NodeJS.ProcessEnv, token: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, [TOKEN_VAR]: token };
  delete out.NODE_TEST_CONTEXT;
  return out;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs one file; resolves when it and everything it started are gone. */
function runOne(file: string, opts: RunFilesOptions, register: (abort: () => void) => () => void): Promise<FileResult> {
  const deadlineMs = opts.deadlineMs(file);
  const token = randomUUID();
  const started = Date.now();
  const rel = path.relative(opts.cwd, file);
  const chunks: Buffer[] = [];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${perTestTimeoutMs(deadlineMs)}`, file],
    { cwd: opts.cwd, env: childEnv(opts.env, token), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (b: Buffer) => chunks.push(b));
  child.stderr.on('data', (b: Buffer) => chunks.push(b));
  let timedOut = false;
  let aborted = false;
  const kill = (): void => {
    killTree(child.pid, token, 'SIGTERM');
    setTimeout(() => killTree(child.pid, token, 'SIGKILL'), opts.killGraceMs ?? 5000).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    opts.log(`${rel}: still running at its deadline of ${Math.round(deadlineMs / 1000)} s: killing its process group`);
    kill();
  }, deadlineMs);
  const unregister = register(() => {
    aborted = true;
    kill();
  });
  return new Promise<FileResult>((resolve) => {
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      void (async () => {
        // Helpers may take a moment to notice their parent died (the dev stack's watchdog polls each second).
        const leakDeadline = Date.now() + (opts.leakGraceMs ?? 5000);
        let left = processesWithToken(token);
        while (left.length && Date.now() < leakDeadline) {
          await delay(200);
          left = processesWithToken(token);
        }
        if (left.length) {
          killTree(undefined, token, 'SIGKILL');
          for (let i = 0; i < 25 && processesWithToken(token).length; i++) await delay(200);
        }
        unregister();
        const output = Buffer.concat(chunks).toString('utf8');
        const summary = parseSummary(output);
        const problems: string[] = [];
        if (timedOut) problems.push(`${rel} did not end within its deadline of ${Math.round(deadlineMs / 1000)} s; its process group was killed`);
        if (aborted) problems.push(`${rel} was stopped because the test run was interrupted`);
        if (left.length) problems.push(`${rel} left ${left.length} process(es) running after it ended: ${left.map((p) => `${p.pid} ${p.command.slice(0, 120)}`).join('; ')}`);
        if (!timedOut && !aborted && exitCode !== 0 && summary.failed === 0) problems.push(`${rel} exited with ${signal ?? `code ${exitCode}`} without a failing test`);
        if (!timedOut && !aborted && !summary.found) problems.push(`${rel} printed no test summary`);
        for (const secret of opts.forbidden ?? []) {
          if (output.includes(secret)) problems.push(`${rel} printed a planted secret (a password from a database URL) ${output.split(secret).length - 1} time(s): some error or log line does not redact it`);
        }
        // A killed file: its finished tests are not summarised by node, so the file counts as one failure.
        const failed = summary.failed + (problems.length && summary.failed === 0 ? 1 : 0);
        resolve({
          file: rel,
          passed: timedOut || aborted ? 0 : summary.passed,
          failed,
          durationMs: Date.now() - started,
          timedOut,
          deadlineMs,
          leaked: left.map((p) => `${p.pid} ${p.command}`),
          exitCode,
          signal,
          output,
          problems,
        });
      })();
    });
  });
}

/**
 * Runs the files, `concurrency` at a time. `abort()` kills every running file (and starts no new
 * one); `done` still resolves with a result for every file started.
 */
export function runTestFiles(opts: RunFilesOptions): { done: Promise<FileResult[]>; abort: () => void } {
  const queue = [...opts.files];
  const results: FileResult[] = [];
  const running = new Map<string, { started: number; abort: () => void }>();
  let stopped = false;
  const progress = setInterval(() => {
    if (running.size) opts.log(`still running: ${[...running].map(([f, r]) => `${path.relative(opts.cwd, f)} (${Math.round((Date.now() - r.started) / 1000)} s)`).join(', ')}`);
  }, opts.progressEveryMs ?? 60_000);
  progress.unref();
  const lane = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined && !stopped; file = queue.shift()) {
      const f = file;
      opts.log(`start ${path.relative(opts.cwd, f)}`);
      const result = await runOne(f, opts, (abort) => {
        running.set(f, { started: Date.now(), abort });
        return () => running.delete(f);
      });
      results.push(result);
      opts.log(
        `${result.failed ? 'FAIL' : 'ok  '} ${result.file}: ${result.passed} passed, ${result.failed} failed in ${(result.durationMs / 1000).toFixed(1)} s` +
          (result.problems.length ? `\n  ${result.problems.join('\n  ')}` : ''),
      );
      opts.onFileDone?.(result);
    }
  };
  const done = Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, lane)).then(() => {
    clearInterval(progress);
    return results;
  });
  return {
    done,
    abort() {
      stopped = true;
      for (const r of running.values()) r.abort();
    },
  };
}
