/**
 * `dev`: the user's own app, in one command. Starts (or reuses) the Temporal server and UI from
 * the per-user cache, applies the project's migrations offline (`prisma/migrations`, the library's
 * commit-marker table included), runs the project's worker entry and restarts it when a file of
 * its folder changes. One line says where the UI is; Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import { redactUrl } from '../redact';

export interface DevOptions {
  /** The project's root. */
  cwd: string;
  /** The worker entry (`src/triggers/worker.ts`, as `init` writes it). */
  worker: string;
  /** The folder whose changes restart the worker. Default: the worker entry's folder. */
  watch?: string;
  /** Migrations to apply first; `false` to skip. Default `prisma/migrations` when it exists. */
  migrations?: string | false;
  log: (line: string) => void;
}

export interface DevSession {
  uiUrl?: string;
  address: string;
  /** Resolves when everything has stopped (after `stop()`). */
  stop(): Promise<void>;
}

/** The `--import` loader that runs a TypeScript entry: the project's tsx, else this package's. */
function tsxLoader(cwd: string): string {
  try {
    return require.resolve('tsx', { paths: [cwd, __dirname] });
  } catch {
    throw new ConfigError('dev runs a TypeScript worker entry with tsx: npm install --save-dev tsx (or give --worker a compiled .js file)');
  }
}

export async function startDev(options: DevOptions): Promise<DevSession> {
  const { cwd, log } = options;
  const worker = path.resolve(cwd, options.worker);
  if (!fs.existsSync(worker)) throw new ConfigError(`dev: no worker entry at ${path.relative(cwd, worker)}: run \`prisma-temporal-triggers init --model <Model>\` first, or give --worker <file>`);
  const watchDir = path.resolve(cwd, options.watch ?? path.dirname(worker));
  const migrations = options.migrations === false ? false : path.resolve(cwd, options.migrations ?? path.join('prisma', 'migrations'));
  const { startDevStack } = await import('../devstack/dev-stack');
  const stack = await startDevStack(
    { migrationsDir: migrations !== false && fs.existsSync(migrations) ? migrations : false, dataDir: path.join(cwd, '.data', 'temporal'), reuseExisting: true },
    (line) => log(line),
  );
  log(`[dev] Temporal UI ${stack.temporal.uiUrl ?? '(none: an existing server is reused)'} · Temporal ${stack.temporal.address} · database ${redactUrl(stack.databaseUrl)}`);

  const isTs = /\.[cm]?tsx?$/.test(worker);
  const loader = isTs ? tsxLoader(cwd) : undefined;
  let child: ChildProcess | undefined;
  let stopping = false;
  const env = { ...process.env, DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporal.address, TEMPORAL_NAMESPACE: stack.temporal.namespace };
  const startWorker = (): void => {
    const args = [...(loader ? ['--import', loader] : []), worker];
    const c = spawn(process.execPath, args, { cwd, env, stdio: 'inherit' });
    child = c;
    log(`[dev] worker ${path.relative(cwd, worker)} started (pid ${c.pid})`);
    c.on('exit', (code, signal) => {
      if (child === c) child = undefined;
      if (!stopping && !restarting) log(`[dev] the worker exited (${signal ?? `code ${code}`}); it starts again when a file under ${path.relative(cwd, watchDir) || '.'} changes`);
    });
  };
  const stopWorker = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    // the worker's own graceful shutdown, then no more waiting
    const force = setTimeout(() => c.kill('SIGKILL'), 45_000);
    await exited;
    clearTimeout(force);
  };

  let restarting = false;
  let timer: NodeJS.Timeout | undefined;
  let changed = '';
  const restart = async (): Promise<void> => {
    if (stopping) return;
    restarting = true;
    log(`[dev] ${changed} changed: restarting the worker`);
    await stopWorker();
    restarting = false;
    if (!stopping) startWorker();
  };
  const watcher = fs.watch(watchDir, { recursive: true }, (_event, file) => {
    if (!file || !/\.([cm]?[jt]sx?|json)$/.test(String(file))) return;
    changed = path.relative(cwd, path.join(watchDir, String(file)));
    clearTimeout(timer);
    timer = setTimeout(() => void restart(), 300);
  });
  startWorker();

  return {
    uiUrl: stack.temporal.uiUrl,
    address: stack.temporal.address,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      watcher.close();
      await stopWorker();
      await stack.stop();
    },
  };
}
