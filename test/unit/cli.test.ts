import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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

test('cli codec-server: serves the PTT_ENCRYPTION_KEYS codec until Ctrl-C, then says stopping… stopped; refuses to start without keys', async () => {
  const noKeys = cli('codec-server', '--port', '0');
  assert.equal(noKeys.status, 1);
  assert.match(noKeys.stderr, /codec-server: set PTT_ENCRYPTION_KEYS/);
  const key = Buffer.alloc(32, 3).toString('base64');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'codec-server', '--port', '0'], { cwd: root, env: { ...process.env, PTT_ENCRYPTION_KEYS: `k1:${key}` } });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = /codec endpoint (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`codec-server exited ${code}: ${stderr}`)));
  });
  const payload = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"secret"').toString('base64') };
  const post = async (route: string, payloads: unknown[]) => (await (await fetch(`${url}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ payloads }) })).json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
  const encoded = await post('/encode', [payload]);
  assert.equal(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
  assert.ok(!Buffer.from(encoded.payloads[0]!.data, 'base64').toString().includes('secret'));
  const decoded = await post('/decode', encoded.payloads);
  assert.equal(Buffer.from(decoded.payloads[0]!.data, 'base64').toString(), '"secret"');
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.match(stderr, /stopping… stopped/);
});

test('cli bundle: writes the prebuilt workflow bundle of an app module, marked with the library version', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-cli-bundle-'));
  const out = path.join(dir, 'workflow-bundle.js');
  const r = cli('bundle', 'example/app.ts', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote .*workflow-bundle\.js \(\d+ KiB, ptt-bundle:[^:]+:[0-9a-f]{16}\)/);
  assert.match(fs.readFileSync(out, 'utf8'), /ptt-bundle:[^:"'\s]+:[0-9a-f]{16}/);
});

test('cli contract: every command lists every flag it takes in its help; an unknown flag is refused naming it; with --json errors are JSON with a code', async () => {
  const { commands } = await import('../../src/cli');
  for (const [name, cmd] of Object.entries(commands)) {
    for (const flag of Object.keys(cmd.options ?? {})) assert.ok(cmd.help.includes(`--${flag}`), `${name} --help lists --${flag}`);
    assert.ok(cmd.help.includes('--json'), `${name} --help lists --json`);
  }
  const bad = cli('describe', 'example/app.ts', '--nope');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /error \[CONFIG_INVALID\]: describe: Unknown option '--nope'/);
  const json = cli('describe', 'example/app.ts', '--nope', '--json');
  assert.equal(json.status, 1);
  assert.deepEqual(Object.keys(JSON.parse(json.stdout) as object), ['error']);
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'CONFIG_INVALID');
  const described = cli('describe', 'example/app.ts', '--json');
  assert.equal(described.status, 0, described.stderr);
  assert.ok((JSON.parse(described.stdout) as { id: string }[]).some((d) => d.id === 'Ticket.process'));
});
