/**
 * Every branch of the workflow code is proven by a committed history: replaying them all on an
 * instrumented bundle runs every statement and every if/else and switch arm of workflows/ (a `?:`
 * or an operand of `&&` `||` `??` is counted in the table, not required), except
 * where the code says why not (an `istanbul ignore` hint with its reason: paths that fail a
 * workflow task and so are never in a history, each covered by the integration test it names)
 * and the shared key codec, unit-tested on its own. Prints the coverage table and the exceptions.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { CoverageMap } from 'istanbul-lib-coverage';
import { coverageExceptions, coverageTable, replayCoverage, uncovered } from '../replay/coverage';

/** Whole files the replays need not cover, and why. */
const FILE_EXCEPTIONS: Record<string, string> = {
  'workflows/primary-key.ts': 'the key codec shared with the client: only part of it runs in workflows; every branch is unit-tested in test/unit/primary-key.test.ts',
};

let map: CoverageMap;
before(async () => {
  const r = await replayCoverage();
  assert.deepEqual(r.failures, [], 'every history replays on the instrumented bundle');
  assert.ok(r.replayed > 0);
  map = r.map;
  process.stdout.write(`# ${r.replayed} histories replayed\n${coverageTable(map).replace(/^/gm, '# ')}\n`);
});

test('every statement and every if/else and switch arm of workflows/ runs in a replayed history, or is a listed exception', () => {
  const missing = uncovered(map).filter((u) => !(u.file in FILE_EXCEPTIONS));
  assert.deepEqual(missing.map((u) => `${u.file}:${u.line} ${u.what}`), [], 'record a history for the path (npm run replay:record), or mark it with an istanbul ignore hint and its reason');
});

test('each exception says why, and names the test that covers it when a test can', () => {
  const hints = coverageExceptions();
  process.stdout.write(`# exceptions (${hints.length} hints, ${Object.keys(FILE_EXCEPTIONS).length} files):\n`);
  for (const h of hints) process.stdout.write(`#   ${h.file}:${h.line}: ${h.reason}\n`);
  for (const [f, why] of Object.entries(FILE_EXCEPTIONS)) process.stdout.write(`#   ${f}: ${why}\n`);
  for (const h of hints) assert.ok(h.reason.length >= 20, `${h.file}:${h.line} gives its reason after the hint`);
});
