#!/usr/bin/env node
/**
 * The public surface, checked: builds the declarations, then API Extractor compares each entry
 * point (`.`, `./testing`, `./devstack`, `./dashboard`) with its committed report in api/. A difference fails
 * (`npm run api:check`, run by .ci/run) until the report is updated on purpose
 * (`npm run api:update`), so every change to the surface shows in review. `--docs` also writes the
 * API reference of the main entry to docs/api/ from the doc comments (API Documenter).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const update = process.argv.includes('--update');
const docs = process.argv.includes('--docs') || update;

const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

console.log('[api] building declarations (tsc -p tsconfig.build.json)');
run(bin('tsc'), ['-p', 'tsconfig.build.json']);
let failed = [];
for (const entry of ['main', 'testing', 'devstack', 'dashboard']) {
  console.log(`[api] ${entry}: ${update ? 'writing' : 'checking'} api/${entry}.api.md`);
  try {
    run(bin('api-extractor'), ['run', ...(update ? ['--local'] : []), '-c', `api/api-extractor.${entry}.json`]);
  } catch {
    failed.push(entry);
  }
}
if (failed.length) {
  console.error(`[api] the public surface of ${failed.join(', ')} differs from api/*.api.md (diff above). If the change is meant, run npm run api:update and commit the reports.`);
  process.exit(1);
}
// The API reference (docs/api/) is generated from the doc comments: written by --update/--docs,
// and checked otherwise (a doc comment changed without regenerating it fails too).
const generated = path.join(root, '.api-temp', 'docs');
fs.rmSync(generated, { recursive: true, force: true });
execFileSync(bin('api-documenter'), ['markdown', '-i', '.api-temp', '-o', generated], { cwd: root, stdio: 'ignore' });
const out = path.join(root, 'docs', 'api');
if (docs) {
  fs.rmSync(out, { recursive: true, force: true });
  fs.cpSync(generated, out, { recursive: true });
  console.log(`[api] API reference written to docs/api/ (${fs.readdirSync(out).length} pages)`);
} else {
  const list = (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
  const differ = [...new Set([...list(generated), ...list(out)])].filter((f) => !fs.existsSync(path.join(out, f)) || !fs.existsSync(path.join(generated, f)) || !fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(generated, f))));
  if (differ.length) {
    console.error(`[api] docs/api/ is not what the doc comments give (${differ.length} page(s), e.g. ${differ.slice(0, 3).join(', ')}): run npm run api:update and commit it.`);
    process.exit(1);
  }
  console.log(`[api] the surface matches api/*.api.md and docs/api/ (${list(out).length} pages)`);
}
