import net from 'node:net';

/** True when nothing accepts a TCP bind on `host:port`. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS considers free right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Finds a base port such that `base + offset` is free for every offset given. The range stays
 * below 32767 because Temporal's Postgres schema stores membership ports as smallint.
 */
export async function freePortBlock(offsets: number[], start = 20000, end = 31000): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const base = start + Math.floor(Math.random() * (end - start));
    const free = await Promise.all(offsets.map((o) => isPortFree(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('could not find a free block of ports');
}
