import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wholeExchanges, type ProtocolDatabase } from '../../src/devstack/whole-exchanges';

function fakeDb(inTransaction = false): ProtocolDatabase & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    isInTransaction: () => inTransaction,
    execProtocolRawStream: async (m: Uint8Array) => void calls.push(`msg:${String.fromCharCode(m[0]!)}`),
    exec: async (q: string) => void calls.push(`exec:${q}`),
  };
}
const msg = (type: string): Uint8Array => new Uint8Array([type.charCodeAt(0), 0, 0, 0, 4]);

test('an extended-protocol exchange holds the queue from Parse to Sync', async () => {
  const db = fakeDb();
  const view = wholeExchanges(db);
  assert.equal(view.isInTransaction(), false);
  for (const t of ['P', 'B', 'D', 'E']) {
    await view.execProtocolRawStream(msg(t));
    assert.equal(view.isInTransaction(), true, `after ${t} the exchange is still open`);
  }
  await view.execProtocolRawStream(msg('S'));
  assert.equal(view.isInTransaction(), false, 'Sync ends it');
  assert.deepEqual(db.calls, ['msg:P', 'msg:B', 'msg:D', 'msg:E', 'msg:S'], 'every message passes through');
});

test('a simple query, a startup packet and Terminate end an exchange; exec (the rollback of a dropped connection) resets it', async () => {
  const view = wholeExchanges(fakeDb());
  await view.execProtocolRawStream(msg('P'));
  await view.execProtocolRawStream(msg('Q'));
  assert.equal(view.isInTransaction(), false);
  await view.execProtocolRawStream(new Uint8Array([0, 0, 0, 8, 4, 210, 22, 47]));
  assert.equal(view.isInTransaction(), false, 'startup');
  await view.execProtocolRawStream(msg('P'));
  await view.exec('ROLLBACK');
  assert.equal(view.isInTransaction(), false);
});

test('a real transaction still counts, and other members pass through bound to the database', async () => {
  const db = { ...fakeDb(true), name: 'pglite', hello(this: { name: string }) { return this.name; } };
  const view = wholeExchanges(db);
  assert.equal(view.isInTransaction(), true);
  assert.equal(view.hello(), 'pglite');
});
