/**
 * Every ```ts block of README.md and docs/*.md type-checks against the library (strict, as a user's
 * project would): each becomes the body of an async function in a module of its own, with the
 * names a reader's project has (test/fixtures/doc-prelude.ts) in scope; its own imports are kept,
 * `prisma-temporal-triggers` resolved to this repository's sources. A negative control shows a
 * wrong option fails the check.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const prelude = path.join(root, 'test/fixtures/doc-prelude.ts');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-doc-snippets-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

interface Snippet {
  where: string;
  code: string;
}

function snippets(): Snippet[] {
  const files = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: Snippet[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() !== '```ts') continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end]!.trim() !== '```') end++;
      out.push({ where: `${file}:${start}`, code: lines.slice(start, end).join('\n') });
      i = end;
    }
  }
  return out;
}

/**
 * The snippet as a module: the prelude names it uses imported (values and types alike), its own
 * imports kept (the library resolved to src/); a snippet that is a module (it exports) stays at the
 * top level, any other becomes the body of an async function, in a block of its own so that it may
 * declare names the prelude also has.
 */
function moduleOf(s: Snippet): string {
  const lines = s.code.split('\n');
  const own = lines.filter((l) => /^import\s/.test(l));
  const body = lines.filter((l) => !/^import\s/.test(l));
  const imported = new Set(own.flatMap((l) => (/\{([^}]*)\}/.exec(l)?.[1] ?? '').split(',').map((n) => n.replace(/^\s*type\s+/, '').split(/\s+as\s+/).pop()!.trim())));
  const used = new Set(body.join('\n').match(/[A-Za-z_$][\w$]*/g) ?? []);
  const declared = new Set(body.flatMap((l) => /^(?:export\s+)?(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/.exec(l)?.[1] ?? []));
  const names = preludeExports().filter((n) => used.has(n) && !imported.has(n) && !declared.has(n));
  const rewritten = own.map((l) =>
    l
      .replace(/from 'prisma-temporal-triggers(\/testing|\/devstack|\/dashboard)?'/, (_m, sub: string | undefined) => `from ${JSON.stringify(path.join(root, sub ? `src${sub}` : 'src'))}`)
      .replace(/from '\.\/generated\/prisma\/client'/, `from ${JSON.stringify(path.join(root, 'example/prisma-client'))}`),
  );
  const head = [...rewritten, ...(names.length ? [`import { ${names.join(', ')} } from ${JSON.stringify(prelude.replace(/\.ts$/, ''))};`] : [])];
  if (body.some((l) => /^export\s/.test(l))) return [...head, ...body].join('\n');
  return [...head, 'export async function snippet(): Promise<void> {', '  {', ...body, '  }', '}'].join('\n');
}

let exportsCache: string[] | undefined;
/** Every name the prelude exports (values and types). */
function preludeExports(): string[] {
  if (exportsCache) return exportsCache;
  const program = ts.createProgram([prelude], compilerOptions());
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(prelude)!)!;
  exportsCache = checker.getExportsOfModule(symbol).map((e) => e.getName()).filter((n) => n !== 'default');
  return exportsCache;
}

function compilerOptions(): ts.CompilerOptions {
  const cfg = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  // modules written outside the repository resolve packages from its node_modules
  return { ...parsed.options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false, baseUrl: root, paths: { '*': ['node_modules/*', 'node_modules/@types/*'] } };
}

/** Type errors of the given modules, by file. */
function check(modules: { file: string; text: string }[]): Map<string, string[]> {
  for (const m of modules) fs.writeFileSync(m.file, m.text);
  const program = ts.createProgram(modules.map((m) => m.file), compilerOptions());
  const errors = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file?.fileName;
    if (!file || !modules.some((m) => m.file === file)) continue;
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    errors.set(file, [...(errors.get(file) ?? []), `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`]);
  }
  return errors;
}

test('every ts code block of the README and the guides type-checks against the library', (t) => {
  const all = snippets();
  assert.ok(all.length >= 10, `found ${all.length} blocks`);
  const modules = all.map((s, i) => ({ s, file: path.join(work, `snippet-${i}.ts`), text: moduleOf(s) }));
  // negative control: a misspelt option in a block like the docs' must fail
  const control = { file: path.join(work, 'control.ts'), text: moduleOf({ where: 'control', code: "import { defineResource } from 'prisma-temporal-triggers';\ndefineResource({ model: 'Ticket', triggers: { process: { action: { delete: true }, maxAtempts: 3 } } });" }) };
  const errors = check([...modules.map(({ file, text }) => ({ file, text })), control]);
  assert.ok(errors.get(control.file)?.some((e) => /maxAtempts/.test(e)), `the check catches a wrong option: ${JSON.stringify(errors.get(control.file))}`);
  const failing = modules.filter((m) => errors.has(m.file)).map((m) => `${m.s.where}:\n  ${errors.get(m.file)!.join('\n  ')}`);
  assert.deepEqual(failing, [], `code blocks that do not type-check:\n${failing.join('\n')}`);
  t.diagnostic(`${modules.length} code blocks type-checked`);
});

test('the README stays short and links every guide; every relative link of the docs resolves', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.ok(readme.split('\n').length < 300, `README.md has ${readme.split('\n').length} lines: move detail into a guide in docs/`);
  const guides = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md'));
  for (const g of guides) assert.ok(readme.includes(`](docs/${g})`), `README.md links docs/${g}`);
  const broken: string[] = [];
  for (const file of ['README.md', ...guides.map((g) => `docs/${g}`)]) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/.test(target)) continue;
      if (!fs.existsSync(path.resolve(path.dirname(path.join(root, file)), target))) broken.push(`${file}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the main entry exports what the docs document: every value it exports is named in the README or a guide', async () => {
  const main = (await import('../../src')) as Record<string, unknown>;
  const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)].map((f) => fs.readFileSync(path.join(root, f), 'utf8')).join('\n');
  const undocumented = Object.keys(main).filter((name) => name !== 'default' && !new RegExp(`\\b${name}\\b`).test(docs));
  assert.deepEqual(undocumented, [], 'document each in a guide, or take it out of src/index.ts');
});
