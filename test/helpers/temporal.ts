import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testEnv } from './env';

/** Connects to the Temporal server the harness started (never downloads one). */
export function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: testEnv.temporalAddress, namespace: 'default' });
}

/** A task queue / id suffix unique to this test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
