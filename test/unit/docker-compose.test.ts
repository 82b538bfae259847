import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

// No Docker engine here: validate what can be validated statically.
const compose = parse(fs.readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image: string; ports?: string[]; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> }>;
};

test('docker-compose has Postgres, a Temporal server backed by it, and the UI', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['postgres', 'temporal', 'temporal-ui']);
  assert.equal(compose.services.temporal?.environment?.POSTGRES_SEEDS, 'postgres');
  assert.equal(compose.services.temporal?.depends_on?.postgres?.condition, 'service_healthy');
  assert.equal(compose.services['temporal-ui']?.depends_on?.temporal?.condition, 'service_healthy');
  assert.equal(compose.services['temporal-ui']?.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
});

test('every image is pinned to an explicit tag of the official repositories', () => {
  const images = Object.fromEntries(Object.entries(compose.services).map(([k, v]) => [k, v.image]));
  assert.match(images.postgres!, /^postgres:\d+(\.\d+)?$/);
  assert.match(images.temporal!, /^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
  assert.match(images['temporal-ui']!, /^temporalio\/ui:\d+\.\d+\.\d+$/);
});

test('ports match the README: Temporal 7233, UI 8233, Postgres 5433 on the host', () => {
  assert.deepEqual(compose.services.temporal?.ports, ['7233:7233']);
  assert.deepEqual(compose.services['temporal-ui']?.ports, ['8233:8080']);
  assert.deepEqual(compose.services.postgres?.ports, ['5433:5432']);
});

test('every service has a healthcheck', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    assert.ok(svc.healthcheck?.test?.length, `${name} has a healthcheck`);
  }
});

test('the compose file advises the variable npm start honours to use its server', () => {
  const text = fs.readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8');
  assert.match(text, /TEMPORAL_REUSE_EXISTING=1 npm start/);
  assert.doesNotMatch(text, /TEMPORAL_ADDRESS=\S+ npm start/, 'npm start ignores TEMPORAL_ADDRESS');
});
