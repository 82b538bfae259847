/** Runs an app's trigger worker against the test Temporal server and a cloned test database. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPrismaClient, type PrismaClient } from '../../example/prisma-client';
import {
  createTriggerClient,
  createTriggerWorker,
  defineResource,
  type App,
  type ResourceDefinition,
  type TriggerClient,
  type TriggerWorker,
  type TriggerWorkerOptions,
} from '../../src';
import { createTestDatabase, type TestDatabase } from './db';
import { connectTestEnv, uniqueName } from './temporal';

export interface Engine {
  env: TestWorkflowEnvironment;
  worker: TriggerWorker;
  triggers: TriggerClient;
  stop(): Promise<void>;
}

export async function startEngine(env: TestWorkflowEnvironment, app: App, prisma: unknown, opts: Partial<TriggerWorkerOptions> = {}): Promise<Engine> {
  const worker = await createTriggerWorker({ connection: env.nativeConnection, client: env.client, app, prisma, warn: () => {}, ...opts });
  const running = worker.run();
  return {
    env,
    worker,
    triggers: createTriggerClient({ client: env.client, app }),
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

/** Per test file: a Temporal env, a cloned database and a PrismaClient on it. */
export async function testContext(label: string, options: { namespace?: string } = {}): Promise<{ env: TestWorkflowEnvironment; db: TestDatabase; prisma: PrismaClient; close(): Promise<void> }> {
  const env = await connectTestEnv(options.namespace);
  const db = await createTestDatabase(label);
  const prisma = createPrismaClient(db.url);
  return {
    env,
    db,
    prisma,
    async close() {
      await prisma.$disconnect();
      await db.drop();
      await env.teardown();
    },
  };
}

/**
 * A resource whose triggers and scheduled actions get names unique to this test (task queues and
 * workflow types), so test files running side by side never share a queue.
 */
export function uniqueResource(tag: string, def: ResourceDefinition): ReturnType<typeof defineResource> {
  const triggers = Object.fromEntries(
    Object.entries(def.triggers ?? {}).map(([name, t]) => [
      name,
      { queue: `${tag}-${name}`, workflowType: `${tag}.${def.model}.${name}`, schedulerWorkflowType: `${tag}.${def.model}.${name}.scheduler`, ...t },
    ]),
  );
  const scheduledActions = Object.fromEntries(
    Object.entries(def.scheduledActions ?? {}).map(([name, a]) => [name, { queue: `${tag}-${name}`, workflowType: `${tag}.${def.model}.${name}`, ...a }]),
  );
  return defineResource({ ...def, triggers, scheduledActions });
}

export { uniqueName };
