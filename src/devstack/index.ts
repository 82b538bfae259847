/**
 * `prisma-temporal-triggers/devstack`: development tooling, apart from the runtime API. The stock
 * Temporal server and UI built from Go modules into a per-user cache, an embedded Postgres
 * (PGlite), the offline migration runner and the whole local stack `npm start` uses.
 *
 * @example
 * import { startDevStack } from 'prisma-temporal-triggers/devstack';
 * const stack = await startDevStack(); // Temporal + UI + database, migrated
 * // … stack.databaseUrl, stack.temporal.address …
 * await stack.stop();
 */
export { migrate, readMigrations, type MigrateResult, type MigrationFile } from '../db/migrate';
export { startDevStack, type DevStack, type DevStackOptions } from './dev-stack';
export { startTemporalStack, prepareNamespace, isTemporalHealthy, type TemporalStack, type TemporalStackOptions } from './temporal-server';
export { dropTemporalPostgresDatabases } from './temporal-postgres';
export { ensureTemporalBinaries, ensureTemporalSqlTool } from './temporal-binaries';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
