import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeKey, decodeValue, encodeKey, encodeValue, fingerprint, recordIdOf, recordWorkflowId, stableStringify } from '../../workflows/primary-key';
import type { EncodedKey } from '../../workflows/primary-key';

/** What Temporal does to every payload: JSON there and back. */
const throughJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

class Decimal {
  constructor(private readonly text: string) {}
  toFixed(): string {
    return this.text;
  }
  toString(): string {
    return this.text;
  }
}

describe('encodeValue / decodeValue', () => {
  test('numbers, strings and booleans pass through unchanged', () => {
    for (const v of [0, 42, -7, 1.5, '', 'abc', 'ünïcødé/,%', true, false]) {
      assert.equal(encodeValue(v), v);
      assert.equal(decodeValue(throughJson(encodeValue(v))), v);
    }
  });

  test('BigInt survives JSON, beyond Number precision', () => {
    const big = 9007199254740993n; // 2^53 + 1
    assert.deepEqual(encodeValue(big), { $bigint: '9007199254740993' });
    assert.equal(decodeValue(throughJson(encodeValue(big))), big);
    assert.equal(decodeValue(throughJson(encodeValue(-5n))), -5n);
  });

  test('Date survives JSON as a Date with the same instant', () => {
    const d = new Date('2024-03-04T05:06:07.089Z');
    assert.deepEqual(encodeValue(d), { $date: '2024-03-04T05:06:07.089Z' });
    const back = decodeValue(throughJson(encodeValue(d)));
    assert.ok(back instanceof Date);
    assert.equal(back.getTime(), d.getTime());
  });

  test('Prisma Decimal is encoded as its text and decoded as a string', () => {
    assert.deepEqual(encodeValue(new Decimal('12.50')), { $decimal: '12.50' });
    assert.equal(decodeValue({ $decimal: '12.50' }), '12.50');
  });

  test('other values are rejected with a TypeError naming their type', () => {
    assert.throws(() => encodeValue(null), { name: 'TypeError', message: /cannot use null as a primary key value/ });
    assert.throws(() => encodeValue(undefined), { name: 'TypeError', message: /cannot use undefined/ });
    assert.throws(() => encodeValue({ a: 1 }), { name: 'TypeError', message: /cannot use object/ });
    assert.throws(() => encodeValue(Symbol('s')), { name: 'TypeError', message: /cannot use symbol/ });
    assert.throws(() => encodeValue({ toFixed: () => '1' }), TypeError, 'a toFixed method alone does not make a Decimal');
  });
});

describe('encodeKey / decodeKey', () => {
  test('round-trips single and compound keys of mixed types', () => {
    const row = { tenantId: 'acme', id: 12n, createdAt: new Date('2024-01-01T00:00:00Z'), title: 'not part of the key' };
    const key = encodeKey(row, ['tenantId', 'id', 'createdAt']);
    assert.deepEqual(key, { tenantId: 'acme', id: { $bigint: '12' }, createdAt: { $date: '2024-01-01T00:00:00.000Z' } });
    assert.deepEqual(decodeKey(throughJson(key)), { tenantId: 'acme', id: 12n, createdAt: new Date('2024-01-01T00:00:00Z') });
    assert.deepEqual(encodeKey({ id: 5 }, ['id']), { id: 5 });
  });

  test('a missing, undefined or null key field is rejected, naming the field', () => {
    assert.throws(() => encodeKey({ id: 1 }, ['tenantId', 'id']), { name: 'TypeError', message: /primary key field "tenantId"/ });
    assert.throws(() => encodeKey({ id: undefined }, ['id']), { message: /primary key field "id"/ });
    assert.throws(() => encodeKey({ id: null }, ['id']), { message: /primary key field "id"/ });
  });
});

describe('recordIdOf', () => {
  test('a single key is its plain value', () => {
    assert.equal(recordIdOf({ id: 42 }, ['id']), '42');
    assert.equal(recordIdOf({ id: 'abc-def' }, ['id']), 'abc-def');
    assert.equal(recordIdOf({ id: 'a,b' }, ['id']), 'a,b', 'no escaping for a single key');
    assert.equal(recordIdOf({ id: { $bigint: '9007199254740993' } }, ['id']), '9007199254740993');
    assert.equal(recordIdOf({ id: { $date: '2024-01-01T00:00:00.000Z' } }, ['id']), '2024-01-01T00:00:00.000Z');
    assert.equal(recordIdOf({ id: { $decimal: '1.50' } }, ['id']), '1.50');
  });

  test('a compound key joins its parts with commas, in key-field order', () => {
    const key: EncodedKey = { id: 42, tenantId: 'acme' };
    assert.equal(recordIdOf(key, ['tenantId', 'id']), 'acme,42');
    assert.equal(recordIdOf(key, ['id', 'tenantId']), '42,acme');
  });

  test('compound parts are URI-escaped, so commas inside values cannot make two keys collide', () => {
    const a = recordIdOf({ x: 'a,b', y: 'c' }, ['x', 'y']);
    const b = recordIdOf({ x: 'a', y: 'b,c' }, ['x', 'y']);
    assert.equal(a, 'a%2Cb,c');
    assert.equal(b, 'a,b%2Cc');
    assert.notEqual(a, b);
    assert.equal(recordIdOf({ x: 'a b/%', y: 1 }, ['x', 'y']), 'a%20b%2F%25,1');
    assert.deepEqual(
      recordIdOf({ x: 'a,b', y: 'c' }, ['x', 'y'])
        .split(',')
        .map((p) => decodeURIComponent(p)),
      ['a,b', 'c'],
    );
  });
});

describe('recordWorkflowId', () => {
  test('format: <workflowType>/<tenant or ->/<recordId>', () => {
    assert.equal(recordWorkflowId('Ticket.process', null, '42'), 'Ticket.process/-/42');
    assert.equal(recordWorkflowId('Ticket.process', undefined, '42'), 'Ticket.process/-/42');
    assert.equal(recordWorkflowId('Ticket.process', 'acme', '42'), 'Ticket.process/acme/42');
    assert.equal(recordWorkflowId('Ticket.process', null, '42', {}), 'Ticket.process/-/42', 'empty args add nothing');
  });

  test('uniqueness arguments add a 16-hex fingerprint and change the id', () => {
    const plain = recordWorkflowId('Ticket.process', 'acme', '42');
    const withArgs = recordWorkflowId('Ticket.process', 'acme', '42', { reason: 'sla' });
    assert.match(withArgs, /^Ticket\.process\/acme\/42\/[0-9a-f]{16}$/);
    assert.equal(withArgs, `${plain}/${fingerprint(stableStringify({ reason: 'sla' }))}`);
    assert.notEqual(recordWorkflowId('Ticket.process', 'acme', '42', { reason: 'other' }), withArgs);
    assert.notEqual(recordWorkflowId('Ticket.process', 'acme', '42', { reason: 'sla', n: 1 }), withArgs);
    assert.notEqual(recordWorkflowId('Ticket.process', 'acme', '42', { nested: { a: 1 } }), recordWorkflowId('Ticket.process', 'acme', '42', { nested: { a: 2 } }));
  });

  test('is deterministic, and the key order of the arguments does not matter', () => {
    const args = { b: 2, a: { y: [1, { q: 1, p: 2 }], x: 'x' } };
    const reordered = { a: { x: 'x', y: [1, { p: 2, q: 1 }] }, b: 2 };
    assert.equal(recordWorkflowId('T', 't', '1', args), recordWorkflowId('T', 't', '1', args));
    assert.equal(recordWorkflowId('T', 't', '1', args), recordWorkflowId('T', 't', '1', reordered));
    assert.equal(recordWorkflowId('T', 't', '1', args), recordWorkflowId('T', 't', '1', throughJson(args)));
  });

  test('workflow type, tenant and record id all distinguish runs', () => {
    const ids = new Set([
      recordWorkflowId('Ticket.process', null, '1'),
      recordWorkflowId('Ticket.close', null, '1'),
      recordWorkflowId('Ticket.process', 'acme', '1'),
      recordWorkflowId('Ticket.process', 'globex', '1'),
      recordWorkflowId('Ticket.process', null, '2'),
      recordWorkflowId('Ticket.process', 'acme', '2'),
    ]);
    assert.equal(ids.size, 6);
  });

  test('short ids are kept verbatim up to 255 characters', () => {
    const type = 'T'.repeat(255 - '/-/1'.length);
    const id = recordWorkflowId(type, null, '1');
    assert.equal(id.length, 255);
    assert.equal(id, `${type}/-/1`);
  });

  test('long ids are shortened to at most 255 characters, deterministically, with a fingerprint of the full id', () => {
    const type = 'Very.Long.Workflow.Type.'.repeat(8);
    const recordId = 'r'.repeat(300);
    const full = `${type}/tenant/${recordId}`;
    const id = recordWorkflowId(type, 'tenant', recordId);
    assert.ok(id.length <= 255, `length ${id.length}`);
    assert.equal(id, recordWorkflowId(type, 'tenant', recordId));
    assert.ok(id.startsWith(full.slice(0, 200)), 'keeps a readable prefix');
    assert.ok(id.endsWith(`~${fingerprint(full)}`));
    assert.equal(recordWorkflowId('x'.repeat(256), null, '1').length <= 255, true);
  });

  test('long ids stay distinct when they differ only past the cut, in tenant, or in arguments', () => {
    const type = 'T'.repeat(250);
    const ids = [
      recordWorkflowId(type, null, 'a'.repeat(100) + '1'),
      recordWorkflowId(type, null, 'a'.repeat(100) + '2'),
      recordWorkflowId(type, 'acme', 'a'.repeat(100) + '1'),
      recordWorkflowId(type, null, 'a'.repeat(100) + '1', { n: 1 }),
      recordWorkflowId(type, null, 'a'.repeat(100) + '1', { n: 2 }),
    ];
    for (const id of ids) assert.ok(id.length <= 255, `length ${id.length}`);
    assert.equal(new Set(ids).size, ids.length);
    // Prefixes are identical: only the fingerprint tells them apart.
    assert.equal(new Set(ids.map((id) => id.slice(0, 200))).size, 1);
  });
});

describe('stableStringify', () => {
  test('sorts object keys at every depth, keeps array order', () => {
    assert.equal(stableStringify({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}');
    assert.equal(stableStringify({ a: 1, b: 2 }), stableStringify({ b: 2, a: 1 }));
    assert.notEqual(stableStringify([1, 2]), stableStringify([2, 1]));
  });

  test('matches JSON.stringify for primitives, Dates and undefined', () => {
    for (const v of [1, 'x"y', true, null, [1, 'a', null], { a: 'b' }]) assert.equal(stableStringify(v), JSON.stringify(v));
    assert.equal(stableStringify(new Date('2024-01-01T00:00:00Z')), '"2024-01-01T00:00:00.000Z"');
    assert.equal(stableStringify({ at: new Date('2024-01-01T00:00:00Z') }), '{"at":"2024-01-01T00:00:00.000Z"}');
    assert.equal(stableStringify(undefined), 'null');
    assert.equal(stableStringify([undefined]), '[null]', 'as JSON: undefined in arrays becomes null');
    assert.equal(stableStringify({ a: undefined, b: 1 }), '{"b":1}', 'as JSON: undefined properties are left out');
    assert.equal(stableStringify(Number.NaN), 'null');
  });

  test('distinguishes values JSON distinguishes', () => {
    assert.notEqual(stableStringify({ a: '1' }), stableStringify({ a: 1 }));
    assert.notEqual(stableStringify({ a: null }), stableStringify({}));
    assert.notEqual(stableStringify({ 'a,b': 1 }), stableStringify({ a: 1, b: 1 }));
  });
});

describe('fingerprint', () => {
  test('is 64-bit FNV-1a as 16 lowercase hex characters (reference vectors)', () => {
    assert.equal(fingerprint(''), 'cbf29ce484222325');
    assert.equal(fingerprint('a'), 'af63dc4c8601ec8c');
    assert.equal(fingerprint('foobar'), '85944171f73967e8');
  });

  test('is deterministic, fixed-width, and sensitive to every character', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const f = fingerprint(`record-${i}`);
      assert.match(f, /^[0-9a-f]{16}$/);
      assert.equal(fingerprint(`record-${i}`), f);
      seen.add(f);
    }
    assert.equal(seen.size, 2000);
    assert.notEqual(fingerprint('ab'), fingerprint('ba'));
  });
});

test('tenant and record id parts are escaped so different records never share a workflow id', () => {
  assert.notEqual(recordWorkflowId('T', 'a/b', 'c'), recordWorkflowId('T', 'a', 'b/c'));
  assert.notEqual(recordWorkflowId('T', '-', '1'), recordWorkflowId('T', null, '1'));
  assert.equal(recordWorkflowId('T', null, '1'), 'T/-/1');
  assert.equal(recordWorkflowId('T', 'a/b', 'c%d'), 'T/a%2Fb/c%25d');
  assert.equal(recordWorkflowId('T', null, '1', { a: undefined }), recordWorkflowId('T', null, '1'), 'undefined args are no args');
  assert.equal(stableStringify({ a: 1n }), '{"a":"1n"}');
});
