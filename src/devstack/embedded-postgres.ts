/**
 * Embedded Postgres for `npm start` when DATABASE_URL is not set: PGlite (Postgres compiled to
 * WebAssembly) with a persistent data folder, served on 127.0.0.1 by pglite-socket, so every part
 * of the app talks to it through the same `pg` / `@prisma/adapter-pg` path as production Postgres.
 *
 * Development only: PGlite runs one query at a time, so `FOR UPDATE SKIP LOCKED` never skips and a
 * long transaction stalls every other connection. Use real Postgres for throughput.
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as PGliteModule from '@electric-sql/pglite';
import type * as SocketModule from '@electric-sql/pglite-socket';
import { readEnv } from '../config/env';
import { DevStackError } from '../errors';
import { isPortFree } from './ports';
import { wholeExchanges } from './whole-exchanges';

export interface EmbeddedPostgres {
  /** Connection URL for `pg` / Prisma. */
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data folder; created when missing. Use `memory://` for a throw-away database. Default `.data/pglite`. */
  dataDir?: string;
  /** Port on 127.0.0.1. Default 55432 (env `PGLITE_PORT`). */
  port?: number;
  /** Concurrent client connections accepted. Default 32. */
  maxConnections?: number;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const port = options.port ?? readEnv().PGLITE_PORT;
  const dataDir = options.dataDir ?? path.resolve('.data', 'pglite');
  if (!(await isPortFree(port))) {
    throw new DevStackError('PORT_IN_USE', `Port ${port} (embedded Postgres) is already in use. Choose another with PGLITE_PORT=<port>, or set DATABASE_URL to use your own Postgres.`);
  }
  let PGlite: typeof PGliteModule.PGlite;
  let PGLiteSocketServer: typeof SocketModule.PGLiteSocketServer;
  try {
    ({ PGlite } = await import('@electric-sql/pglite'));
    ({ PGLiteSocketServer } = await import('@electric-sql/pglite-socket'));
  } catch (err) {
    throw new DevStackError(
      'DATABASE_UNAVAILABLE',
      'The embedded database needs @electric-sql/pglite and @electric-sql/pglite-socket (`npm i -D @electric-sql/pglite@0.5.14 @electric-sql/pglite-socket@0.2.17`), or set DATABASE_URL.',
      { cause: err },
    );
  }
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir });
  // each connection's extended-protocol exchange stays whole (see whole-exchanges.ts)
  const server = new PGLiteSocketServer({ db: wholeExchanges(db), host: '127.0.0.1', port, maxConnections: options.maxConnections ?? 32 });
  await server.start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    dataDir,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
