/**
 * The whole local stack in one call: Temporal server + UI, a database (DATABASE_URL, or the
 * embedded PGlite when unset) with migrations applied. Used by `npm start` and the CLI.
 */
import path from 'node:path';
import { readEnv } from '../config/env';
import { migrate } from '../db/migrate';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { redactUrl } from '../redact';
import { startTemporalStack, type TemporalStack, type TemporalStackOptions } from './temporal-server';

export interface DevStackOptions extends TemporalStackOptions {
  /** Database URL; default env DATABASE_URL, else an embedded PGlite under `.data/pglite`. */
  databaseUrl?: string;
  /** Migrations folder to apply. Default `prisma/migrations`. Set `false` to skip. */
  migrationsDir?: string | false;
}

export interface DevStack {
  temporal: TemporalStack;
  databaseUrl: string;
  /** Set when the embedded database is in use. */
  embeddedDatabase?: EmbeddedPostgres;
  stop(): Promise<void>;
}

export async function startDevStack(options: DevStackOptions = {}, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<DevStack> {
  const explicitUrl = options.databaseUrl ?? readEnv().DATABASE_URL;
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl: string;
  if (explicitUrl) {
    databaseUrl = explicitUrl;
    log(`[db] using DATABASE_URL (${redactUrl(databaseUrl)})`);
  } else {
    log('[db] DATABASE_URL is not set: starting the embedded Postgres (PGlite) in .data/pglite');
    embedded = await startEmbeddedPostgres();
    databaseUrl = embedded.url;
    log(`[db] embedded Postgres listening at ${redactUrl(databaseUrl)}`);
  }
  try {
    if (options.migrationsDir !== false) {
      const dir = path.resolve(options.migrationsDir ?? path.join('prisma', 'migrations'));
      const result = await migrate(databaseUrl, dir, { log: (l) => log(`[db] ${l}`) });
      log(`[db] migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`);
    }
    log('[temporal] starting Temporal server and UI');
    const temporal = await startTemporalStack({ persistent: true, ...options });
    log(`[temporal] ready at ${temporal.address} in ${temporal.readyMs} ms (${temporal.mode})${temporal.uiUrl ? `; UI at ${temporal.uiUrl}` : ''}`);
    return {
      temporal,
      databaseUrl,
      embeddedDatabase: embedded,
      async stop() {
        await temporal.stop();
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
