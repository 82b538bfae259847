import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

// No Docker engine here: validate what can be validated statically.
const compose = parse(fs.readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image: string; ports?: string[]; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string>; command?: string[] }>;
};
const INFRA = ['postgres', 'temporal', 'temporal-ui'];
const WORKERS = Object.keys(compose.services).filter((k) => k.startsWith('worker-'));

test('docker-compose has Postgres, a Temporal server backed by it, the UI, a setup step and worker processes', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), [...INFRA, 'setup', ...WORKERS].sort());
  assert.ok(WORKERS.length >= 2, 'a multi-process deployment');
  assert.equal(compose.services.temporal?.environment?.POSTGRES_SEEDS, 'postgres');
  assert.equal(compose.services.temporal?.depends_on?.postgres?.condition, 'service_healthy');
  assert.equal(compose.services['temporal-ui']?.depends_on?.temporal?.condition, 'service_healthy');
  assert.equal(compose.services['temporal-ui']?.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
});

test('every image is pinned to an explicit tag of the official repositories', () => {
  const images = Object.fromEntries(Object.entries(compose.services).map(([k, v]) => [k, v.image]));
  for (const k of ['setup', ...WORKERS]) assert.match(images[k]!, /^node:20(-\w+)?$/, `${k} runs on the official Node 20 image`);
  assert.match(images.postgres!, /^postgres:\d+(\.\d+)?$/);
  assert.match(images.temporal!, /^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
  assert.match(images['temporal-ui']!, /^temporalio\/ui:\d+\.\d+\.\d+$/);
});

test('ports match the README: Temporal 7233, UI 8233, Postgres 5433 on the host', () => {
  assert.deepEqual(compose.services.temporal?.ports, ['7233:7233']);
  assert.deepEqual(compose.services['temporal-ui']?.ports, ['8233:8080']);
  assert.deepEqual(compose.services.postgres?.ports, ['5433:5432']);
});

test('every long-running infrastructure service has a healthcheck', () => {
  for (const [name, svc] of Object.entries(compose.services).filter(([k]) => INFRA.includes(k))) {
    assert.ok(svc.healthcheck?.test?.length, `${name} has a healthcheck`);
  }
});

test('the compose file advises the variable npm start honours to use its server', () => {
  const text = fs.readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8');
  assert.match(text, /TEMPORAL_REUSE_EXISTING=1 npm start/);
  assert.doesNotMatch(text, /TEMPORAL_ADDRESS=\S+ npm start/, 'npm start ignores TEMPORAL_ADDRESS');
});

test('the worker processes split the example app\'s queues between them, and exactly one owns the Schedules', async () => {
  const { app } = await import('../../example/app');
  const { appTaskQueues } = await import('../../src');
  const served = WORKERS.flatMap((w) => (compose.services[w]?.environment?.PTT_TASK_QUEUES ?? '').split(','));
  assert.deepEqual([...served].sort(), appTaskQueues(app), 'every queue served by exactly one kind of worker');
  assert.deepEqual(WORKERS.filter((w) => compose.services[w]?.environment?.PTT_REGISTER_SCHEDULES !== '0'), ['worker-others']);
  for (const w of WORKERS) {
    assert.deepEqual(compose.services[w]?.command, ['npx', 'tsx', 'example/worker.ts']);
    assert.equal(compose.services[w]?.depends_on?.setup?.condition, 'service_completed_successfully');
    assert.equal(compose.services[w]?.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  }
  assert.ok(fs.existsSync(path.resolve(__dirname, '../../example/worker.ts')));
});
