/**
 * A production-like connection: a Temporal server serving its frontend over TLS with a
 * self-signed certificate; worker and client connect through connectFromEnv from the environment
 * alone (address, namespace, CA, server name) and run a trigger end to end; a plaintext client
 * is refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Connection } from '@temporalio/client';
import { connectFromEnv, createTriggerClient, createTriggerWorker, createTriggerWorkerFromEnv, defineApp, TriggerError, type RecordRunResult, type TemporalConnections } from '../../src';
import { startTemporalStack, type TemporalStack } from '../../src/devstack';
import { freePortBlock } from '../../src/devstack/ports';
import { testContext, uniqueName, uniqueResource } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let stack: TemporalStack | undefined;
let temporal: TemporalConnections | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-tls-'));
const tag = uniqueName('tls');
const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: { process: { where: { subject: { startsWith: tag } }, schedulerCron: false, action: { update: { status: 'processed' } } } },
});
const app = defineApp({ name: tag, resources: [Ticket] });

before(async () => {
  ctx = await testContext('tls');
  // a private CA and a server certificate for localhost signed by it, as a team would make for a private cluster
  const f = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=ptt test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key.pem'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  fs.writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('cert.pem'), '-days', '1', '-extfile', f('server.ext'));
  stack = await startTemporalStack({
    port: await freePortBlock([0, 1, 2, 6, 10, -300, -299, -298, -294]),
    ui: false,
    ignoreCli: true,
    dataDir: path.join(dir, 'server'),
    tls: { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem'), caFile: path.join(dir, 'ca.pem'), serverName: 'localhost' },
  });
});
after(async () => {
  await temporal?.close();
  await stack?.stop();
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a plaintext client is refused by the TLS frontend', async () => {
  const plain = await Connection.connect({ address: stack!.address, connectTimeout: 2000 }).catch((err: unknown) => err);
  if (plain instanceof Connection) {
    await assert.rejects(plain.workflowService.getSystemInfo({}));
    await plain.close();
  } else assert.ok(plain instanceof Error);
});

test('worker and client connect from the environment over TLS and run a trigger end to end', async () => {
  temporal = await connectFromEnv({
    worker: true,
    env: { TEMPORAL_ADDRESS: stack!.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'localhost' },
  });
  assert.ok(temporal.connectionOptions.tls, 'TLS from the environment');
  const worker = await createTriggerWorker({ connection: temporal.nativeConnection, client: temporal.client, namespace: temporal.namespace, app, prisma: ctx.prisma, registerSchedules: false, warn: () => {} });
  const ticket = await ctx.prisma.ticket.create({ data: { subject: `${tag} over tls` } });
  const result = await worker.runUntil(async () => (await (await createTriggerClient({ client: temporal!.client, app }).runTrigger(ticket, 'Ticket.process')).result()) as RecordRunResult);
  assert.equal(result.outcome, 'success');
  assert.equal((await ctx.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).status, 'processed');
});

test('createTriggerWorkerFromEnv: one call connects from the environment over TLS, runs a trigger, and closes its connections', async () => {
  const env = { TEMPORAL_ADDRESS: stack!.address, TEMPORAL_NAMESPACE: 'default', TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'localhost' };
  const worker = await createTriggerWorkerFromEnv({ env, app, prisma: ctx.prisma, registerSchedules: false, warn: () => {} });
  assert.equal(worker.temporal.namespace, 'default');
  const ticket = await ctx.prisma.ticket.create({ data: { subject: `${tag} from env` } });
  const result = await worker.runUntil(async () => (await (await createTriggerClient({ client: worker.temporal.client, app }).runTrigger(ticket, 'Ticket.process')).result()) as RecordRunResult);
  assert.equal(result.outcome, 'success');
  await assert.rejects(worker.temporal.client.workflowService.getSystemInfo({}), 'the client connection was closed when runUntil returned');
});

test('createTriggerWorkerFromEnv names the address when it cannot connect', async () => {
  await assert.rejects(
    createTriggerWorkerFromEnv({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1' }, app, prisma: ctx.prisma, registerSchedules: false }),
    (e: unknown) => e instanceof TriggerError && e.code === 'TEMPORAL_UNAVAILABLE' && /127\.0\.0\.1:1/.test(e.message),
  );
});
