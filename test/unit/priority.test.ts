import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineResource } from '../../src';
import { temporalPriority } from '../../workflows/priority';

test('Oban priorities map onto Temporal priority keys in order, defaults included (per-record 2 -> 3, Temporal\'s default; scheduler 3 -> 4)', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 9].map((p) => temporalPriority(p).priorityKey), [1, 2, 3, 4, 5, 5]);
  const r = defineResource({ model: 'Ticket', triggers: { t: { action: { delete: true } } }, scheduledActions: { a: { cron: '@daily', action: async () => {} } } });
  assert.deepEqual([r.triggers[0]!.workerPriority, r.triggers[0]!.schedulerPriority, r.scheduledActions[0]!.priority], [2, 3, 3]);
});

test('priorities outside 0..9 are refused when defined, naming the option', () => {
  assert.throws(() => defineResource({ model: 'Ticket', triggers: { t: { action: { delete: true }, workerPriority: 10 } } }), /workerPriority/);
  assert.throws(() => defineResource({ model: 'Ticket', scheduledActions: { a: { cron: '@daily', action: async () => {}, priority: -1 } } }), /priority/);
});
