import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffSeconds, outcomeOfError } from '../../activities/attempt-outcome';
import { CancelJob, SnoozeJob, TriggerNoLongerApplies, cancel, checkForControlFlow, snooze } from '../../src/control-flow';
import type { SerializedError } from '../../src/definitions/types';
import { TriggerError } from '../../src/errors';
import { exponentialBackoffSeconds } from '../../workflows/backoff';

describe('snooze and cancel', () => {
  test('snooze(seconds) throws a SnoozeJob carrying the seconds', () => {
    assert.throws(
      () => snooze(30),
      (err: unknown) => err instanceof SnoozeJob && err instanceof TriggerError && err.snoozeFor === 30 && err.code === 'SNOOZE' && err.name === 'SnoozeJob' && err.message === 'snoozed for 30s',
    );
    assert.throws(() => snooze(0), (err: unknown) => err instanceof SnoozeJob && err.snoozeFor === 0);
  });

  test('cancel(reason) throws a CancelJob carrying the reason', () => {
    assert.throws(
      () => cancel('customer left'),
      (err: unknown) => err instanceof CancelJob && err instanceof TriggerError && err.reason === 'customer left' && err.code === 'CANCEL' && err.message === 'cancelled: customer left',
    );
  });

  test('SnoozeJob rejects negative and non-finite seconds with a TypeError', () => {
    for (const bad of [-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new SnoozeJob(bad), { name: 'TypeError', message: /expected a non-negative number of seconds/ }, String(bad));
      assert.throws(() => snooze(bad), TypeError);
    }
  });

  test('TriggerNoLongerApplies has its code and a default message', () => {
    const e = new TriggerNoLongerApplies();
    assert.equal(e.code, 'TRIGGER_NO_LONGER_APPLIES');
    assert.equal(e.message, 'trigger no longer applies');
    assert.equal(new TriggerNoLongerApplies('gone').message, 'gone');
  });
});

describe('checkForControlFlow', () => {
  test('recognises SnoozeJob and CancelJob thrown directly', () => {
    assert.deepEqual(checkForControlFlow(new SnoozeJob(12)), { snooze: 12 });
    assert.deepEqual(checkForControlFlow(new CancelJob('done')), { cancel: 'done' });
  });

  test('looks through cause chains', () => {
    const wrapped = new Error('transaction failed', { cause: new Error('inner', { cause: new SnoozeJob(5) }) });
    assert.deepEqual(checkForControlFlow(wrapped), { snooze: 5 });
    assert.deepEqual(checkForControlFlow({ cause: new CancelJob('why') }), { cancel: 'why' });
  });

  test('looks into arrays, { errors } wrappers and AggregateErrors', () => {
    assert.deepEqual(checkForControlFlow([new SnoozeJob(3)]), { snooze: 3 });
    assert.deepEqual(checkForControlFlow([new Error('x'), new CancelJob('second')]), { cancel: 'second' });
    assert.deepEqual(checkForControlFlow({ errors: [new Error('a'), new SnoozeJob(9)] }), { snooze: 9 });
    assert.deepEqual(checkForControlFlow(new AggregateError([new Error('a'), new CancelJob('agg')], 'many')), { cancel: 'agg' });
    assert.deepEqual(checkForControlFlow(new Error('outer', { cause: [new AggregateError([new SnoozeJob(1)])] })), { snooze: 1 });
  });

  test('the first control-flow error of a list wins', () => {
    assert.deepEqual(checkForControlFlow([new CancelJob('first'), new SnoozeJob(1)]), { cancel: 'first' });
    assert.deepEqual(checkForControlFlow({ errors: [new SnoozeJob(2), new CancelJob('x')] }), { snooze: 2 });
  });

  test('{ errors } without control flow falls back to the cause', () => {
    assert.deepEqual(checkForControlFlow({ errors: [new Error('plain')], cause: new SnoozeJob(4) }), { snooze: 4 });
  });

  test('recognises duck-typed errors from another copy of the library', () => {
    assert.deepEqual(checkForControlFlow({ code: 'SNOOZE', snoozeFor: 60 }), { snooze: 60 });
    assert.deepEqual(checkForControlFlow({ code: 'CANCEL', reason: 'elsewhere' }), { cancel: 'elsewhere' });
    assert.deepEqual(checkForControlFlow(new Error('x', { cause: { code: 'SNOOZE', snoozeFor: 1 } })), { snooze: 1 });
    assert.equal(checkForControlFlow({ code: 'SNOOZE' }), undefined, 'the code alone is not enough');
    assert.equal(checkForControlFlow({ code: 'CANCEL' }), undefined);
    assert.equal(checkForControlFlow({ snoozeFor: 60 }), undefined, 'the field alone is not enough');
  });

  test('returns undefined for any other error or value', () => {
    for (const v of [undefined, null, 0, 'snooze', new Error('boom'), new TriggerNoLongerApplies(), { code: 'P2025' }, [], [new Error('a'), new Error('b')], { errors: [] }, new AggregateError([]), new Error('x', { cause: new Error('y') })]) {
      assert.equal(checkForControlFlow(v), undefined, String(v));
    }
  });

  test('terminates on cyclic cause chains and self-containing lists', () => {
    const cyclic: { cause?: unknown } = {};
    cyclic.cause = cyclic;
    assert.equal(checkForControlFlow(cyclic), undefined);
    const list: unknown[] = [];
    list.push(list, new Error('x', { cause: list }));
    assert.equal(checkForControlFlow(list), undefined);
    let chain: unknown = new SnoozeJob(1);
    for (let i = 0; i < 5; i++) chain = new Error(`level ${i}`, { cause: chain });
    assert.deepEqual(checkForControlFlow(chain), { snooze: 1 }, 'a realistic wrapping depth is still looked through');
  });
});

describe('exponentialBackoffSeconds', () => {
  test('without jitter: 2^attempt + 15 seconds', () => {
    const mid = () => 0.5;
    assert.equal(exponentialBackoffSeconds(0, mid), 16);
    assert.equal(exponentialBackoffSeconds(1, mid), 17);
    assert.equal(exponentialBackoffSeconds(3, mid), 23);
    assert.equal(exponentialBackoffSeconds(10, mid), 1039);
  });

  test('jitter is at most ±10%, rounded to milliseconds', () => {
    assert.equal(exponentialBackoffSeconds(3, () => 0), 20.7);
    assert.equal(exponentialBackoffSeconds(3, () => 0.75), 24.15);
    const high = exponentialBackoffSeconds(3, () => 0.999999);
    assert.ok(high <= 25.3 && high > 25.29, String(high));
    assert.equal(exponentialBackoffSeconds(3, () => 0.123456789), 21.268); // 23 - 1.73209877...
  });

  test('is deterministic for an injected random, and stays in range with Math.random', () => {
    assert.equal(exponentialBackoffSeconds(5, () => 0.3), exponentialBackoffSeconds(5, () => 0.3));
    for (let attempt = 0; attempt <= 12; attempt++) {
      const base = 2 ** attempt + 15;
      for (let i = 0; i < 50; i++) {
        const s = exponentialBackoffSeconds(attempt);
        assert.ok(s >= base * 0.9 - 0.001 && s <= base * 1.1 + 0.001, `attempt ${attempt}: ${s}`);
      }
    }
  });

  test('the exponent is capped at 20', () => {
    const mid = () => 0.5;
    assert.equal(exponentialBackoffSeconds(20, mid), 2 ** 20 + 15);
    assert.equal(exponentialBackoffSeconds(50, mid), 2 ** 20 + 15);
  });
});

describe('backoffSeconds', () => {
  test('a number is a constant backoff', () => {
    assert.equal(backoffSeconds(7, 1, new Error('x')), 7);
    assert.equal(backoffSeconds(0, 5, new Error('x')), 0);
  });

  test("'exponential' follows 2^attempt + 15 with jitter", (t) => {
    t.mock.method(Math, 'random', () => 0.5);
    assert.equal(backoffSeconds('exponential', 4, new Error('x')), 31);
  });

  test('a function receives the attempt and the serialized error', () => {
    const calls: [number, SerializedError][] = [];
    const err = Object.assign(new Error('db down'), { code: 'P1001' });
    const s = backoffSeconds(
      (attempt, e) => {
        calls.push([attempt, e]);
        return attempt * 10;
      },
      3,
      err,
    );
    assert.equal(s, 30);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]![0], 3);
    assert.equal(calls[0]![1].name, 'Error');
    assert.equal(calls[0]![1].message, 'db down');
    assert.equal(calls[0]![1].code, 'P1001');
    assert.equal(backoffSeconds(() => 0, 1, 'thrown string'), 0);
  });

  test('invalid function results fall back to the exponential backoff', (t) => {
    t.mock.method(Math, 'random', () => 0.5);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5', undefined, null]) {
      assert.equal(backoffSeconds(() => bad as unknown as number, 2, new Error('x')), 19, String(bad));
    }
  });
});

describe('outcomeOfError', () => {
  test('snooze and cancel, also wrapped', () => {
    assert.deepEqual(outcomeOfError(new SnoozeJob(45), 'exponential', 1), { status: 'snooze', seconds: 45 });
    assert.deepEqual(outcomeOfError(new CancelJob('nope'), 'exponential', 1), { status: 'cancel', reason: 'nope' });
    assert.deepEqual(outcomeOfError(new Error('tx', { cause: new SnoozeJob(2) }), 5, 1), { status: 'snooze', seconds: 2 });
  });

  test('TriggerNoLongerApplies (or its code) ends the run as no-longer-applies with its message', () => {
    assert.deepEqual(outcomeOfError(new TriggerNoLongerApplies('status changed'), 5, 1), { status: 'no-longer-applies', reason: 'status changed' });
    assert.deepEqual(outcomeOfError(Object.assign(new Error('other copy'), { code: 'TRIGGER_NO_LONGER_APPLIES' }), 5, 1), {
      status: 'no-longer-applies',
      reason: 'other copy',
    });
  });

  test('TriggerNoLongerApplies is found wherever snooze and cancel are: cause chains, AggregateError, { errors }, arrays', () => {
    const inner = new TriggerNoLongerApplies('record moved on');
    for (const wrapped of [new Error('tx failed', { cause: inner }), new AggregateError([new Error('other'), inner]), { errors: [inner] }, [inner], new Error('a', { cause: new AggregateError([inner]) })]) {
      assert.deepEqual(outcomeOfError(wrapped, 5, 1), { status: 'no-longer-applies', reason: 'record moved on' });
    }
    assert.equal(checkForControlFlow(new AggregateError([inner])), undefined, 'checkForControlFlow keeps AshOban\'s contract: snooze and cancel only');
  });

  test('the backoff is asked only when a retry follows', () => {
    let asked = 0;
    const fn = (): number => {
      asked++;
      return 7;
    };
    const last = outcomeOfError(new Error('x'), fn, 3, false);
    assert.ok(last.status === 'error' && last.backoffSeconds === 0);
    assert.equal(asked, 0, 'not asked after the last attempt');
    const out = outcomeOfError(new Error('x'), fn, 2, true);
    assert.ok(out.status === 'error' && out.backoffSeconds === 7);
    assert.equal(asked, 1);
  });

  test("Prisma's P2025 from the action's own code is an error, not no-longer-applies (only the declarative write of the run's record maps it)", () => {
    const p2025 = Object.assign(new Error('An operation failed because it depends on one or more records that were required but not found.'), { code: 'P2025' });
    const out = outcomeOfError(p2025, 5, 1);
    assert.equal(out.status, 'error');
    assert.ok(out.status === 'error' && out.error.code === 'P2025' && out.backoffSeconds === 5);
  });

  test('any other error is an error with its serialized form and the backoff', () => {
    const err = Object.assign(new TypeError('bad input'), { code: 'P2002' });
    const out = outcomeOfError(err, 12, 2);
    assert.equal(out.status, 'error');
    assert.ok(out.status === 'error');
    assert.equal(out.backoffSeconds, 12);
    assert.equal(out.error.name, 'TypeError');
    assert.equal(out.error.message, 'bad input');
    assert.equal(out.error.code, 'P2002');
    assert.match(out.error.stack ?? '', /TypeError: bad input/);
    assert.ok((out.error.stack ?? '').split('\n').length <= 12, 'the stack is trimmed');
  });

  test('non-Error throws are serialized too', () => {
    assert.deepEqual(outcomeOfError('just a string', 1, 1), { status: 'error', error: { name: 'Error', message: 'just a string' }, backoffSeconds: 1 });
    assert.deepEqual(outcomeOfError({ weird: true }, 1, 1), { status: 'error', error: { name: 'Error', message: '{"weird":true}' }, backoffSeconds: 1 });
    assert.deepEqual(outcomeOfError(undefined, 1, 1), { status: 'error', error: { name: 'Error', message: 'undefined' }, backoffSeconds: 1 });
  });

  test('the backoff function sees the attempt number', () => {
    const out = outcomeOfError(new Error('x'), (attempt) => attempt * 100, 4);
    assert.ok(out.status === 'error');
    assert.equal(out.backoffSeconds, 400);
  });
});
