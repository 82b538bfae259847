import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { envFlag, readEnv } from '../../src/config/env';
import { ConfigError } from '../../src/errors';
import { VERSION } from '../../src/version';

test('environment variables take their defaults and are coerced', () => {
  assert.deepEqual(readEnv({}), { TEMPORAL_PORT: 7233, TEMPORAL_UI_PORT: 8233, PGLITE_PORT: 55432, TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'default' });
  assert.equal(readEnv({ TEMPORAL_PORT: '17233' }).TEMPORAL_PORT, 17233);
  assert.equal(envFlag(readEnv({ TEMPORAL_REUSE_EXISTING: '1' }).TEMPORAL_REUSE_EXISTING), true);
});

test('a bad value is a ConfigError naming the variable', () => {
  assert.throws(() => readEnv({ TEMPORAL_PORT: 'seven' }), (e: unknown) => e instanceof ConfigError && /^TEMPORAL_PORT="seven" is invalid/.test(e.message));
  assert.throws(() => readEnv({ TEMPORAL_UI_PORT: '70000' }), (e: unknown) => e instanceof ConfigError && /TEMPORAL_UI_PORT/.test(e.message));
  assert.throws(() => readEnv({ DATABASE_URL: 'mysql://x' }), (e: unknown) => e instanceof ConfigError && /DATABASE_URL.*postgresql:\/\//.test(e.message));
});

test('VERSION matches package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
});
