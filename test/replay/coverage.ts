/**
 * Coverage of the workflow code by the committed replay histories: the replay app's bundle is
 * built with istanbul's instrumentation (the loader and interceptor of @temporalio/nyc-test-coverage),
 * every history is replayed, and what the workflow isolates counted comes back through a sink that
 * also runs during replay. Branches that no history takes are exceptions only where the code says
 * so with an `istanbul ignore` hint and its reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import libCoverage, { type CoverageMap, type FileCoverageData } from 'istanbul-lib-coverage';
import libSourceMaps from 'istanbul-lib-source-maps';
import { Worker } from '@temporalio/worker';
import { buildWorkflowBundle } from '../../src/worker/bundle';
import { replayApp } from './app';
import { readHistoryFile } from './history-file';

const root = path.resolve(__dirname, '../..');
const workflowsDir = path.join(root, 'workflows');
export const historiesDir = path.join(__dirname, 'histories');

/** Every committed history, by name. */
export function historyNames(): string[] {
  return fs
    .readdirSync(historiesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * The TypeScript rule compiling to ES2022 instead of ES2017 (for the instrumented bundle only): `?.`,
 * `??` and object spread stay as written, so the branches counted are the code's own decisions, not
 * the ternaries a down-level compile makes of them.
 */
function nativeOptionalChaining<R>(rule: R): R {
  const use = (rule as { use?: { loader?: string; options?: { jsc?: Record<string, unknown> } } }).use;
  if (!use?.loader?.includes('swc-loader') || !use.options?.jsc) return rule;
  return { ...rule, use: { ...use, options: { ...use.options, jsc: { ...use.options.jsc, target: 'es2022' } } } };
}

/** Replays every committed history on an instrumented bundle; the coverage of workflows/*.ts. */
export async function replayCoverage(): Promise<{ map: CoverageMap; replayed: number; failures: string[] }> {
  const loader = require.resolve('@temporalio/nyc-test-coverage/lib/loader');
  const interceptor = require.resolve('@temporalio/nyc-test-coverage/lib/interceptors');
  const bundle = await buildWorkflowBundle(replayApp, {
    interceptorModules: [interceptor],
    webpackConfigHook: (config) => ({
      ...config,
      module: { ...config.module, rules: [...(config.module?.rules ?? []).map(nativeOptionalChaining), { test: /\.ts$/, include: [workflowsDir], enforce: 'post', use: { loader } }] },
    }),
  });
  const map = libCoverage.createCoverageMap({});
  const failures: string[] = [];
  let replayed = 0;
  const histories = historyNames().map((name) => ({ name, ...readHistoryFile(path.join(historiesDir, `${name}.json`)) }));
  const sinks = { coverage: { merge: { fn: (_info: unknown, data: Record<string, FileCoverageData>) => map.merge(data), callDuringReplay: true } } };
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, sinks: sinks as never }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  // the counts are of the compiled code: map them back onto the TypeScript sources
  const remapped = await libSourceMaps.createSourceMapStore({}).transformCoverage(map);
  remapped.filter((file) => file.startsWith(workflowsDir));
  return { map: remapped, replayed, failures };
}

/**
 * The branches held to full coverage: if/else and switch arms (the code's decisions). A `?:`
 * (mostly `x !== undefined ? { x } : {}`, passing optional inputs along) and an operand of
 * `&&`, `||` or `??` are counted in the table's branch column, not required.
 */
const DECISIONS = new Set(['if', 'switch']);

export interface Uncovered {
  file: string;
  line: number;
  what: string;
}

/** Statements and branch arms no history ran (istanbul leaves out what an `ignore` hint names). */
export function uncovered(map: CoverageMap): Uncovered[] {
  const out: Uncovered[] = [];
  for (const file of map.files()) {
    const fc = map.fileCoverageFor(file);
    const rel = path.relative(root, file);
    for (const [id, n] of Object.entries(fc.s)) if (n === 0) out.push({ file: rel, line: fc.statementMap[id]!.start.line, what: 'statement' });
    for (const [id, counts] of Object.entries(fc.b)) {
      if (!DECISIONS.has(fc.branchMap[id]!.type)) continue;
      counts.forEach((n, arm) => {
        if (n === 0) {
          const b = fc.branchMap[id]!;
          out.push({ file: rel, line: b.locations[arm]?.start.line ?? b.loc.start.line, what: `${b.type} branch, arm ${arm + 1} of ${counts.length}${b.locations[arm]?.start.line === undefined ? ' (the implicit else)' : ''}` });
        }
      });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** The `istanbul ignore` hints in workflows/ with the reason written after them: the listed exceptions. */
export function coverageExceptions(): { file: string; line: number; reason: string }[] {
  const out: { file: string; line: number; reason: string }[] = [];
  for (const f of fs.readdirSync(workflowsDir).filter((x) => x.endsWith('.ts')).sort()) {
    fs.readFileSync(path.join(workflowsDir, f), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const m = /istanbul ignore (?:next|if|else)\s*(?:--|:)?\s*(.*?)\s*\*\//.exec(text);
        if (m) out.push({ file: `workflows/${f}`, line: i + 1, reason: m[1] ?? '' });
      });
  }
  return out;
}

/** A table of statement, branch and line coverage per file, and the total. */
export function coverageTable(map: CoverageMap): string {
  const rows: string[][] = [];
  const pct = (c: { covered: number; total: number }): string => (c.total ? `${((100 * c.covered) / c.total).toFixed(1)}% (${c.covered}/${c.total})` : '-');
  for (const file of map.files().sort()) {
    const s = map.fileCoverageFor(file).toSummary();
    rows.push([path.relative(root, file), pct(s.statements), pct(s.branches), pct(s.functions), pct(s.lines)]);
  }
  const total = map.getCoverageSummary();
  rows.push(['all of workflows/', pct(total.statements), pct(total.branches), pct(total.functions), pct(total.lines)]);
  const head = ['file', 'statements', 'branches', 'functions', 'lines'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}
