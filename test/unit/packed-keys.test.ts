import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkMembers, packedRecordIds, packKeys, pageRecords, unpackKeys } from '../../workflows/packed-keys';
import { encodeKey, recordIdOf } from '../../workflows/primary-key';
import type { FindRecordsResult, RecordPlan } from '../../workflows/types';

/** What Temporal does to every payload: JSON there and back. */
const throughJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const plan = { triggerId: 'Ticket.process' } as RecordPlan;

test('number and string keys of one column pack, and unpack to the same keys and record ids as recordIdOf', () => {
  for (const rows of [[{ id: 7 }, { id: 8 }, { id: 1e21 }, { id: -3 }], [{ code: 'a,b' }, { code: 'ü/1' }, { code: '' }]]) {
    const field = Object.keys(rows[0]!)[0]!;
    const keys = rows.map((r) => encodeKey(r, [field]));
    const packed = throughJson(packKeys(keys)!);
    assert.equal(packed.field, field);
    assert.deepEqual(unpackKeys(packed), keys);
    assert.deepEqual(packedRecordIds(packed), keys.map((k) => recordIdOf(k, [field])));
  }
});

test('keys that do not pack: none, compound, BigInt, Date, Decimal, or a list where one key is not plain', () => {
  assert.equal(packKeys([]), undefined);
  assert.equal(packKeys([encodeKey({ tenant: 'a', id: 1 }, ['tenant', 'id'])]), undefined);
  assert.equal(packKeys([encodeKey({ id: 10n }, ['id'])]), undefined);
  assert.equal(packKeys([encodeKey({ at: new Date(0) }, ['at'])]), undefined);
  assert.equal(packKeys([{ id: 1 }, { id: { $decimal: '1.5' } }]), undefined, 'the second key is not plain: nothing packs');
});

test('a packed chunk and a chunk of keys and record ids (runs started before packing) give the same members', () => {
  const keys = [{ id: 4 }, { id: 5 }];
  const old = chunkMembers({ keys, recordIds: ['4', '5'] });
  const packed = chunkMembers(throughJson({ packed: packKeys(keys)! }));
  assert.deepEqual(packed, old);
  assert.deepEqual(old, { keys, recordIds: ['4', '5'] });
});

test('a packed page and a page of records give the same records', () => {
  const records = [
    { key: { id: 1 }, recordId: '1' },
    { key: { id: 2 }, recordId: '2' },
  ];
  const full: FindRecordsResult = { plan, records, cursor: [2], done: true };
  const packed: FindRecordsResult = throughJson({ plan, records: [], packed: packKeys(records.map((r) => r.key))!, cursor: [2], done: true });
  assert.deepEqual(pageRecords(packed), records);
  assert.equal(pageRecords(full), records);
});
