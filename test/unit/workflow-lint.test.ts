import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { ESLint } from 'eslint';

// The lint must keep workflows/ deterministic: write probe files there and lint them for real.
const root = path.resolve(__dirname, '../..');
// The probes go in a folder of their own under workflows/ (the lint's glob covers it), never beside
// the workflow sources, which a worker starting in a parallel test file lists and hashes.
const probes = fs.mkdtempSync(path.join(root, 'workflows', '__lint_probes_'));
after(() => fs.rmSync(probes, { recursive: true, force: true }));

async function lintWorkflow(name: string, code: string): Promise<string[]> {
  const file = path.join(probes, `${name}.ts`);
  fs.writeFileSync(file, code);
  const [result] = await new ESLint({ cwd: root }).lintFiles([file]);
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

test('workflows/ may not import Node built-ins, Prisma, or activities at runtime', async () => {
  const messages = await lintWorkflow(
    'bad',
    `import fs from 'node:fs';\nimport { PrismaClient } from '@prisma/client';\nimport { createActivities } from '../../activities/index';\nexport const x = [fs, PrismaClient, createActivities];\n`,
  );
  assert.ok(messages.some((m) => /Node built-ins/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /never touch the database/.test(m)), messages.join('\n'));
  assert.ok(messages.some((m) => /activities as types only/.test(m)), messages.join('\n'));
});

test('workflows/ may import activities as types and use @temporalio/workflow', async () => {
  const messages = await lintWorkflow(
    'good',
    `import { sleep } from '@temporalio/workflow';\nimport type { TriggerActivities } from '../../activities/index';\nexport async function w(a: TriggerActivities | undefined): Promise<void> { void a; await sleep(1); }\n`,
  );
  assert.deepEqual(messages.filter((m) => /restricted/.test(m)), []);
});
