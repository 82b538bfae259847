/**
 * pglite-socket serves several client connections from one PGlite session through a queue of
 * protocol messages. It keeps a transaction to the connection that opened it, but not an
 * extended-protocol exchange (Parse, Bind, Describe, Execute ... Sync): when PGlite yields between
 * two messages of one connection, another connection's Parse can run in between and replace the
 * unnamed statement (`26000 unnamed prepared statement does not exist`, or the wrong statement run).
 *
 * This view of the database tells the queue "in a transaction" from a connection's first message of
 * an exchange until the message that ends it (Sync, a simple Query, Terminate), so the queue keeps
 * serving that connection until the exchange is over. Everything else passes through.
 */

/** The parts of PGlite the socket server's queue uses. */
export interface ProtocolDatabase {
  isInTransaction(): boolean;
  execProtocolRawStream(message: Uint8Array, options?: unknown): Promise<unknown>;
  exec(query: string, options?: unknown): Promise<unknown>;
}

/** Message types that end an exchange: Sync, simple Query, Terminate; 0: a startup packet (no type byte). */
const ENDS_EXCHANGE = new Set([0x53, 0x51, 0x58, 0x00]);

export function wholeExchanges<T extends ProtocolDatabase>(db: T): T {
  let midExchange = false;
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'isInTransaction') return () => target.isInTransaction() || midExchange;
      if (prop === 'execProtocolRawStream') {
        return (message: Uint8Array, options?: unknown) => {
          midExchange = !ENDS_EXCHANGE.has(message[0] ?? 0);
          return target.execProtocolRawStream(message, options);
        };
      }
      // the queue rolls back with exec() when a connection drops mid-transaction: that ends any exchange too
      if (prop === 'exec') {
        return (query: string, options?: unknown) => {
          midExchange = false;
          return target.exec(query, options);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
