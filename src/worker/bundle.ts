/**
 * Builds the workflow bundle for an app: this library's workflows plus the list of workflow types
 * the app declares (written into the bundle, so the dispatcher knows them without I/O). Bundles
 * are cached per set of types for the life of the process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { App } from '../definitions/define';
import { stableStringify } from '../../workflows/primary-key';
import type { WorkflowRole } from '../../workflows/registry';

const cache = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

export function knownWorkflowTypes(app: App): Record<string, WorkflowRole> {
  const out: Record<string, WorkflowRole> = {};
  for (const [type, entry] of app.byWorkflowType) out[type] = entry.role;
  return out;
}

export function workflowBundleFor(app: App): Promise<WorkflowBundleWithSourceMap> {
  const types = knownWorkflowTypes(app);
  const key = stableStringify(types);
  let bundle = cache.get(key);
  if (!bundle) {
    bundle = build(types);
    cache.set(key, bundle);
    bundle.catch(() => cache.delete(key));
  }
  return bundle;
}

async function build(types: Record<string, WorkflowRole>): Promise<WorkflowBundleWithSourceMap> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-bundle-'));
  const workflows = path.resolve(__dirname, '../../workflows');
  const entry = path.join(dir, 'entry.js');
  fs.writeFileSync(
    entry,
    [
      `import { setKnownWorkflowTypes } from ${JSON.stringify(path.join(workflows, 'registry'))};`,
      `export * from ${JSON.stringify(path.join(workflows, 'index'))};`,
      `export { default } from ${JSON.stringify(path.join(workflows, 'index'))};`,
      `setKnownWorkflowTypes(${JSON.stringify(types)});`,
      '',
    ].join('\n'),
  );
  try {
    // The generated entry lives in a temp folder: let webpack find packages where this library finds them.
    const nodeModules = path.resolve(path.dirname(require.resolve('@temporalio/workflow/package.json')), '..', '..');
    return await bundleWorkflowCode({
      workflowsPath: entry,
      logger: quietLogger,
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), nodeModules] },
      }),
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const noop = (): void => {};
const quietLogger = { trace: noop, debug: noop, info: noop, log: noop, warn: (m: string) => process.stderr.write(`[bundle] ${m}\n`), error: (m: string) => process.stderr.write(`[bundle] ${m}\n`) };
