/**
 * Environment variables the dev stack and CLI read, validated with zod: a bad value is an error
 * naming the variable and what it should be, never a silent NaN.
 */
import { z } from 'zod';
import { ConfigError } from '../errors';
import { redactText } from '../redact';

const port = z.coerce.number().int().min(1).max(65535);

const schema = z.object({
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  PGLITE_PORT: port.default(55432),
  TEMPORAL_REUSE_EXISTING: z.enum(['0', '1', 'true', 'false']).optional(),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgresql:// URL').optional(),
});

export type Env = z.output<typeof schema>;

/** Reads and validates the variables (only the ones present; the rest take their defaults). */
export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const present = Object.fromEntries(Object.keys(schema.shape).filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new ConfigError(`${name}=${JSON.stringify(redactText(env[name] ?? ''))} is invalid: ${issue.message}. Unset it or give a valid value.`);
  }
  return parsed.data;
}

export function envFlag(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}
