import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serializeError } from '../../activities/serialize-error';
import { readEnv } from '../../src/config/env';
import { ConfigError } from '../../src/errors';
import { redactText, redactUrl } from '../../src/redact';

const SECRET = 'Pl4nted-s3cret';

test('redactUrl hides the password in the userinfo and in secret query parameters, keeping the rest', () => {
  const out = redactUrl(`postgresql://app:${SECRET}@db.internal:5432/app?sslmode=require&password=${SECRET}&sslpassword=${SECRET}&application_name=x`);
  assert.doesNotMatch(out, new RegExp(SECRET));
  assert.match(out, /^postgresql:\/\/app:\*\*\*@db\.internal:5432\/app\?sslmode=require&password=\*\*\*&sslpassword=\*\*\*&application_name=x$/);
  assert.equal(redactUrl('postgresql://postgres@127.0.0.1:5432/postgres'), 'postgresql://postgres@127.0.0.1:5432/postgres');
});

test('redactText masks URLs and key=value secrets inside free text', () => {
  const text = `connect failed for postgres://u:${SECRET}@h/db (password=${SECRET}; api_key: ${SECRET}) and temporal://x?token=${SECRET}`;
  const out = redactText(text);
  assert.doesNotMatch(out, new RegExp(SECRET));
  assert.match(out, /connect failed for postgres:\/\/u:\*\*\*@h\/db/);
});

test('readEnv never quotes a secret in its error', () => {
  assert.throws(
    () => readEnv({ DATABASE_URL: `mysql://root:${SECRET}@localhost/app?password=${SECRET}` }),
    (e: unknown) => e instanceof ConfigError && /DATABASE_URL=.*is invalid/.test(e.message) && !e.message.includes(SECRET),
  );
});

test('any thrown value is reported as itself: circular objects, BigInt, symbols, null, and secrets are masked', () => {
  const circular: Record<string, unknown> = { kind: 'loop' };
  circular.self = circular;
  assert.match(serializeError(circular).message, /kind: 'loop'.*self: \[Circular \*1\]/);
  assert.equal(serializeError(10n).message, '10n');
  assert.equal(serializeError({ amount: 10n }).message, '{ amount: 10n }');
  assert.equal(serializeError(Symbol('nope')).message, 'Symbol(nope)');
  assert.equal(serializeError(null).message, 'null');
  assert.equal(serializeError(undefined).message, 'undefined');
  const withUrl = serializeError(new Error(`cannot connect to postgresql://u:${SECRET}@h/db`));
  assert.ok(!withUrl.message.includes(SECRET) && !(withUrl.stack ?? '').includes(SECRET));
});
