/**
 * One way to connect worker, client and CLI to a Temporal cluster from the environment, through
 * the SDK's own environment configuration (`@temporalio/envconfig`): `TEMPORAL_ADDRESS`
 * (default 127.0.0.1:7233), `TEMPORAL_NAMESPACE` (default `default`), `TEMPORAL_API_KEY`,
 * `TEMPORAL_TLS` / `TEMPORAL_TLS_CLIENT_CERT_PATH` / `TEMPORAL_TLS_CLIENT_KEY_PATH` /
 * `TEMPORAL_TLS_SERVER_CA_CERT_PATH` / `TEMPORAL_TLS_SERVER_NAME` (mTLS), `TEMPORAL_PROFILE` with
 * `TEMPORAL_CONFIG_FILE` (a TOML profile). With `PTT_ENCRYPTION_KEYS` set, payloads are encrypted.
 *
 * @example
 * const { client, nativeConnection, namespace, dataConverter, close } = await connectFromEnv();
 * const worker = await createTriggerWorker({ connection: nativeConnection, client, namespace, app, prisma, workerOptions: { dataConverter } });
 */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import { encryptionCodecFromEnv } from './codec/encryption-codec';
import { ConfigError, TriggerError } from './errors';
import { redactText } from './redact';

export interface ConnectionSettings {
  connectionOptions: NativeConnectionOptions & { address: string };
  namespace: string;
  /** `{ payloadCodecs: [codec] }` when PTT_ENCRYPTION_KEYS is set. */
  dataConverter?: DataConverter;
}

/** The connection settings the environment describes (nothing is connected). */
export function connectionSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    loaded = loadClientConnectConfig({ overrideEnvVars: vars, disableFile: !env.TEMPORAL_CONFIG_FILE });
  } catch (err) {
    throw new ConfigError(`the Temporal connection settings in the environment are invalid: ${redactText(err instanceof Error ? err.message : String(err))}`);
  }
  const codec = encryptionCodecFromEnv(env);
  return {
    connectionOptions: { ...loaded.connectionOptions, address: loaded.connectionOptions.address ?? '127.0.0.1:7233' },
    namespace: loaded.namespace ?? 'default',
    ...(codec ? { dataConverter: { payloadCodecs: [codec] } } : {}),
  };
}

export interface TemporalConnections extends ConnectionSettings {
  client: Client;
  /** For workers (`createTriggerWorker({ connection })`); opened with `{ worker: true }`. */
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

/** Connects a client (and, with `worker: true`, a worker connection) as the environment says. */
export async function connectFromEnv(options: { env?: NodeJS.ProcessEnv; worker: true }): Promise<TemporalConnections>;
export async function connectFromEnv(options?: { env?: NodeJS.ProcessEnv; worker?: boolean }): Promise<Omit<TemporalConnections, 'nativeConnection'> & { nativeConnection?: NativeConnection }>;
export async function connectFromEnv(options: { env?: NodeJS.ProcessEnv; worker?: boolean } = {}): Promise<Omit<TemporalConnections, 'nativeConnection'> & { nativeConnection?: NativeConnection }> {
  const settings = connectionSettingsFromEnv(options.env);
  const { address } = settings.connectionOptions;
  try {
    const connection = await Connection.connect(settings.connectionOptions);
    const nativeConnection = options.worker ? await NativeConnection.connect(settings.connectionOptions) : undefined;
    const client = new Client({ connection, namespace: settings.namespace, ...(settings.dataConverter ? { dataConverter: settings.dataConverter } : {}) });
    return {
      ...settings,
      client,
      ...(nativeConnection ? { nativeConnection } : {}),
      async close() {
        await connection.close();
        await nativeConnection?.close();
      },
    };
  } catch (err) {
    throw new TriggerError('TEMPORAL_UNAVAILABLE', `Cannot connect to Temporal at ${address} (namespace ${settings.namespace}${settings.connectionOptions.tls ? ', TLS' : ''}): ${redactText(err instanceof Error ? err.message : String(err))}`, { cause: err });
  }
}
