/**
 * Renders the configuration files for the stock Temporal server (SQLite by default, or PostgreSQL;
 * all four services in one process) and for the UI server. Pure functions: the caller writes them where it wants.
 */

export interface TemporalPorts {
  /** Frontend gRPC port (what clients and workers connect to). */
  frontend: number;
  /** UI HTTP port. */
  ui: number;
}

/** Port offsets from the frontend port for the other services; all bound to 127.0.0.1. */
export const SERVICE_PORT_OFFSETS = {
  frontend: 0,
  history: 1,
  matching: 2,
  worker: 6,
  frontendHttp: 10,
  frontendMembership: -300,
  historyMembership: -299,
  matchingMembership: -298,
  workerMembership: -294,
} as const;

/** Every port the stock server binds, given its frontend port. */
export function serverPorts(frontend: number): Record<keyof typeof SERVICE_PORT_OFFSETS, number> {
  const out = {} as Record<keyof typeof SERVICE_PORT_OFFSETS, number>;
  for (const [k, off] of Object.entries(SERVICE_PORT_OFFSETS)) out[k as keyof typeof SERVICE_PORT_OFFSETS] = frontend + off;
  return out;
}

/** Where the stock server keeps history and visibility in PostgreSQL (databases already set up). */
export interface PostgresPersistenceConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** Database of the default store (history, tasks, namespaces). */
  database: string;
  /** Database of the visibility store. */
  visibilityDatabase: string;
}

export interface ServerConfigOptions {
  frontendPort: number;
  /** SQLite file path (persistent), or undefined for an in-memory database. Ignored with `postgres`. */
  sqliteFile?: string;
  /**
   * SQLite's `synchronous` for the file (WAL journal either way): `normal` (the default; a commit
   * survives a crash of the server, only the last commits before a power loss may be lost, the file
   * never corrupts) or `full` (an fsync per commit).
   */
  sqliteSync?: 'normal' | 'full';
  /** Use PostgreSQL (plugin `postgres12`) for both stores instead of SQLite. */
  postgres?: PostgresPersistenceConfig;
  /** Path of the dynamic config file to reference. */
  dynamicConfigFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Serve the frontend over TLS with this certificate (its own CA for the server's internal clients). */
  tls?: ServerTlsFiles;
}

export interface ServerTlsFiles {
  certFile: string;
  keyFile: string;
  /** The CA that signed the certificate (what clients trust). Default `certFile` itself. */
  caFile?: string;
  /** The name the certificate is for. Default `localhost`. */
  serverName?: string;
}

function renderTls(t: ServerTlsFiles): string {
  return `  tls:
    frontend:
      server:
        certFile: ${JSON.stringify(t.certFile)}
        keyFile: ${JSON.stringify(t.keyFile)}
        requireClientAuth: false
      client:
        serverName: ${JSON.stringify(t.serverName ?? 'localhost')}
        rootCaFiles: [${JSON.stringify(t.caFile ?? t.certFile)}]
`;
}

/** The server's YAML config (SQLite, or PostgreSQL when `postgres` is set; 1 shard). */
export function renderServerConfig(o: ServerConfigOptions): string {
  const p = serverPorts(o.frontendPort);
  return `# Written by prisma-temporal-triggers' dev stack; regenerated at every start.
log:
  stdout: true
  level: ${o.logLevel ?? 'warn'}
${o.postgres ? renderPostgresPersistence(o.postgres) : renderSqlitePersistence(o)}global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
${o.tls ? renderTls(o.tls) : ''}services:
  frontend:
    rpc: { grpcPort: ${p.frontend}, membershipPort: ${p.frontendMembership}, bindOnLocalHost: true, httpPort: ${p.frontendHttp} }
  matching:
    rpc: { grpcPort: ${p.matching}, membershipPort: ${p.matchingMembership}, bindOnLocalHost: true }
  history:
    rpc: { grpcPort: ${p.history}, membershipPort: ${p.historyMembership}, bindOnLocalHost: true }
  worker:
    rpc: { grpcPort: ${p.worker}, membershipPort: ${p.workerMembership}, bindOnLocalHost: true }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${p.frontend}"
      httpAddress: "127.0.0.1:${p.frontendHttp}"
dcRedirectionPolicy:
  policy: noop
archival:
  history: { state: disabled }
  visibility: { state: disabled }
namespaceDefaults:
  archival:
    history: { state: disabled }
    visibility: { state: disabled }
dynamicConfigClient:
  filepath: ${JSON.stringify(o.dynamicConfigFile)}
  pollInterval: 10s
`;
}

/** SQLite for both stores; SQLite in Temporal allows one connection only. */
function renderSqlitePersistence(o: ServerConfigOptions): string {
  const sqlite = o.sqliteFile
    ? `        databaseName: ${JSON.stringify(o.sqliteFile)}
        connectAttributes:
          setup: "true"
          cache: private
          journal_mode: wal
          synchronous: "${o.sqliteSync === 'full' ? 2 : 1}"
          busy_timeout: "10000"`
    : `        databaseName: ptt-mem-${o.frontendPort}
        connectAttributes:
          mode: memory
          cache: shared`;
  return `persistence:
  defaultStore: sqlite-default
  visibilityStore: sqlite-default
  numHistoryShards: 1
  datastores:
    sqlite-default:
      sql:
        pluginName: sqlite
${sqlite}
        connectAddr: localhost
        connectProtocol: tcp
        maxConns: 1
        maxIdleConns: 1
        maxConnLifetime: 1h
`;
}

/** PostgreSQL: one database for the default store, another for visibility, each with a connection pool. */
function renderPostgresPersistence(pg: PostgresPersistenceConfig): string {
  return `persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${renderPostgresDatastore(pg, pg.database)}    postgres-visibility:
${renderPostgresDatastore(pg, pg.visibilityDatabase)}`;
}

function renderPostgresDatastore(pg: PostgresPersistenceConfig, database: string): string {
  return `      sql:
        pluginName: postgres12
        databaseName: ${JSON.stringify(database)}
        connectAddr: ${JSON.stringify(`${pg.host}:${pg.port}`)}
        connectProtocol: tcp
        user: ${JSON.stringify(pg.user)}
        password: ${JSON.stringify(pg.password ?? '')}
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
`;
}

/**
 * Dynamic config: version check off, visibility rate limits raised (the UI and our drain helpers
 * list a lot), IDs capped at the SQL schema's 255, caches sized for one shard doing all the work.
 */
export const DYNAMIC_CONFIG: Record<string, string | number | boolean> = {
  'frontend.enableServerVersionCheck': false,
  'limit.maxIDLength': 255,
  'frontend.namespaceRPS.visibility': 2000,
  'frontend.namespaceBurstRatio.visibility': 2,
  'frontend.persistenceMaxQPS': 10000,
  'history.persistenceMaxQPS': 45000,
  'matching.persistenceMaxQPS': 10000,
  // One shard holds everything here: the default 512 KiB shard-level events cache makes every child
  // start of a big fan-out re-read the parent's history from SQLite.
  'history.eventsCacheMaxSizeBytes': 256 * 1024 * 1024,
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  // A timer fires no earlier than this after it is written (default 1 s): short snoozes and
  // backoffs, as tests and local development use, then take their own time, not a second each.
  'history.timerProcessorMaxTimeShift': '10ms',
};

export function renderDynamicConfig(values: Record<string, string | number | boolean> = DYNAMIC_CONFIG): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}:\n  - value: ${JSON.stringify(v)}\n    constraints: {}\n`)
    .join('');
}

/** The UI server's config (`<root>/config/<env>.yaml`). */
export function renderUiConfig(o: { frontendPort: number; uiPort: number }): string {
  return `# Written by prisma-temporal-triggers' dev stack.
temporalGrpcAddress: 127.0.0.1:${o.frontendPort}
host: 127.0.0.1
port: ${o.uiPort}
enableUi: true
defaultNamespace: default
showTemporalSystemNamespace: false
disableNewsFetch: true
notifyOnNewVersion: false
refreshInterval: 0s
cors:
  cookieInsecure: true
  allowOrigins:
    - http://127.0.0.1:${o.uiPort}
    - http://localhost:${o.uiPort}
`;
}

/** Arguments for `temporal server start-dev` (when a Temporal CLI is on PATH). */
export function startDevArgs(o: { frontendPort: number; uiPort: number; sqliteFile?: string; headless?: boolean }): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.frontendPort), '--namespace', 'default', '--log-level', 'warn'];
  if (o.headless) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  if (o.sqliteFile) args.push('--db-filename', o.sqliteFile);
  for (const [k, v] of Object.entries(DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  return args;
}
