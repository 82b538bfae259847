import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const root = path.resolve(__dirname, '../..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...args], { cwd: root, encoding: 'utf8' });

test('cli set-default-names: --check fails while names are missing, then writes them, then --check passes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-cli-'));
  const file = path.join(dir, 'defs.ts');
  fs.writeFileSync(
    file,
    `import { defineResource } from 'prisma-temporal-triggers';\nexport const T = defineResource({\n  model: 'Ticket',\n  triggers: {\n    process: {\n      action: { delete: true },\n    },\n  },\n});\n`,
  );
  const check1 = cli('set-default-names', '--check', file);
  assert.equal(check1.status, 1, check1.stderr);
  assert.match(check1.stderr, /Ticket\.triggers\.process\.workflowType = 'Ticket\.process'/);
  assert.match(check1.stderr, /2 stable name\(s\) missing/);
  const write = cli('set-default-names', file);
  assert.equal(write.status, 0, write.stderr);
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /workflowType: 'Ticket\.process',/);
  assert.match(text, /schedulerWorkflowType: 'Ticket\.process\.scheduler',/);
  const check2 = cli('set-default-names', '--check', file);
  assert.equal(check2.status, 0, check2.stderr);
});

test('cli: an unknown command lists the commands and fails', () => {
  const r = cli('nope');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /set-default-names/);
  assert.match(r.stderr, /dangling/);
  assert.match(r.stderr, /unknown command "nope"/);
});

test('cli describe prints every trigger and scheduled action of an app module with its next run', () => {
  const r = cli('describe', 'example/app.ts');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /trigger Ticket\.process: cron \* \* \* \* \* \(next \d{4}-/);
  assert.match(r.stderr, /scheduled action DailyReport\.generate: cron 0 0 \* \* \*/);
});

test('cli: --help on every command prints its usage, exits 0 and changes nothing (temporal:start starts no server)', () => {
  const list = cli('--help');
  assert.equal(list.status, 0, list.stderr);
  const names = [...list.stdout.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!);
  assert.ok(names.includes('init') && names.includes('temporal:start') && names.includes('set-default-names'), list.stdout);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-cli-help-'));
  for (const name of names) {
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href, path.join(root, 'src/cli.ts'), name, '--help'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^usage: prisma-temporal-triggers ${name} `), name);
  }
  assert.deepEqual(fs.readdirSync(dir), [], 'no file written in the working directory');
  const typo = cli('dangle');
  assert.equal(typo.status, 1);
  assert.match(typo.stderr, /unknown command "dangle" \(did you mean "dangling"\?\)/);
});
