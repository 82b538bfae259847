/**
 * prisma-temporal-triggers: AshOban-style triggers and scheduled actions on Temporal and Prisma.
 * @module
 */
export * from './errors';
export { migrate, readMigrations, type MigrateResult, type MigrationFile } from './db/migrate';
export { startDevStack, type DevStack, type DevStackOptions } from './devstack/dev-stack';
export { startTemporalStack, prepareNamespace, type TemporalStack, type TemporalStackOptions } from './devstack/temporal-server';
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './devstack/embedded-postgres';
