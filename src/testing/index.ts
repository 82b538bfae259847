/**
 * Test helpers (the `prisma-temporal-triggers/testing` entry).
 *
 * @example
 * const { env, stop } = await createLocalTestEnvironment(); // a real, in-memory Temporal server
 * const worker = await createTriggerWorker({ connection: env.nativeConnection, client: env.client, app, prisma });
 * const result = await worker.runUntil(() => createTriggerClient({ client: env.client, app }).scheduleAndRunTriggers(app, { drain: true }));
 * await stop();
 */
import type * as TemporalTesting from '@temporalio/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ConfigError } from '../errors';
import { freePortBlock } from '../devstack/ports';
import { startTemporalStack, type TemporalStack, type TemporalStackOptions } from '../devstack/temporal-server';

export { startTemporalStack, isTemporalHealthy, prepareNamespace } from '../devstack/temporal-server';
export { startEmbeddedPostgres } from '../devstack/embedded-postgres';
export { listDanglingRuns } from '../client/dangling';
export { drainRuns, drainDefinition, emptyDrainResult, type DrainCounts, type DrainResult } from '../client/drain';
export { createTriggerAssertions, type TriggerAssertions, type TriggeredOptions, type WouldScheduleOptions } from './assertions';

/**
 * Starts a throw-away Temporal server (in-memory SQLite, no UI, free ports; the `temporal` CLI
 * when on PATH, else the stock server built once from Go modules) and connects a
 * `TestWorkflowEnvironment` to it with `createFromExistingServer` (no binary download).
 */
export async function createLocalTestEnvironment(options: Omit<TemporalStackOptions, 'port' | 'persistent'> = {}): Promise<{
  env: TestWorkflowEnvironment;
  stack: TemporalStack;
  stop(): Promise<void>;
}> {
  let Testing: typeof TemporalTesting;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer dependency, loaded on use
    Testing = require('@temporalio/testing') as typeof TemporalTesting;
  } catch {
    throw new ConfigError('createLocalTestEnvironment needs the `@temporalio/testing` package: npm install --save-dev @temporalio/testing');
  }
  const port = await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]);
  const stack = await startTemporalStack({ ui: false, ...options, port, persistent: false });
  const env = await Testing.TestWorkflowEnvironment.createFromExistingServer({ address: stack.address, namespace: stack.namespace });
  return {
    env,
    stack,
    async stop() {
      await env.teardown();
      await stack.stop();
    },
  };
}
