/**
 * A PostgreSQL shutdown must not end a worker's process. pg-pool hands a just-freed connection to
 * a waiting transaction of @prisma/adapter-pg, which listens for that connection's errors only a
 * microtask later; the server's "terminating connection" (57P01) arriving in the same read as the
 * previous query's end is then an unhandled 'error' event. A proxy in front of the real Postgres
 * puts exactly that message after a query's end, in one write: a plain pool lets it escape (the
 * negative control); the pool the example and `init` build (a listener on every connection) turns
 * it into a failed transaction, and the client goes on working.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import { createPgPool, PrismaClient } from '../../example/prisma-client';
import { testEnv } from '../helpers/env';
import { eventually } from '../helpers/eventually';

/** A server's ErrorResponse: FATAL 57P01, as PostgreSQL sends it on a fast shutdown. */
function adminShutdown(): Buffer {
  const fields = Buffer.concat([
    ...[
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', '57P01'],
      ['M', 'terminating connection due to administrator command'],
    ].map(([k, v]) => Buffer.from(`${k}${v}\0`)),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

/** Does this chunk from the server end with a ReadyForQuery ('Z', length 5, status)? */
const endsWithReady = (b: Buffer): boolean => b.length >= 6 && b[b.length - 6] === 0x5a && b.readInt32BE(b.length - 5) === 5;

/**
 * A TCP proxy to the test Postgres. `arm()`: the next server chunk that ends a query gets the
 * shutdown message appended (one write, so the client reads them together), and that connection
 * is closed.
 */
async function startProxy(target: URL): Promise<{ port: number; arm(): Promise<void>; close(): Promise<void> }> {
  let armed: (() => void) | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (b) => upstream.write(b));
    upstream.on('data', (b) => {
      if (armed && endsWithReady(b)) {
        const fired = armed;
        armed = undefined;
        client.end(Buffer.concat([b, adminShutdown()]));
        upstream.destroy();
        fired();
        return;
      }
      client.write(b);
    });
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    arm: () => new Promise<void>((r) => (armed = r)),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let proxy: Awaited<ReturnType<typeof startProxy>>;
let direct: Client;
const clients: PrismaClient[] = [];
before(async () => {
  proxy = await startProxy(new URL(testEnv.databaseUrl));
  direct = new Client({ connectionString: testEnv.databaseUrl });
  await direct.connect();
});
after(async () => {
  await Promise.all(clients.map((c) => c.$disconnect().catch(() => {})));
  await direct?.end();
  await proxy?.close();
});

function viaProxy(): string {
  const url = new URL(testEnv.databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  url.searchParams.set('application_name', 'ptt-shutdown-race');
  return url.toString();
}

/**
 * The pool's one connection runs a query held at the server (an advisory lock the test holds); a
 * transaction waits for that connection in the pool; then the lock is let go and the query's end
 * comes with the shutdown message. Every step waits on a condition, never on time. Returns what
 * escaped as an uncaught exception, if anything, and how the transaction ended.
 */
async function raceOn(pool: Pool): Promise<{ escaped: Error | undefined; transaction: PromiseSettledResult<unknown> }> {
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  clients.push(prisma);
  let escaped: Error | undefined;
  const catcher = (err: Error): void => void (escaped = err);
  // node:test counts an uncaught exception against the running test: take it over meanwhile, so
  // the negative control can observe it
  const others = process.listeners('uncaughtException');
  for (const l of others) process.off('uncaughtException', l);
  process.on('uncaughtException', catcher);
  try {
    await prisma.$queryRawUnsafe('SELECT 1'); // the pool's one connection, open and idle
    await direct.query('SELECT pg_advisory_lock(7317)');
    // A PrismaPromise runs only once something awaits it: settled() starts it now, and takes its
    // outcome at once (the transaction may fail while the test still awaits the unlock below: a
    // rejection with no handler yet would be an unhandled rejection that fails the test).
    const settled = (p: PromiseLike<unknown>): Promise<PromiseSettledResult<unknown>> => Promise.allSettled([p]).then(([r]) => r!);
    const query = settled(prisma.$queryRawUnsafe('SELECT 1 AS one FROM (SELECT pg_advisory_xact_lock(7317)) AS held'));
    await eventually('the query to wait for the lock at the server', async () => {
      const { rows } = await direct.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ptt-shutdown-race' AND wait_event_type = 'Lock'`);
      return rows[0]!.n === 1;
    }, { everyMs: 10 });
    const transaction = settled(prisma.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT 2')));
    await eventually('the transaction to wait for the connection in the pool', () => pool.waitingCount === 1, { everyMs: 5 });
    const fired = proxy.arm();
    await direct.query('SELECT pg_advisory_unlock(7317)');
    await fired;
    await query;
    return { escaped, transaction: await transaction };
  } finally {
    process.off('uncaughtException', catcher);
    for (const l of others) process.on('uncaughtException', l);
  }
}

test('negative control: a pool without the listener lets the shutdown message escape as an uncaught error', async () => {
  const { escaped, transaction } = await raceOn(new Pool({ connectionString: viaProxy(), max: 1 }));
  assert.ok(escaped, 'the race lands: an uncaught error event');
  assert.match(escaped.message, /terminating connection due to administrator command/);
  assert.equal(transaction.status, 'rejected');
});

test('the example and init pool: the shutdown message is a failed transaction, nothing escapes, and the next query works', async () => {
  const pool = createPgPool(viaProxy(), { max: 1 });
  const { escaped, transaction } = await raceOn(pool);
  assert.equal(escaped, undefined, `nothing escapes: ${escaped?.message}`);
  assert.equal(transaction.status, 'rejected', 'the transaction on the closed connection fails (a worker retries its attempt)');
  const prisma = clients[clients.length - 1]!;
  assert.deepEqual(await prisma.$queryRawUnsafe('SELECT 3 AS n'), [{ n: 3 }]);
});
