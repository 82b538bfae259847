/**
 * PostgreSQL persistence for the stock Temporal server: resolves the connection (option or env
 * `TEMPORAL_POSTGRES_URL`), creates the two databases and sets up / updates their schemas with
 * Temporal's SQL tool (idempotent: safe on every start), and drops them on request. Starting and
 * stopping the server never drops anything: history survives restarts.
 */
import { execFile } from 'node:child_process';
import { ConfigError, DevStackError } from '../errors';
import { loadPg } from '../db/load-pg';
import type { PostgresPersistenceConfig } from './temporal-config';

/** `persistence` option of the Temporal stack when history lives in PostgreSQL. */
export interface TemporalPostgresOptions {
  /** `postgresql://user[:password]@host[:port][/database]`; the database in the URL is only used to connect for `CREATE DATABASE`. */
  postgresUrl: string;
  /** Database of the default store. Default `temporal_<frontend port>`. */
  database?: string;
  /** Database of the visibility store. Default `temporal_visibility_<frontend port>`. */
  visibilityDatabase?: string;
}

/** A resolved PostgreSQL target: what the server config needs plus where it came from (for messages). */
export interface TemporalPostgresTarget extends PostgresPersistenceConfig {
  /** The database named in the URL, if any (the SQL tool connects there to create databases). */
  adminDatabase?: string;
  /** `persistence.postgresUrl` or `TEMPORAL_POSTGRES_URL`: named in error messages. */
  source: string;
}

/** Versioned schemas embedded in the SQL tool (no dependency on the Go module cache). */
const EMBEDDED_SCHEMAS = { temporal: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' } as const;

const SQL_TOOL_TIMEOUT_MS = 120_000;

/**
 * PostgreSQL target chosen by the `persistence` option, or by env `TEMPORAL_POSTGRES_URL` when the
 * option is absent; undefined means SQLite.
 */
export function resolvePostgresPersistence(
  persistence: 'sqlite' | TemporalPostgresOptions | undefined,
  frontendPort: number,
  env: NodeJS.ProcessEnv = process.env,
): TemporalPostgresTarget | undefined {
  if (persistence === 'sqlite') return undefined;
  const fromEnv = env.TEMPORAL_POSTGRES_URL;
  const chosen = persistence ?? (fromEnv ? { postgresUrl: fromEnv } : undefined);
  if (!chosen) return undefined;
  const source = persistence ? '`persistence.postgresUrl`' : 'TEMPORAL_POSTGRES_URL';
  const database = chosen.database ?? `temporal_${frontendPort}`;
  const visibilityDatabase = chosen.visibilityDatabase ?? `temporal_visibility_${frontendPort}`;
  checkDatabaseName(database, '`persistence.database`');
  checkDatabaseName(visibilityDatabase, '`persistence.visibilityDatabase`');
  if (database === visibilityDatabase) {
    throw new ConfigError(`\`persistence.database\` and \`persistence.visibilityDatabase\` are both "${database}": Temporal needs two separate databases. Give them different names.`);
  }
  return { ...parsePostgresUrl(chosen.postgresUrl, source), database, visibilityDatabase, source };
}

/** Host, port, user, password and database of a `postgresql://` URL. */
export function parsePostgresUrl(url: string, source: string): Omit<TemporalPostgresTarget, 'database' | 'visibilityDatabase' | 'source'> {
  const expected = 'expected postgresql://user[:password]@host[:port][/database]';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`${source} is not a valid URL: ${expected}.`);
  }
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw new ConfigError(`${source} must be a postgresql:// URL (got ${u.protocol}//...): ${expected}.`);
  }
  if (!u.hostname) throw new ConfigError(`${source} names no host: ${expected}.`);
  const adminDatabase = decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || 'postgres',
    password: u.password ? decodeURIComponent(u.password) : undefined,
    adminDatabase,
  };
}

/** Temporal's SQL tool interpolates names unquoted in places: allow plain lowercase identifiers only. */
function checkDatabaseName(name: string, option: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new ConfigError(`${option} "${name}" is not a plain PostgreSQL name: use lowercase letters, digits and _ (at most 63 characters, not starting with a digit).`);
  }
}

/**
 * Creates both databases if missing, then sets up and updates their schemas to the version the SQL
 * tool embeds. Safe to run on every start: each step is a no-op when already done.
 */
export async function prepareTemporalPostgres(sqlTool: string, target: TemporalPostgresTarget): Promise<void> {
  await Promise.all([
    prepareDatabase(sqlTool, target, target.database, EMBEDDED_SCHEMAS.temporal),
    prepareDatabase(sqlTool, target, target.visibilityDatabase, EMBEDDED_SCHEMAS.visibility),
  ]);
}

async function prepareDatabase(sqlTool: string, target: TemporalPostgresTarget, database: string, schemaName: string): Promise<void> {
  const defaultDb = target.adminDatabase ? ['--defaultdb', target.adminDatabase] : [];
  // create-database already ignores "already exists"; the pattern covers a concurrent creator too.
  await runSqlTool(sqlTool, target, database, 'create', ['create-database', ...defaultDb], /already exists/);
  // setup-schema -v 0.0 only creates the version tables (IF NOT EXISTS) and never lowers the version.
  await runSqlTool(sqlTool, target, database, 'set up the schema version tables in', ['setup-schema', '-v', '0.0']);
  await runSqlTool(sqlTool, target, database, `update the schema (${schemaName}) of`, ['update-schema', '--schema-name', schemaName]);
}

/** Runs `temporal-sql-tool` against `database`; throws `TEMPORAL_START_FAILED` with its output unless it succeeds. */
async function runSqlTool(sqlTool: string, target: TemporalPostgresTarget, database: string, step: string, command: string[], okWhen?: RegExp): Promise<void> {
  const args = ['--plugin', 'postgres12', '--ep', target.host, '-p', String(target.port), '-u', target.user, '--db', database, ...command];
  const { code, output } = await execTool(sqlTool, args, sqlToolEnv(target.password));
  if (code === 0 || okWhen?.test(output)) return;
  throw new DevStackError(
    'TEMPORAL_START_FAILED',
    `Temporal's SQL tool could not ${step} database "${database}" on ${target.host}:${target.port} as user "${target.user}" ` +
      `(exit ${code}; \`${sqlTool} ${args.join(' ')}\`):\n${outputTail(output)}\n` +
      `Check that PostgreSQL is running there and that this user may create databases, fix ${target.source}, ` +
      "or keep SQLite (option `persistence: 'sqlite'`, or unset TEMPORAL_POSTGRES_URL).",
  );
}

/** The tool reads SQL_* variables as defaults: pass none but the password (kept off the command line). */
function sqlToolEnv(password: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SQL_')) env[k] = v;
  if (password) env.SQL_PASSWORD = password;
  return env;
}

function execTool(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: SQL_TOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}` });
    });
  });
}

/** Last non-debug lines of the tool's output, without colour codes. */
function outputTail(output: string, lines = 20): string {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  return plain
    .split('\n')
    .filter((l) => l.trim() && !/\tDEBUG\t/.test(l))
    .slice(-lines)
    .join('\n');
}

/**
 * Drops Temporal's PostgreSQL databases (e.g. `[stack.postgresDatabases.database, ...visibilityDatabase]`),
 * disconnecting their sessions first. Missing databases are fine. Stop the server before calling it.
 */
export async function dropTemporalPostgresDatabases(postgresUrl: string, names: string[]): Promise<void> {
  const { Client } = loadPg('Temporal on Postgres');
  const client = new Client({ connectionString: postgresUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new DevStackError('DATABASE_UNAVAILABLE', `Cannot connect to PostgreSQL at the given postgresUrl to drop ${names.join(', ')}: ${String(err)}`, { cause: err });
  }
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
