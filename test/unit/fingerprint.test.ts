/**
 * fingerprint() names workflows (chunk runs, long record ids, manual ticks), so its output may
 * never change: the two-halves implementation equals the BigInt definition of 64-bit FNV-1a on
 * every string tried, ASCII, non-ASCII and surrogate pairs included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fingerprint } from '../../workflows/primary-key';

function reference(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

test('known values: the empty string is the offset basis; "a" is FNV-1a 64 of "a"', () => {
  assert.equal(fingerprint(''), 'cbf29ce484222325');
  assert.equal(fingerprint('a'), 'af63dc4c8601ec8c');
});

test('equals the BigInt definition on 5,000 strings of every kind', () => {
  let seed = 42;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let n = 0; n < 5000; n++) {
    const len = next() % 300;
    let s = '';
    for (let i = 0; i < len; i++) {
      const kind = next() % 4;
      s += kind === 0 ? String.fromCharCode(32 + (next() % 95)) : kind === 1 ? String.fromCharCode(next() % 0x10000) : kind === 2 ? '😀' : String(next());
    }
    assert.equal(fingerprint(s), reference(s), JSON.stringify(s));
  }
});

test('a chunk of 500 record ids, as the scheduler hashes it', () => {
  const text = JSON.stringify({ actionArguments: {}, actor: null, recordIds: Array.from({ length: 500 }, (_, i) => String(100000 + i)) });
  assert.equal(fingerprint(text), reference(text));
});
