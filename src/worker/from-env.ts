/**
 * A trigger worker connected from the environment alone (`connectFromEnv`: address, namespace, API
 * key, mTLS, encryption keys): the usual deployment entry point in one call.
 *
 * @example
 * const worker = await createTriggerWorkerFromEnv({ app, prisma });
 * await worker.run(); // until SIGINT / SIGTERM; then the connections are closed
 */
import { connectFromEnv, type TemporalConnections } from '../connection';
import { createTriggerWorker, type TriggerWorker, type TriggerWorkerOptions } from './create-worker';

export interface TriggerWorkerFromEnvOptions extends Omit<TriggerWorkerOptions, 'connection' | 'client' | 'namespace'> {
  /** Where the settings come from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export type TriggerWorkerFromEnv = TriggerWorker & {
  /** The client and connections it opened (closed when `run()` / `runUntil()` returns). */
  temporal: TemporalConnections;
};

export async function createTriggerWorkerFromEnv(options: TriggerWorkerFromEnvOptions): Promise<TriggerWorkerFromEnv> {
  const { env, ...rest } = options;
  const temporal = await connectFromEnv({ env, worker: true });
  let worker: TriggerWorker;
  try {
    worker = await createTriggerWorker({
      ...rest,
      connection: temporal.nativeConnection,
      client: temporal.client,
      namespace: temporal.namespace,
      // the encrypting codec, when PTT_ENCRYPTION_KEYS is set; a data converter given here wins
      workerOptions: { ...(temporal.dataConverter ? { dataConverter: temporal.dataConverter } : {}), ...rest.workerOptions },
    });
  } catch (err) {
    await temporal.close();
    throw err;
  }
  return {
    ...worker,
    temporal,
    async run() {
      try {
        await worker.run();
      } finally {
        await temporal.close();
      }
    },
    async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
      try {
        return await worker.runUntil(fnOrPromise);
      } finally {
        await temporal.close();
      }
    },
  };
}
