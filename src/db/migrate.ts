/**
 * Applies Prisma Migrate migrations (`prisma/migrations/<name>/migration.sql`) with no schema engine.
 *
 * It records every migration in `_prisma_migrations` exactly as Prisma's engine does (same table,
 * same checksum: lowercase hex SHA-256 of the file's bytes, same advisory lock), so
 * `prisma migrate deploy` / `migrate status` elsewhere see the same state.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from 'pg';
import { loadPg } from './load-pg';
import { redactText } from '../redact';
import { MigrationError, TriggerError } from '../errors';

/** The advisory lock key Prisma's schema engine takes around migrations. */
const PRISMA_MIGRATE_LOCK = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  /** Names of the migrations applied by this call, in order. */
  applied: string[];
  /** Names that were already applied before this call. */
  alreadyApplied: string[];
}

/** Reads `<dir>/<name>/migration.sql` in name order (Prisma's order). */
export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!fs.existsSync(migrationsDir)) return [];
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(migrationsDir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const bytes = fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies every pending migration in `migrationsDir` to the database at `databaseUrl`.
 *
 * - Already-applied migrations are skipped, so a second call changes nothing.
 * - A failing migration is recorded as Prisma records it (`finished_at` NULL, `logs` = the error),
 *   its statements are rolled back, and a `MigrationError` (`MIGRATION_FAILED`) stops the run.
 * - A recorded failed migration blocks later runs (`MIGRATION_BLOCKED`, Prisma's P3009) until it is
 *   resolved (`prisma migrate resolve --rolled-back <name>`, or mark `rolled_back_at`).
 */
export async function migrate(
  databaseUrl: string,
  migrationsDir: string,
  options: { log?: (line: string) => void } = {},
): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrations = readMigrations(migrationsDir);
  const { Client: PgClient } = loadPg('migrate()');
  const client = new PgClient({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (err) {
    const u = safeUrl(databaseUrl);
    if ((err as { code?: unknown })?.code === '3D000') {
      const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
      throw new TriggerError('DATABASE_MISSING', `The database server at ${u} answered, but the database "${name}" does not exist on it: create it (\`createdb ${name}\`, or \`CREATE DATABASE "${name}"\`), then migrate again; or fix the database name in DATABASE_URL.`, { cause: err });
    }
    throw new TriggerError('DATABASE_UNAVAILABLE', `Cannot reach the database at ${u} to migrate it: ${redactText(err instanceof Error ? err.message : String(err))}. Start it, or check DATABASE_URL.`, { cause: err });
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const rows = (await client.query<AppliedRow>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at')).rows;
      const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(
          'MIGRATION_BLOCKED',
          failed.migration_name,
          `Migration ${failed.migration_name} failed earlier and blocks new migrations (Prisma P3009). ` +
            `Fix the database, then run \`npx prisma migrate resolve --rolled-back ${failed.migration_name}\` ` +
            `(or --applied) and migrate again.`,
        );
      }
      const done = new Set(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => r.migration_name));
      const result: MigrateResult = { applied: [], alreadyApplied: [] };
      for (const m of migrations) {
        if (done.has(m.name)) {
          result.alreadyApplied.push(m.name);
          continue;
        }
        log(`applying migration ${m.name}`);
        await applyOne(client, m);
        result.applied.push(m.name);
      }
      return result;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]);
    }
  } finally {
    await client.end();
  }
}

async function applyOne(client: Client, m: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)', [
    id,
    m.checksum,
    m.name,
  ]);
  try {
    // Sent as one simple-protocol script, as Prisma's engine does: Postgres runs it as one implicit
    // transaction, so a failure leaves no half-applied schema behind.
    await client.query(m.sql);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, `Migration ${m.name} failed:\n${message}`]);
    throw new MigrationError('MIGRATION_FAILED', m.name, `Migration ${m.name} failed: ${message}`, { cause: err });
  }
  await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
}

/** `host:port/database` of a URL, without credentials. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the given DATABASE_URL';
  }
}
