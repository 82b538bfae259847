/**
 * One source for option types: the zod schemas (src/definitions/schema.ts) hold every option's
 * type, documentation and default; the exported option types (src/definitions/options.ts) derive
 * from them, re-declaring only the options typed by the record. Checked at compile time (the two
 * list the same options with the same value types) and here (each schema option documented with
 * its default, and options.ts declares nothing the schemas already type).
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

test('every option is documented once, in the schema, with its default; options.ts re-declares only record-typed options', () => {
  const schema = fs.readFileSync(path.resolve(__dirname, '../../src/definitions/schema.ts'), 'utf8');
  const block = (name: string): string => schema.slice(schema.indexOf(`export const ${name} = z`), schema.indexOf('  .strict();', schema.indexOf(`export const ${name} = z`)));
  const policies = schema.slice(schema.indexOf('const schedulePolicies = {'), schema.indexOf('};', schema.indexOf('const schedulePolicies = {')));
  const required: Record<string, string[]> = { triggerSchema: [], scheduledActionSchema: ['action', 'cron'], resourceSchema: ['model'] };
  for (const [name, shape] of [
    ['triggerSchema', triggerSchema.shape],
    ['scheduledActionSchema', scheduledActionSchema.shape],
    ['resourceSchema', resourceSchema.shape],
  ] as const) {
    for (const key of Object.keys(shape)) {
      const text = ['overlap', 'catchupWindow', 'jitter'].includes(key) ? policies : block(name);
      const at = text.search(new RegExp(`\\n {2,4}${key}:`));
      assert.ok(at > 0, `${name}.${key} is declared`);
      const doc = text.slice(text.lastIndexOf('/**', at), at);
      assert.ok(doc.includes('/**') && !doc.slice(doc.indexOf('*/') + 2).trim(), `${name}.${key} has TSDoc right above it`);
      if (!required[name]!.includes(key)) assert.match(doc, /@default/, `${name}.${key} documents its default`);
    }
  }
  const options = fs.readFileSync(path.resolve(__dirname, '../../src/definitions/options.ts'), 'utf8');
  const declared = [...options.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]).sort();
  assert.deepEqual(declared, ['action', 'action', 'chunkAction', 'extraArgs', 'onError', 'readMetadata', 'scheduledActions', 'tenantFrom', 'triggers'], 'options.ts declares only the options typed by the record, the transaction or the PrismaClient');
});
