/**
 * Finds a way to run Temporal locally without downloading any binary:
 * 1. a `temporal` CLI on PATH (`temporal server start-dev`), or
 * 2. the stock server and UI server built once from Go modules into a per-user cache folder.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DevStackError } from '../errors';

/** Versions built from the Go module proxy. The UI version is the newest that builds with Go 1.26.8. */
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server/cmd/server';
export const TEMPORAL_SERVER_VERSION = 'v1.31.2';
export const TEMPORAL_UI_MODULE = 'github.com/temporalio/ui-server/v2/cmd/server';
export const TEMPORAL_UI_VERSION = 'v2.55.0';
/** Temporal's `temporal-sql-tool` (creates databases, sets up and updates SQL schemas), same version as the server. */
export const TEMPORAL_SQL_TOOL_MODULE = 'go.temporal.io/server/cmd/tools/sql';

export type TemporalBinaries =
  | { kind: 'cli'; cli: string }
  | { kind: 'stock'; server: string; ui: string };

export interface FindBinariesOptions {
  /** Folder for built binaries. Default: per user, see {@link defaultToolsDir}. */
  toolsDir?: string;
  /** PATH to search for `temporal` and `go`. Default `process.env.PATH`. */
  pathEnv?: string;
  /** Ignore a `temporal` CLI on PATH (use the stock server). Default: env `PTT_NO_TEMPORAL_CLI=1`. */
  ignoreCli?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Looks `name` up on a PATH string; returns its absolute path or undefined. */
export function which(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * Where built binaries are kept: per user, never per clone, so a new clone or CI run on the same
 * machine reuses them. `PTT_TOOLS_DIR` overrides it; otherwise `$XDG_CACHE_HOME` or `~/.cache`.
 */
export function defaultToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PTT_TOOLS_DIR) return path.resolve(env.PTT_TOOLS_DIR);
  const cache = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(cache, 'prisma-temporal-triggers', 'temporal');
}

function stockPaths(toolsDir: string): { server: string; ui: string } {
  return {
    server: path.join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`),
    ui: path.join(toolsDir, `temporal-ui-server-${TEMPORAL_UI_VERSION}`),
  };
}

function sqlToolPath(toolsDir: string): string {
  return path.join(toolsDir, `temporal-sql-tool-${TEMPORAL_SERVER_VERSION}`);
}

/** Returns binaries that are ready to run, without building anything; undefined when none are. */
export function findTemporalBinaries(options: FindBinariesOptions = {}): TemporalBinaries | undefined {
  const ignoreCli = options.ignoreCli ?? process.env.PTT_NO_TEMPORAL_CLI === '1';
  const cli = ignoreCli ? undefined : which('temporal', options.pathEnv);
  if (cli) return { kind: 'cli', cli };
  const stock = stockPaths(options.toolsDir ?? defaultToolsDir());
  if (fs.existsSync(stock.server) && fs.existsSync(stock.ui)) return { kind: 'stock', ...stock };
  return undefined;
}

/**
 * Returns runnable Temporal binaries, building the stock server and UI with `go install` when
 * needed (once; later calls reuse them). Throws `TEMPORAL_UNAVAILABLE` naming the ways out when
 * there is neither a `temporal` CLI nor Go.
 */
export async function ensureTemporalBinaries(options: FindBinariesOptions = {}): Promise<TemporalBinaries> {
  const found = findTemporalBinaries(options);
  if (found) return found;
  const log = options.log ?? defaultLog;
  const go = requireGo(options.pathEnv);
  const toolsDir = options.toolsDir ?? defaultToolsDir();
  const target = stockPaths(toolsDir);
  fs.mkdirSync(toolsDir, { recursive: true });
  if (!fs.existsSync(target.server)) {
    await goInstall(go, `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`, target.server, 'Temporal server', log);
  }
  if (!fs.existsSync(target.ui)) {
    await goInstall(go, `${TEMPORAL_UI_MODULE}@${TEMPORAL_UI_VERSION}`, target.ui, 'Temporal UI server', log);
  }
  return { kind: 'stock', ...target };
}

/**
 * Returns the path of Temporal's SQL tool (`temporal-sql-tool`), building it with `go install` the
 * first time (a few seconds with a warm module cache). Throws `TEMPORAL_UNAVAILABLE` without Go.
 */
export async function ensureTemporalSqlTool(options: FindBinariesOptions = {}): Promise<string> {
  const toolsDir = options.toolsDir ?? defaultToolsDir();
  const target = sqlToolPath(toolsDir);
  if (fs.existsSync(target)) return target;
  const go = requireGo(options.pathEnv);
  fs.mkdirSync(toolsDir, { recursive: true });
  await goInstall(go, `${TEMPORAL_SQL_TOOL_MODULE}@${TEMPORAL_SERVER_VERSION}`, target, 'Temporal SQL tool', options.log ?? defaultLog);
  return target;
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The `go` binary on PATH; throws `TEMPORAL_UNAVAILABLE` naming the ways out when there is none. */
function requireGo(pathEnv: string | undefined): string {
  const go = which('go', pathEnv);
  if (go) return go;
  throw new DevStackError(
    'TEMPORAL_UNAVAILABLE',
    'No Temporal server available: there is no `temporal` CLI on PATH and no Go toolchain to build one.\n' +
      'Ways out:\n' +
      '  - install the Temporal CLI (https://docs.temporal.io/cli) so `temporal` is on PATH, or\n' +
      '  - install Go >= 1.26.5 so the stock server and UI can be built from Go modules, or\n' +
      '  - run `docker compose up -d` and `TEMPORAL_REUSE_EXISTING=1 npm start` (your own worker: TEMPORAL_ADDRESS=127.0.0.1:7233).',
  );
}

/** `go install module@version` into a scratch GOBIN, then moves the binary (named after the package's last path element). */
async function goInstall(go: string, spec: string, dest: string, label: string, log: (line: string) => void): Promise<void> {
  const gobin = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-gobin-'));
  const started = Date.now();
  log(`[temporal] building ${label} (${spec}) with ${go}; the first build can take minutes, later runs reuse it`);
  const lines: string[] = [];
  let packages = 0;
  const code = await new Promise<number>((resolve) => {
    // -v lists each package as it is compiled: we count them for a progress line.
    const child = spawn(go, ['install', '-v', spec], { env: { ...process.env, GOBIN: gobin }, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (buf: Buffer): void => {
      for (const line of buf.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > 30) lines.shift();
        if (!line.startsWith('go: downloading')) packages++;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => log(`[temporal] ... ${label}: ${packages} packages compiled, ${Math.round((Date.now() - started) / 1000)}s`), 15000);
    child.on('close', (c) => {
      clearInterval(timer);
      resolve(c ?? 1);
    });
    child.on('error', () => {
      clearInterval(timer);
      resolve(1);
    });
  });
  const built = path.join(gobin, path.posix.basename(spec.split('@')[0] ?? spec));
  if (code !== 0 || !fs.existsSync(built)) {
    throw new DevStackError('TEMPORAL_UNAVAILABLE', `Building ${label} with \`go install ${spec}\` failed (exit ${code}):\n${lines.join('\n')}`);
  }
  fs.copyFileSync(built, `${dest}.tmp`);
  fs.chmodSync(`${dest}.tmp`, 0o755);
  fs.renameSync(`${dest}.tmp`, dest);
  fs.rmSync(gobin, { recursive: true, force: true });
  log(`[temporal] built ${label} in ${Math.round((Date.now() - started) / 1000)}s -> ${path.relative(process.cwd(), dest)}`);
}
