#!/usr/bin/env node
// Runs before `npm start` and `npm test` (plain Node, no dependencies): installs what a fresh clone
// is missing, with visible progress.
//  1. node_modules missing or older than package-lock.json -> `npm ci`
//  2. generated Prisma client missing or older than prisma/schema.prisma -> `prisma generate`
//  3. with --test: the same for the tests' second schema (test/fixtures/renamed: a renamed model)
// The Temporal binaries are built (once) by the start/test code itself, with its own progress.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const mtime = (p) => {
  try {
    return fs.statSync(path.join(root, p)).mtimeMs;
  } catch {
    return 0;
  }
};
const run = (cmd, args, label) => {
  process.stderr.write(`[setup] ${label}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  if (r.status !== 0) {
    process.stderr.write(`[setup] ${label} failed (exit ${r.status}).\n`);
    process.exit(r.status || 1);
  }
};

const stamp = 'node_modules/.package-lock.json';
if (!mtime(stamp) || mtime('package-lock.json') > mtime(stamp)) {
  run('npm', ['ci', '--no-audit', '--no-fund'], 'installing dependencies');
}
const generate = (schema, output, label) => {
  if (!mtime(`${output}/client.ts`) || mtime(schema) > mtime(`${output}/client.ts`)) {
    run(path.join(root, 'node_modules/.bin/prisma'), ['generate', '--schema', schema], label);
  }
};
generate('prisma/schema.prisma', 'generated/prisma', 'generating the Prisma client');
if (process.argv.includes('--test')) generate('test/fixtures/renamed/schema.prisma', 'generated/renamed', "generating the tests' renamed-model client");
