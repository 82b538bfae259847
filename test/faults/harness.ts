/**
 * What fault cases run on: a Temporal server and a database (given by the caller: the test
 * harness's, or `npm run faults`' own), worker processes to kill, and the figures every case
 * reports (records, faults injected, lost, duplicated commits, time to recover).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PrismaClient } from '../../example/prisma-client';
import { writeWorkflowBundle } from '../../src';
import { eventually } from '../helpers/eventually';
import { makeFaultApp, type FaultAppOptions } from './app';
import { workerAppName } from './proof';

export interface FaultEnv {
  env: TestWorkflowEnvironment;
  temporalAddress: string;
  databaseUrl: string;
  prisma: PrismaClient;
  log: (line: string) => void;
}

export interface Figures {
  case: string;
  records: number;
  faults: number;
  lost: number;
  duplicated: number;
  /** Chunk cases: committed records that their chunk runs did not report as success (must be 0). */
  misreported?: number;
  /** What showed the fault really happened (open transactions at the kill, a query in flight, ...). */
  proof: string;
  /** Seconds from the last fault to every record done. */
  recoverSeconds: number;
  note?: string;
}

export interface FaultCase {
  name: string;
  /** What the figures' note must say besides 0 lost, 0 duplicated and 0 misreported. */
  expectNote?: RegExp;
  /** What the proof must say (when it can tell the fault missed). */
  expectProof?: RegExp;
  run(f: FaultEnv): Promise<Figures>;
}

/** `lost`: records never committed; `duplicated`: records committed more than once (poison records left out). */
export async function tally(prisma: PrismaClient, tag: string): Promise<{ records: number; lost: number; duplicated: number }> {
  const where = { subject: { startsWith: `${tag} ` }, NOT: { subject: { endsWith: ' poison' } } };
  const [records, lost, duplicated] = await Promise.all([
    prisma.ticket.count({ where }),
    prisma.ticket.count({ where: { ...where, attempts: 0 } }),
    prisma.ticket.count({ where: { ...where, attempts: { gt: 1 } } }),
  ]);
  return { records, lost, duplicated };
}

/** Waits until no record of the case is uncommitted (a long backstop: recovery takes what it takes). */
export async function allCommitted(prisma: PrismaClient, tag: string, expected: number): Promise<void> {
  await eventually(`${expected} records of ${tag} to be committed`, async () => (await prisma.ticket.count({ where: { subject: { startsWith: `${tag} ` }, attempts: { gt: 0 } } })) >= expected, {
    timeoutMs: 600_000,
    everyMs: 250,
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  /** The `application_name` of its database connections (see proof.ts). */
  appName: string;
  lines: string[];
  /** Resolves with the first output line matching `pattern` (seen already or to come). */
  waitFor(pattern: RegExp): Promise<string>;
  kill9(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const bundles = new Map<string, Promise<string>>();

/** A prebuilt bundle per app tag, so a worker restarted after a kill boots in seconds. */
function bundleFor(tag: string, options: FaultAppOptions): Promise<string> {
  let file = bundles.get(tag);
  if (!file) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-fault-bundle-')), 'bundle.js');
    file = writeWorkflowBundle(makeFaultApp(tag, options), out).then((w) => w.file);
    bundles.set(tag, file);
  }
  return file;
}

/** Starts a worker process for the case's app; resolves once it polls (`READY`). */
export async function spawnWorker(f: FaultEnv, tag: string, options: FaultAppOptions, extra: { hook?: string; pool?: number; concurrency?: number } = {}): Promise<WorkerProcess> {
  const bundle = await bundleFor(tag, options);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
    env: {
      ...process.env,
      PTT_FAULT_APP: JSON.stringify({ tag, ...options }),
      PTT_FAULT_BUNDLE: bundle,
      DATABASE_URL: f.databaseUrl,
      TEMPORAL_ADDRESS: f.temporalAddress,
      ...(extra.hook ? { PTT_FAULT_HOOK: extra.hook } : {}),
      ...(extra.pool ? { PTT_FAULT_POOL: String(extra.pool) } : {}),
      ...(extra.concurrency ? { PTT_FAULT_CONCURRENCY: String(extra.concurrency) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => {
    for (const line of b.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-4000);
  });
  const proc: WorkerProcess = {
    child,
    appName: workerAppName(child.pid),
    lines,
    waitFor(pattern) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`worker process exited before printing ${pattern}: ${stderr}`)));
      });
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
  await proc.waitFor(/^READY$/);
  return proc;
}
