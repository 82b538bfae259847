/**
 * Starts a local Temporal server and UI (stock binaries or `temporal server start-dev`), waits for
 * it to be healthy, registers the namespace and this library's search attributes, and stops it
 * cleanly. History lives in SQLite (default: one connection, ~40 workflows/s) or, for the stock
 * server, in PostgreSQL (`persistence` option or env `TEMPORAL_POSTGRES_URL`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { envFlag, readEnv } from '../config/env';
import { DevStackError } from '../errors';
import { ensureSearchAttributes } from '../worker/search-attributes';
import { spawnManaged, type ManagedProcess } from './child-process';
import { isPortFree } from './ports';
import { ensureTemporalBinaries, ensureTemporalSqlTool, type FindBinariesOptions, type TemporalBinaries } from './temporal-binaries';
import { renderDynamicConfig, renderServerConfig, renderUiConfig, serverPorts, startDevArgs, type PostgresPersistenceConfig, type ServerTlsFiles } from './temporal-config';
import { prepareTemporalPostgres, resolvePostgresPersistence, type TemporalPostgresOptions, type TemporalPostgresTarget } from './temporal-postgres';

export { dropTemporalPostgresDatabases, type TemporalPostgresOptions } from './temporal-postgres';

export interface TemporalStackOptions extends FindBinariesOptions {
  /** Frontend gRPC port. Default 7233 (env `TEMPORAL_PORT`). */
  port?: number;
  /** UI HTTP port. Default 8233 (env `TEMPORAL_UI_PORT`). */
  uiPort?: number;
  /** Start the UI. Default true. */
  ui?: boolean;
  /** Folder for config, logs and (when `persistent`) the SQLite file. Default `.data/temporal`. */
  dataDir?: string;
  /** Keep history in a SQLite file under `dataDir` (survives restarts). Default false (in memory). Ignored with PostgreSQL. */
  persistent?: boolean;
  /** SQLite `synchronous` for a persistent SQLite file: `'normal'` (default, WAL) or `'full'`. See `renderServerConfig`. */
  sqliteSync?: 'normal' | 'full';
  /**
   * Where history lives. `'sqlite'` (the default; see `persistent`), or PostgreSQL for the stock
   * server only: the databases (default `temporal_<port>` and `temporal_visibility_<port>`) are
   * created and their schemas set up or updated at start, and kept at stop (history survives;
   * drop them with `dropTemporalPostgresDatabases`). Default: env `TEMPORAL_POSTGRES_URL` selects
   * PostgreSQL with the default database names.
   */
  persistence?: 'sqlite' | TemporalPostgresOptions;
  /** Namespace to register. Default `default`. */
  namespace?: string;
  /**
   * When the frontend port is taken by a healthy Temporal server, use it instead of failing.
   * Default false (env `TEMPORAL_REUSE_EXISTING=1`).
   */
  reuseExisting?: boolean;
  /** How long to wait for the server to become healthy. Default 90 s. */
  startTimeoutMs?: number;
  /**
   * Serve the frontend over TLS (stock server only; no UI): a certificate and key in PEM, e.g. a
   * self-signed one for `localhost`. Clients then need it as their CA (`TEMPORAL_TLS_SERVER_CA_CERT_PATH`).
   */
  tls?: ServerTlsFiles;
}

export interface TemporalStack {
  /** `host:port` of the frontend. */
  address: string;
  namespace: string;
  /** UI URL, when a UI runs. */
  uiUrl?: string;
  /** What is running: the stock binaries, the Temporal CLI, or an existing server reused. */
  mode: 'stock' | 'cli' | 'existing';
  /** Milliseconds from spawn to ready (namespace and search attributes registered). */
  readyMs: number;
  /** The PostgreSQL databases in use, when history lives in PostgreSQL (kept by `stop()`). */
  postgresDatabases?: { database: string; visibilityDatabase: string };
  /** Process group ids of the server (first) and UI (fault tests kill them). Empty when reused. */
  pids: number[];
  stop(): Promise<void>;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Starts (or reuses) a local Temporal server and UI. */
export async function startTemporalStack(options: TemporalStackOptions = {}): Promise<TemporalStack> {
  const env = readEnv();
  const port = options.port ?? env.TEMPORAL_PORT;
  const uiPort = options.uiPort ?? env.TEMPORAL_UI_PORT;
  const namespace = options.namespace ?? 'default';
  const withUi = options.tls ? false : (options.ui ?? true);
  const reuse = options.reuseExisting ?? envFlag(env.TEMPORAL_REUSE_EXISTING);
  const dataDir = path.resolve(options.dataDir ?? path.join('.data', 'temporal'));
  const address = `127.0.0.1:${port}`;
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const postgres = resolvePostgresPersistence(options.persistence, port);
  if (postgres && port + 10 > 32767) {
    throw new DevStackError('PORT_IN_USE', `Port ${port}: with Postgres persistence Temporal stores its service ports as smallint, so TEMPORAL_PORT must be at most 32757.`);
  }

  if (!(await isPortFree(port))) {
    if (reuse && (await isTemporalHealthy(address))) {
      const started = Date.now();
      await prepareNamespace(address, namespace, timeoutMs);
      log(`[temporal] reusing the Temporal server already listening on ${address}`);
      return { address, namespace, mode: 'existing', readyMs: Date.now() - started, pids: [], stop: async () => {} };
    }
    throw new DevStackError(
      'PORT_IN_USE',
      `Port ${port} (Temporal frontend) is already in use. Stop whatever listens there, choose another port ` +
        `with TEMPORAL_PORT=<port>, or set TEMPORAL_REUSE_EXISTING=1 to use a Temporal server already running there.`,
    );
  }
  if (withUi && !(await isPortFree(uiPort))) {
    throw new DevStackError('PORT_IN_USE', `Port ${uiPort} (Temporal UI) is already in use. Choose another with TEMPORAL_UI_PORT=<port>.`);
  }

  const binaries = await ensureTemporalBinaries(options);
  if (postgres && binaries.kind === 'cli') throw postgresNeedsStockServer(postgres, binaries.cli);
  fs.mkdirSync(dataDir, { recursive: true });
  if (binaries.kind === 'stock') {
    const ports = serverPorts(port);
    for (const [name, p] of Object.entries(ports)) {
      if (name !== 'frontend' && !(await isPortFree(p))) {
        throw new DevStackError('PORT_IN_USE', `Port ${p} (Temporal ${name}, frontend port ${port} + offset) is already in use. Choose another base port with TEMPORAL_PORT=<port>.`);
      }
    }
  }

  if (postgres) await preparePostgres(postgres, options);

  const started = Date.now();
  if (options.tls && binaries.kind !== 'stock') throw new DevStackError('TEMPORAL_START_FAILED', 'tls: serving the frontend over TLS needs the stock server (set ignoreCli, or remove the temporal CLI from PATH)');
  const processes = spawnStack(binaries, { port, uiPort, withUi, dataDir, persistent: options.persistent ?? false, sqliteSync: options.sqliteSync, postgres, tls: options.tls });
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  try {
    await waitHealthy(address, processes, timeoutMs, options.tls);
    await prepareNamespace(address, namespace, timeoutMs, options.tls);
    const uiUrl = withUi ? `http://127.0.0.1:${uiPort}` : undefined;
    if (uiUrl) await waitHttp(uiUrl, processes, timeoutMs);
    const postgresDatabases = postgres && { database: postgres.database, visibilityDatabase: postgres.visibilityDatabase };
    return { address, namespace, uiUrl, mode: binaries.kind, readyMs: Date.now() - started, postgresDatabases, pids: processes.map((p) => p.pid), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function postgresNeedsStockServer(postgres: TemporalPostgresTarget, cli: string): DevStackError {
  return new DevStackError(
    'TEMPORAL_START_FAILED',
    `PostgreSQL persistence (${postgres.source}) needs the stock Temporal server, but the \`temporal\` CLI found on PATH (${cli}) ` +
      'runs `temporal server start-dev`, which only keeps history in SQLite. Set PTT_NO_TEMPORAL_CLI=1 (option `ignoreCli: true`) ' +
      "to use the stock server, or keep SQLite (option `persistence: 'sqlite'`, or unset TEMPORAL_POSTGRES_URL).",
  );
}

/** Builds the SQL tool if needed, then creates / migrates both databases (idempotent). */
async function preparePostgres(postgres: TemporalPostgresTarget, options: TemporalStackOptions): Promise<void> {
  const started = Date.now();
  const sqlTool = await ensureTemporalSqlTool(options);
  await prepareTemporalPostgres(sqlTool, postgres);
  log(`[temporal] PostgreSQL databases ${postgres.database}, ${postgres.visibilityDatabase} on ${postgres.host}:${postgres.port} ready in ${Date.now() - started} ms`);
}

function spawnStack(
  binaries: TemporalBinaries,
  o: { port: number; uiPort: number; withUi: boolean; dataDir: string; persistent: boolean; sqliteSync?: 'normal' | 'full'; postgres?: PostgresPersistenceConfig; tls?: ServerTlsFiles },
): ManagedProcess[] {
  const sqliteFile = o.persistent ? path.join(o.dataDir, 'temporal.sqlite') : undefined;
  const logFile = path.join(o.dataDir, 'temporal.log');
  if (binaries.kind === 'cli') {
    return [spawnManaged('temporal', binaries.cli, startDevArgs({ frontendPort: o.port, uiPort: o.uiPort, sqliteFile, headless: !o.withUi }), { logFile })];
  }
  const dyn = path.join(o.dataDir, `dynamicconfig-${o.port}.yaml`);
  const cfg = path.join(o.dataDir, `temporal-${o.port}.yaml`);
  fs.writeFileSync(dyn, renderDynamicConfig());
  // 0600: with PostgreSQL the file holds the password.
  fs.writeFileSync(cfg, renderServerConfig({ frontendPort: o.port, sqliteFile, sqliteSync: o.sqliteSync, postgres: o.postgres, dynamicConfigFile: dyn, tls: o.tls }), { mode: 0o600 });
  const env = { TEMPORAL_VERSION_CHECK_DISABLED: '1' };
  const procs = [spawnManaged('temporal-server', binaries.server, ['--config-file', cfg, '--allow-no-auth', 'start'], { env, logFile })];
  if (o.withUi) {
    const uiRoot = path.join(o.dataDir, `ui-${o.uiPort}`);
    fs.mkdirSync(path.join(uiRoot, 'config'), { recursive: true });
    fs.writeFileSync(path.join(uiRoot, 'config', 'base.yaml'), '# see development.yaml\n');
    fs.writeFileSync(path.join(uiRoot, 'config', 'development.yaml'), renderUiConfig({ frontendPort: o.port, uiPort: o.uiPort }));
    procs.push(spawnManaged('temporal-ui', binaries.ui, ['--root', uiRoot, '--env', 'development', 'start'], { logFile: path.join(o.dataDir, 'temporal-ui.log') }));
  }
  return procs;
}

/** Client TLS options trusting the stack's own certificate. */
function clientTls(tls: ServerTlsFiles | undefined): { tls?: { serverRootCACertificate: Buffer; serverNameOverride: string } } {
  return tls ? { tls: { serverRootCACertificate: fs.readFileSync(tls.caFile ?? tls.certFile), serverNameOverride: tls.serverName ?? 'localhost' } } : {};
}

/** True when a Temporal frontend answers at `address`. */
export async function isTemporalHealthy(address: string, tls?: ServerTlsFiles): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000, ...clientTls(tls) });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

async function waitHealthy(address: string, processes: ManagedProcess[], timeoutMs: number, tls?: ServerTlsFiles): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  for (const p of processes) void p.exited.then(({ code, signal }) => (exited ??= `${p.name} exited (code ${code}, signal ${signal}):\n${p.tail()}`));
  while (Date.now() < deadline) {
    if (exited) throw new DevStackError('TEMPORAL_START_FAILED', `Temporal did not start: ${exited}`);
    if (await isTemporalHealthy(address, tls)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DevStackError('TEMPORAL_START_FAILED', `Temporal was not healthy at ${address} after ${timeoutMs} ms:\n${processes.map((p) => p.tail()).join('\n')}`);
}

async function waitHttp(url: string, processes: ManagedProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new DevStackError('TEMPORAL_START_FAILED', `Temporal UI did not answer at ${url}:\n${processes.map((p) => p.tail()).join('\n')}`);
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Registers `namespace` (ALREADY_EXISTS counts as success) and this library's search attributes,
 * then waits until the namespace serves visibility queries that use them.
 */
export async function prepareNamespace(address: string, namespace: string, timeoutMs = 60_000, tls?: ServerTlsFiles): Promise<void> {
  const connection = await Connection.connect({ address, ...clientTls(tls) });
  try {
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } catch (err) {
      if (grpcCode(err) !== grpcStatus.ALREADY_EXISTS) throw err;
    }
    try {
      await ensureSearchAttributes(connection, namespace, timeoutMs);
    } catch (err) {
      throw new DevStackError('TEMPORAL_START_FAILED', `Could not prepare namespace ${namespace}: ${String(err)}`, { cause: err });
    }
  } finally {
    await connection.close();
  }
}
