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

/**
 * Every option's value type, checked by assigning each documented type to its schema's input type
 * and back (`npm run typecheck` fails on any drift, such as a function that may return a Promise in
 * one and not the other).
 */
function sameValueTypes(
  trigger: TriggerDefinition,
  triggerInput: z.input<typeof triggerSchema>,
  action: ScheduledActionDefinition,
  actionInput: z.input<typeof scheduledActionSchema>,
  resource: ResourceDefinition,
  resourceInput: z.input<typeof resourceSchema>,
): unknown[] {
  const checks: [z.input<typeof triggerSchema>, TriggerDefinition, z.input<typeof scheduledActionSchema>, ScheduledActionDefinition, z.input<typeof resourceSchema>, ResourceDefinition] = [
    trigger,
    triggerInput,
    action,
    actionInput,
    resource,
    resourceInput,
  ];
  // Negative control: the check does catch a drifted option type.
  type Drifted = Omit<TriggerDefinition, 'maxAttempts'> & { maxAttempts?: string };
  // @ts-expect-error maxAttempts is a number in the schema
  const drifted: z.input<typeof triggerSchema> = null as unknown as Drifted;
  return [...checks, drifted];
}

test('option interfaces and zod schemas list the same options, with the same value types (compile-time checks)', () => {
  assert.deepEqual([triggerKeys, actionKeys, resourceKeys], [true, true, true]);
  assert.equal(typeof sameValueTypes, 'function');
});

test('every option with a default documents it with @default', () => {
  const source = fs.readFileSync(path.resolve(__dirname, '../../src/definitions/options.ts'), 'utf8');
  const block = (name: string): string => source.slice(source.indexOf(`export interface ${name}`), source.indexOf('\n}\n', source.indexOf(`export interface ${name}`)));
  const required: Record<string, string[]> = { TriggerDefinition: [], ScheduledActionDefinition: ['action', 'cron'], ResourceDefinition: ['model'] };
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
      if (!required[iface]!.includes(key)) assert.match(doc, /@default/, `${iface}.${key} documents its default`);
    }
  }
});
