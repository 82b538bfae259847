/**
 * Replay safety: every committed history (test/replay/histories, one per path of every workflow,
 * recorded by `npm run replay:record`) replays against the workflow bundle the worker builds. A
 * change to workflow code that alters the commands of a recorded path fails here: after a release
 * such a change goes behind `patched()` (README, Contributing).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { workflowBundleFor } from '../../src/worker/bundle';
import { replayApp } from '../replay/app';
import { readHistoryFile } from '../replay/history-file';

const dir = path.resolve(__dirname, '../replay/histories');
const PATHS = [
  'record-success',
  'record-error-backoff-success',
  'record-timeout-backoff-success',
  'record-snooze-continue-as-new-first',
  'record-snooze-continue-as-new-last',
  'record-onerror-success',
  'record-onerror-discard',
  'record-failure',
  'record-triggeronce-cancel',
  'record-no-longer-applies',
  'record-dangling-resumes',
  'scheduler-continue-as-new-first',
  'scheduler-continue-as-new-last',
  'scheduled-action-snooze-retry',
  'scheduled-action-tenant-fanout',
  'scheduler-two-tenants',
  'chunk-partial-failure-onerror',
  'record-timeout-function',
  // attempts as local activities (patch ptt-local-attempts)
  'record-local-success',
  'record-local-error-backoff-success',
  'record-local-onerror-discard',
  'record-local-timeout-backoff-success',
  // schedulers after the ptt-chunk-pages patch
  'scheduler-chunk-pages-continue-as-new-first',
  'scheduler-chunk-pages-continue-as-new-last',
  'scheduler-chunks',
  // recorded by the version before the attempt engine (6981738, `npm run replay:record -- --legacy`)
  'legacy-record-outage',
  'packed-chunk-failure',
  'packed-chunk-success',
  'packed-scheduler-chunks',
  'legacy-record-last-attempt-committed',
  'legacy-record-onerror-snooze',
  'legacy-chunk-outage',
  'legacy-chunk-snooze',
  'legacy-chunk-timeout-backoff',
  'legacy-chunk-onerror-snooze',
  'legacy-chunk-last-attempt-committed',
  // the attempt engine (patch ptt-attempt-engine): record runs
  'engine-record-outage',
  'engine-record-lost-recovered',
  'engine-record-lost-rerun',
  'engine-record-timeout-backoff',
  'engine-record-timeout-default-backoff',
  'engine-record-timeout-final',
  'engine-record-broken-functions',
  'engine-record-onerror-cancel',
  'engine-record-onerror-snooze',
  'engine-record-onerror-snooze-continue-as-new-first',
  'engine-record-onerror-snooze-continue-as-new-last',
  'engine-record-onerror-outage',
  'engine-record-onerror-fails',
  'engine-record-quiet-snooze-zero-failure',
  'engine-record-quiet-no-longer-applies',
  'engine-record-poison',
  // chunk runs
  'engine-chunk-outage',
  'engine-chunk-timeout-backoff',
  'engine-chunk-onerror-snooze',
  'engine-chunk-onerror-fails',
  'engine-chunk-lost-recovered-discard',
  'engine-chunk-failure',
  'engine-chunk-cancelled',
  'engine-chunk-snooze-continue-as-new-first',
  'engine-chunk-snooze-continue-as-new-last',
  // scheduler ticks
  'scheduler-poison',
  'scheduler-chunk-poison',
  'scheduler-arguments-actor',
  'scheduler-query-retry',
  'scheduler-query-failed-tick',
  'scheduler-paused-cancelled',
  'scheduler-child-already-started',
  // scheduled actions
  'scheduled-action-one-tenant',
  'scheduled-action-outage-cancel',
  'scheduled-action-failure',
  'scheduled-action-snooze-continue-as-new-first',
  'scheduled-action-snooze-continue-as-new-last',
  // started with RUN_COMMANDS: the engine without a patch marker
  'commands-record-success',
  'commands-record-local-error-backoff-success',
  'commands-record-snooze-continue-as-new-first',
  'commands-record-snooze-continue-as-new-last',
  'commands-chunk-failure',
  'commands-scheduler-continue-as-new-first',
  'commands-scheduler-continue-as-new-last',
  'commands-scheduler-chunks',
];

let bundle: { code: string };
before(async () => {
  bundle = await workflowBundleFor(replayApp);
});

test('a history is committed for every path of every workflow', () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
  assert.deepEqual(files, [...PATHS].sort());
});

test('every committed history replays against the bundle the worker builds', async () => {
  const histories = PATHS.map((name) => ({ name, ...readHistoryFile(path.join(dir, `${name}.json`)) }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  assert.equal(replayed, PATHS.length);
  assert.deepEqual(failures, []);
});

test('negative control: a history edited to disagree with the code fails with a determinism error', async () => {
  const { workflowId, history } = readHistoryFile(path.join(dir, 'record-success.json'));
  const scheduled = history.events.find((e) => e.activityTaskScheduledEventAttributes)?.activityTaskScheduledEventAttributes;
  assert.ok(scheduled?.activityType, 'the success history schedules an activity');
  scheduled.activityType.name = 'pttSomeOtherActivity';
  await assert.rejects(Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId), (err: unknown) => {
    assert.ok(err instanceof DeterminismViolationError, `expected a DeterminismViolationError, got ${String(err)}`);
    process.stdout.write(`# negative control: ${err.name}: ${err.message.split('\n')[0]}\n`);
    return true;
  });
});
