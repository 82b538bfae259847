/**
 * Keys of one column, packed for the trip through Temporal: `{ field: 'id', values: [7, 8, 9] }`
 * instead of `[{ id: 7 }, { id: 8 }, { id: 9 }]` plus their record ids `['7', '8', '9']`. A page of
 * records and a chunk's input are written into histories (a page once, a chunk's input twice: in
 * the scheduler's and in the chunk's), so packing makes them about a third of the size. Only keys
 * of one string or number column pack; any other key travels as before. Pure: workflows and
 * activities use it alike.
 */
import type { EncodedKey } from './primary-key';
import type { ChunkInput, FindRecordsResult, FoundRecord } from './types';

export interface PackedKeys {
  field: string;
  values: (string | number)[];
}

/** The keys packed, or undefined when they are not all one string or number column. */
export function packKeys(keys: readonly EncodedKey[]): PackedKeys | undefined {
  const first = keys[0];
  /* istanbul ignore if -- keys that do not pack (none, compound, BigInt, Date or Decimal) are never in a replayed history: test/unit/packed-keys.test.ts */
  if (!first) return undefined;
  const fields = Object.keys(first);
  /* istanbul ignore if -- keys that do not pack (none, compound, BigInt, Date or Decimal) are never in a replayed history: test/unit/packed-keys.test.ts */
  if (fields.length !== 1) return undefined;
  const field = fields[0]!;
  const values: (string | number)[] = [];
  for (const key of keys) {
    const v = key[field];
    /* istanbul ignore if -- keys that do not pack (none, compound, BigInt, Date or Decimal) are never in a replayed history: test/unit/packed-keys.test.ts */
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    values.push(v);
  }
  return { field, values };
}

export function unpackKeys(packed: PackedKeys): EncodedKey[] {
  return packed.values.map((v) => ({ [packed.field]: v }));
}

/** The record ids of packed keys: what `recordIdOf` gives for a one-column key of a plain value. */
export function packedRecordIds(packed: PackedKeys): string[] {
  return packed.values.map(String);
}

/** The records of a page, packed or not. */
export function pageRecords(page: FindRecordsResult): FoundRecord[] {
  if (!page.packed) return page.records;
  const { field } = page.packed;
  return page.packed.values.map((v) => ({ key: { [field]: v }, recordId: String(v) }));
}

/** The keys and record ids of a chunk run, packed or not. */
export function chunkMembers(chunk: ChunkInput): { keys: EncodedKey[]; recordIds: string[] } {
  if (chunk.packed) return { keys: unpackKeys(chunk.packed), recordIds: packedRecordIds(chunk.packed) };
  return { keys: chunk.keys ?? [], recordIds: chunk.recordIds ?? [] };
}
