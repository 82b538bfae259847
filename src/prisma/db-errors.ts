/**
 * Telling an infrastructure error (the database unreachable, restarting, out of connections; a
 * dropped connection) from an error of the query or the action itself. The first kind is retried
 * without limit and never counted against a trigger's attempts; the second follows the trigger's
 * options. Shapes seen from Prisma 7 with the `pg` driver adapter, plain `pg` and Node sockets.
 */
import { causeChain } from '../cause-chain';

/** Prisma: can't reach, timed out, server closed the connection, pool timeout, transaction could not start. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
/** Driver adapter error kinds meaning the connection, not the query. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);
/** Node socket errors. */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
/** PostgreSQL SQLSTATEs: connection exceptions (08), shutdown and crash (57P01-57P03), too many connections (53300). */
const SQLSTATE = /^(08\w{3}|57P0[123]|53300)$/;
const MESSAGES = /Connection terminated|connection error|server closed the connection|timeout exceeded when trying to connect|Can't reach database server|Connection refused/i;

export function isInfrastructureError(err: unknown): boolean {
  for (const e of causeChain(err)) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && (PRISMA_CODES.has(code) || NODE_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof e.originalCode === 'string' && SQLSTATE.test(e.originalCode)) return true;
    if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** The PostgreSQL SQLSTATE of the error (`42P01`: no such table), wherever the layers carry it. */
export function sqlState(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    for (const v of [e.originalCode, e.code]) if (typeof v === 'string' && /^[0-9A-Z]{5}$/.test(v) && !/^P\d{4}$/.test(v)) return v;
  }
  return undefined;
}

/** `host:port` the error says it could not reach, when it says (never credentials). */
export function unreachableAddress(err: unknown): string | undefined {
  for (const e of causeChain(err)) {
    const host = typeof e.host === 'string' ? e.host : typeof e.address === 'string' ? e.address : undefined;
    if (host) return e.port !== undefined ? `${host}:${String(e.port)}` : host;
  }
  return undefined;
}

/**
 * Prisma's message without the caller's code frame: Prisma quotes the lines of the file that made
 * the call ("Invalid `...` invocation in <file>:<line>", then numbered source lines), which for a
 * trigger is this library's compiled code, not the user's. What is left says what was wrong.
 */
export function withoutCodeFrame(message: string): string {
  if (!/^\s*Invalid `[^`]*` invocation/.test(message)) return message;
  const blocks = message.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  // the header ("Invalid `...` invocation in <file>:<line>") and the frame (numbered source lines, then the arguments)
  const kept = blocks.filter((b) => !/^Invalid `[^`]*` invocation/.test(b) && !/^(→\s*)?\d+\s/.test(b));
  const text = kept.join('\n').replace(/\s*Available options are marked with \?\.?/, '').trim();
  return text || message;
}
