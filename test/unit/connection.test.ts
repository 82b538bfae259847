import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { connectionSettingsFromEnv } from '../../src/connection';
import { connectFromEnv } from '../../src';

test('defaults: the local server, namespace default, no TLS, no encryption', () => {
  const s = connectionSettingsFromEnv({});
  assert.equal(s.connectionOptions.address, '127.0.0.1:7233');
  assert.equal(s.namespace, 'default');
  assert.equal(s.connectionOptions.tls, undefined);
  assert.equal(s.dataConverter, undefined);
});

test('a production cluster from the environment: address, namespace, API key, mTLS with a server name, encryption', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-conn-'));
  fs.writeFileSync(path.join(dir, 'client.pem'), 'CERT');
  fs.writeFileSync(path.join(dir, 'client.key'), 'KEY');
  const s = connectionSettingsFromEnv({
    TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233',
    TEMPORAL_NAMESPACE: 'acme.a1b2c',
    TEMPORAL_API_KEY: 'secret-api-key',
    TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    PTT_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  });
  assert.equal(s.connectionOptions.address, 'acme.a1b2c.tmprl.cloud:7233');
  assert.equal(s.namespace, 'acme.a1b2c');
  assert.equal(s.connectionOptions.apiKey, 'secret-api-key');
  const tls = s.connectionOptions.tls as { serverNameOverride?: string; clientCertPair?: { crt: Buffer; key: Buffer } };
  assert.equal(tls.serverNameOverride, 'temporal.internal');
  assert.equal(Buffer.from(tls.clientCertPair!.crt).toString(), 'CERT');
  assert.equal(Buffer.from(tls.clientCertPair!.key).toString(), 'KEY');
  assert.equal(s.dataConverter?.payloadCodecs?.length, 1);
});

test('an unreachable cluster is TEMPORAL_UNAVAILABLE naming the address, never the API key', async () => {
  await assert.rejects(
    connectFromEnv({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_API_KEY: 'secret-api-key-123' } }),
    (err: Error & { code?: string }) => err.code === 'TEMPORAL_UNAVAILABLE' && /127\.0\.0\.1:1/.test(err.message) && !err.message.includes('secret-api-key-123'),
  );
});
