/** The example app's PrismaClient (generated from prisma/schema.prisma) on the `pg` driver adapter. */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';

export { PrismaClient };
export type * from '../generated/prisma/client';

/**
 * The `pg` pool under the adapter. When the database shuts down, pg-pool can hand a just-freed
 * connection to a waiting transaction before the adapter listens for that connection's errors; the
 * server's goodbye arriving in that gap would be an unhandled 'error' event, and node would exit.
 * A listener on every connection leaves it an ordinary failed query, which the worker retries.
 * (docs/production.md, "Surviving a database restart"; test/integration/pg-shutdown-race.test.ts.)
 */
export function createPgPool(databaseUrl: string, options: { max?: number } = {}): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createPrismaClient(databaseUrl: string, options: { max?: number } = {}): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(createPgPool(databaseUrl, options), { disposeExternalPool: true }) });
}
