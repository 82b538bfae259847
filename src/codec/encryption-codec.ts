/**
 * Histories without personal data: a payload codec that encrypts every payload (inputs, results,
 * memos of the runs) with AES-256-GCM before it leaves the process, so the Temporal server stores
 * ciphertext only. The key id travels in each payload's metadata, so keys rotate: encrypt with the
 * newest, decrypt with any still listed.
 *
 * Use the same codec in the worker, the client and the CLI:
 *   const codec = encryptionCodecFromEnv(); // PTT_ENCRYPTION_KEYS="2026-12:<base64 32 bytes>,2026-06:<...>"
 *   createTriggerWorker({ ..., workerOptions: { dataConverter: { payloadCodecs: [codec] } } });
 *   new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
 * and point the Temporal UI at `startCodecServer({ codec })` to read decoded payloads.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../errors';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = new TextEncoder();
const untext = new TextDecoder();

export interface EncryptionKeys {
  /** Key id → 32-byte key. */
  keys: Record<string, Uint8Array>;
  /** The id new payloads are encrypted with. */
  current: string;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Uint8Array>;
  readonly current: string;

  constructor(options: EncryptionKeys) {
    this.keys = new Map(Object.entries(options.keys));
    this.current = options.current;
    if (!this.keys.has(options.current)) throw new ConfigError(`encryption codec: the current key "${options.current}" is not among the keys (${[...this.keys.keys()].join(', ')})`);
    for (const [id, key] of this.keys) if (key.length !== 32) throw new ConfigError(`encryption codec: key "${id}" has ${key.length} bytes; AES-256 needs 32 (openssl rand -base64 32)`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.current)!;
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: text.encode(ENCRYPTED_ENCODING), [KEY_ID]: text.encode(this.current) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.encoding;
      if (!encoding || untext.decode(encoding) !== ENCRYPTED_ENCODING) return p;
      const idBytes = p.metadata?.[KEY_ID];
      const id = idBytes ? untext.decode(idBytes) : '';
      const key = this.keys.get(id);
      if (!key) throw new ConfigError(`encryption codec: a payload is encrypted with key "${id}", which is not configured (keys: ${[...this.keys.keys()].join(', ')}); keep old keys listed until no history needs them`);
      const data = Buffer.from(p.data ?? new Uint8Array());
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      const decoded = temporal.api.common.v1.Payload.decode(plain);
      return { metadata: decoded.metadata ?? {}, data: decoded.data ?? new Uint8Array() } as Payload;
    });
  }
}

/**
 * The codec from `PTT_ENCRYPTION_KEYS` (`id:base64key[,id:base64key...]`, the first encrypts), or
 * undefined when it is not set. Key material never appears in errors.
 */
export function encryptionCodecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const raw = env.PTT_ENCRYPTION_KEYS?.trim();
  if (!raw) return undefined;
  const keys: Record<string, Uint8Array> = {};
  let current: string | undefined;
  for (const [i, part] of raw.split(',').entries()) {
    const at = part.indexOf(':');
    const id = part.slice(0, at).trim();
    if (at <= 0 || !id) throw new ConfigError(`PTT_ENCRYPTION_KEYS: entry ${i + 1} must be <key id>:<base64 key>`);
    keys[id] = Buffer.from(part.slice(at + 1).trim(), 'base64');
    current ??= id;
  }
  return new EncryptionCodec({ keys, current: current! });
}
