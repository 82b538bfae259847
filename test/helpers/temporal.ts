import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { prepareNamespace } from '../../src/devstack/temporal-server';
import { testEnv } from './env';

/**
 * Connects to the Temporal server the harness started (never downloads one), in `namespace`
 * (default: `default`; another is registered first, with the library's search attributes). A test
 * file that runs an app with fixed names (the example app, an `init`-written project: task queue
 * `ticket_process`, workflow type `Ticket.process`) takes a namespace of its own, so a worker of
 * another file running beside it never takes its tasks.
 */
export async function connectTestEnv(namespace = 'default'): Promise<TestWorkflowEnvironment> {
  if (namespace !== 'default') await prepareNamespace(testEnv.temporalAddress, namespace);
  return TestWorkflowEnvironment.createFromExistingServer({ address: testEnv.temporalAddress, namespace });
}

/** A task queue / id suffix unique to this test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
