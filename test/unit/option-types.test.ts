/**
 * The documented option types (src/definitions/options.ts) and the zod schemas that validate them
 * (src/definitions/schema.ts) must describe the same options: checked at compile time (typecheck)
 * and at run time (every schema option is documented with its default).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { z } from 'zod';
import type { ResourceDefinition, ScheduledActionDefinition, TriggerDefinition } from '../../src/definitions/options';
import { resourceSchema, scheduledActionSchema, triggerSchema } from '../../src/definitions/schema';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const triggerKeys: Same<keyof TriggerDefinition, keyof z.input<typeof triggerSchema>> = true;
const actionKeys: Same<keyof ScheduledActionDefinition, keyof z.input<typeof scheduledActionSchema>> = true;
const resourceKeys: Same<keyof ResourceDefinition, keyof z.input<typeof resourceSchema>> = true;

test('option interfaces and zod schemas list the same options (compile-time check)', () => {
  assert.deepEqual([triggerKeys, actionKeys, resourceKeys], [true, true, true]);
});

test('every option with a default documents it with @default', () => {
  const source = fs.readFileSync(path.resolve(__dirname, '../../src/definitions/options.ts'), 'utf8');
  const block = (name: string): string => source.slice(source.indexOf(`export interface ${name}`), source.indexOf('\n}\n', source.indexOf(`export interface ${name}`)));
  const required = new Set(['action', 'cron', 'model']);
  for (const [iface, shape] of [
    ['TriggerDefinition', triggerSchema.shape],
    ['ScheduledActionDefinition', scheduledActionSchema.shape],
    ['ResourceDefinition', resourceSchema.shape],
  ] as const) {
    const text = block(iface);
    for (const key of Object.keys(shape)) {
      const at = text.search(new RegExp(`\\n  ${key}\\??:`));
      assert.ok(at > 0, `${iface}.${key} is declared`);
      const doc = text.slice(text.lastIndexOf('/**', at), at);
      assert.ok(doc.includes('/**'), `${iface}.${key} has TSDoc`);
      if (!required.has(key)) assert.match(doc, /@default/, `${iface}.${key} documents its default`);
    }
  }
});
