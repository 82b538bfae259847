/** The dashboard on a server of its own (`prisma-temporal-triggers dashboard`, `npm start`). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DevStackError } from '../errors';
import { createDashboard, type DashboardOptions } from './handler';

export interface ServedDashboard {
  url: string;
  close(): Promise<void>;
}

/** Whether a request comes from this machine (the standalone `--admin` allows actions only from it). */
export function fromLoopback(request: http.IncomingMessage): boolean {
  const a = request.socket.remoteAddress ?? '';
  return a === '127.0.0.1' || a === '::1' || a === '::ffff:127.0.0.1';
}

export async function serveDashboard(options: DashboardOptions & { port?: number; host?: string }): Promise<ServedDashboard> {
  const { port = 8234, host = '127.0.0.1', ...rest } = options;
  const handler = createDashboard(rest);
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new DevStackError('PORT_IN_USE', `the dashboard's port ${port} is in use: give another with --port (or DASHBOARD_PORT)`, { cause: err }) : err),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound.port}/`,
    async close() {
      handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
