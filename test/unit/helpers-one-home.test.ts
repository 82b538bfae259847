/** The one-home helpers: cause chains, visibility quoting and search attributes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { causeChain } from '../../src/cause-chain';
import { quote, and } from '../../src/client/visibility';
import { runSearchAttributes } from '../../workflows/search-attributes';
import { checkForControlFlow, SnoozeJob } from '../../src/control-flow';
import { isInfrastructureError } from '../../src/prisma/db-errors';

test('causeChain: self, aggregated errors, the driver-adapter error, then the cause; cycles once', () => {
  const root: Record<string, unknown> = { name: 'root' };
  const adapter = { name: 'adapter' };
  const inner = { name: 'inner', cause: root };
  root.errors = [{ name: 'agg' }];
  root.meta = { driverAdapterError: { cause: adapter } };
  root.cause = inner;
  assert.deepEqual([...causeChain(root)].map((e) => e.name), ['root', 'agg', 'adapter', 'inner']);
});

test('causeChain: a thrown array is walked element by element; non-objects are skipped; depth is bounded', () => {
  assert.deepEqual([...causeChain(['x', { name: 'a' }, null])].map((e) => e.name), ['a']);
  let deep: Record<string, unknown> = { name: 'd0' };
  for (let i = 1; i < 30; i++) deep = { name: `d${i}`, cause: deep };
  assert.equal([...causeChain(deep)].length, 9);
});

test('control flow and infrastructure checks see the same layers', () => {
  const wrapped = new Error('outer', { cause: new AggregateError([new Error('x'), new SnoozeJob(5)]) });
  assert.deepEqual(checkForControlFlow(wrapped), { snooze: 5 });
  const prismaLike = { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } } };
  assert.equal(isInfrastructureError(new Error('query failed', { cause: prismaLike })), true);
});

test('quote escapes backslashes and single quotes; and() drops empty clauses', () => {
  assert.equal(quote(`it's \\ ok`), `'it\\'s \\\\ ok'`);
  assert.equal(and('A = 1', undefined, false, '', 'B = 2'), 'A = 1 AND B = 2');
});

test('runSearchAttributes: fixed order, no tenant when null, tags deduplicated', () => {
  const pairs = runSearchAttributes({ owner: 'o', kind: 'record', name: 'T.p', resource: 'T', recordId: '1', outcome: 'running', tenant: null, tags: ['a', 'a', 'b'] });
  assert.deepEqual(
    pairs.map((p) => [p.key.name, p.value]),
    [
      ['TriggerOwner', 'o'],
      ['TriggerKind', 'record'],
      ['TriggerName', 'T.p'],
      ['TriggerResource', 'T'],
      ['TriggerRecordId', '1'],
      ['TriggerOutcome', 'running'],
      ['TriggerTags', ['a', 'b']],
    ],
  );
  assert.deepEqual(runSearchAttributes({ owner: 'o', kind: 'scheduler', name: 'T.p' }).map((p) => p.key.name), ['TriggerOwner', 'TriggerKind', 'TriggerName']);
});
