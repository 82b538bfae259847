/**
 * Histories without personal data: with the encryption codec in worker and client, the server
 * stores ciphertext only; the library and the codec endpoint decode it; keys rotate by id.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { createTriggerClient, defineApp, EncryptionCodec, encryptionCodecFromEnv, type RecordRunResult } from '../../src';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';
import { startEngine, testContext, uniqueName, uniqueResource, type Engine } from '../helpers/engine';

let ctx: Awaited<ReturnType<typeof testContext>>;
let engine: Engine;
let server: CodecServer;
const tag = uniqueName('enc');
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const codec = encryptionCodecFromEnv({ PTT_ENCRYPTION_KEYS: `k2:${k2.toString('base64')}, k1:${k1.toString('base64')}` })!;
const oldCodec = new EncryptionCodec({ keys: { k1 }, current: 'k1' });
const secret = `${tag} Jane Doe, 12 Privet Drive`;

const Ticket = uniqueResource(tag, {
  model: 'Ticket',
  triggers: {
    process: {
      where: { subject: { startsWith: tag } },
      schedulerCron: false,
      readMetadata: (t: { subject: string }) => ({ customer: t.subject }), // personal data in the run's input
      action: { update: { status: 'processed' } },
    },
  },
});
const app = defineApp({ name: tag, resources: [Ticket] });
/** Every string and every byte array (as UTF-8) in a value, so plaintext cannot hide in bytes. */
function bytesText(value: unknown, out: string[] = []): string {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) bytesText(v, out);
  return out.join('\n');
}
const utf8 = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? new Uint8Array()).toString('utf8');

before(async () => {
  ctx = await testContext('encryption');
  const client = new Client({ connection: ctx.env.connection, dataConverter: { payloadCodecs: [codec] } });
  engine = await startEngine(ctx.env, app, ctx.prisma, { client, registerSchedules: false, workerOptions: { dataConverter: { payloadCodecs: [codec] } } });
  server = await startCodecServer({ codec, uiOrigin: 'http://localhost:8233' });
});
after(async () => {
  await server?.close();
  await engine?.stop();
  await ctx?.close();
});

test('the server stores ciphertext; the library and the codec endpoint decode it', async () => {
  const ticket = await ctx.prisma.ticket.create({ data: { subject: secret } });
  const encrypted = createTriggerClient({ client: new Client({ connection: ctx.env.connection, dataConverter: { payloadCodecs: [codec] } }), app });
  const run = await encrypted.runTrigger(ticket, 'Ticket.process');
  assert.equal(((await run.result()) as RecordRunResult).outcome, 'success');
  // what the server holds, read without the codec
  const history = await ctx.env.client.workflow.getHandle(run.workflowId).fetchHistory();
  const raw = bytesText(history);
  assert.ok(raw.includes('"Ticket.process"'), 'the walker reads payload bytes (search attributes are never encrypted)');
  assert.ok(!raw.includes('Privet Drive'), 'no plaintext personal data anywhere in the stored history');
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload;
  assert.equal(utf8(input.metadata?.encoding), 'binary/encrypted');
  assert.equal(utf8(input.metadata?.['encryption-key-id']), 'k2');
  // the library decodes it
  const [decoded] = await codec.decode([input]);
  assert.match(utf8(decoded?.data), /12 Privet Drive/);
  // the codec endpoint, as the UI calls it
  const res = await fetch(`${server.url}/decode`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: 'http://localhost:8233' },
    body: JSON.stringify({ payloads: [{ metadata: Object.fromEntries(Object.entries(input.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(input.data ?? new Uint8Array()).toString('base64') }] }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:8233');
  const body = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
  assert.equal(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
  assert.match(Buffer.from(body.payloads[0]!.data, 'base64').toString(), /12 Privet Drive/);
});

test('keys rotate by id: old payloads decode while their key is listed; a missing key is named, never shown', async () => {
  const plain: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"hello"') };
  const [old] = await oldCodec.encode([plain]);
  const [back] = await codec.decode([old!]);
  assert.equal(utf8(back?.data), '"hello"');
  const onlyNew = new EncryptionCodec({ keys: { k2 }, current: 'k2' });
  await assert.rejects(onlyNew.decode([old!]), (err: Error) => /encrypted with key "k1", which is not configured \(keys: k2\)/.test(err.message) && !err.message.includes(k1.toString('base64')));
  assert.throws(() => encryptionCodecFromEnv({ PTT_ENCRYPTION_KEYS: 'short:c2hvcnQ=' }), /key "short" has 5 bytes; AES-256 needs 32/);
  const [tampered] = await codec.encode([plain]);
  tampered!.data![20] = tampered!.data![20]! ^ 1;
  await assert.rejects(codec.decode([tampered!]), /auth|Unsupported state/i, 'GCM refuses a modified payload');
});
