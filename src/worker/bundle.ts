/**
 * The workflow bundle for an app: this library's workflows plus the workflow types the app
 * declares (written into the bundle, so the dispatcher knows them without I/O), tagged with a
 * marker (library version and a fingerprint of those types).
 *
 * Workers build it at boot (cached per set of types for the life of the process), or load one
 * prebuilt with `writeWorkflowBundle` / `npx prisma-temporal-triggers bundle` (a deploy step: no webpack at
 * boot). A prebuilt bundle whose marker does not match the app and the library is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { App } from '../definitions/define';
import { ConfigError } from '../errors';
import { VERSION } from '../version';
import { fingerprint, stableStringify } from '../../workflows/primary-key';
import type { WorkflowRole } from '../../workflows/registry';
import { otelWorkflowModule } from './tracing';

/** A workflow bundle: the code, or the path of a file holding it. */
export type PrebuiltWorkflowBundle = { code: string } | { codePath: string };

const cache = new Map<string, Promise<{ code: string }>>();

export function knownWorkflowTypes(app: App): Record<string, WorkflowRole> {
  const out: Record<string, WorkflowRole> = {};
  for (const [type, entry] of app.byWorkflowType) out[type] = entry.role;
  return out;
}

/** What a bundle for `app` built by this version of the library carries: `ptt-bundle:<version>:<fingerprint of the types>`. */
export function bundleMarker(app: App): string {
  return `ptt-bundle:${VERSION}:${fingerprint(stableStringify(knownWorkflowTypes(app)))}`;
}

/** Builds (or reuses, within this process) the workflow bundle for `app`. */
export function workflowBundleFor(app: App, interceptorModules: string[] = []): Promise<{ code: string }> {
  const marker = bundleMarker(app);
  const key = [marker, ...interceptorModules].join('|');
  let bundle = cache.get(key);
  if (!bundle) {
    bundle = build(knownWorkflowTypes(app), marker, interceptorModules);
    cache.set(key, bundle);
    bundle.catch(() => cache.delete(key));
  }
  return bundle;
}

/** Suffix of the marker of a bundle built with the OpenTelemetry workflow interceptors. */
export const TRACED_SUFFIX = ':traced';

/**
 * Builds the bundle for `app` and writes it to `file` (for `createTriggerWorker({ workflowBundle:
 * { codePath } })`). With `tracing: true` the OpenTelemetry workflow interceptors are bundled in
 * (needs `@temporalio/interceptors-opentelemetry`), for workers started with `tracing`.
 */
export async function writeWorkflowBundle(app: App, file: string, options: { tracing?: boolean } = {}): Promise<{ file: string; bytes: number; marker: string }> {
  const { code } = await workflowBundleFor(app, options.tracing ? [otelWorkflowModule()] : []);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, code);
  return { file, bytes: Buffer.byteLength(code), marker: bundleMarker(app) + (options.tracing ? TRACED_SUFFIX : '') };
}

/**
 * A prebuilt bundle, checked against the app: built by this library version, for exactly these
 * workflow types and roles. Anything else would dispatch runs with stale knowledge.
 */
export function loadPrebuiltBundle(app: App, bundle: PrebuiltWorkflowBundle, tracing = false): { code: string } {
  let code: string;
  const where = 'code' in bundle ? 'the workflowBundle code given' : bundle.codePath;
  if ('code' in bundle) code = bundle.code;
  else {
    try {
      code = fs.readFileSync(bundle.codePath, 'utf8');
    } catch (err) {
      throw new ConfigError(`createTriggerWorker: workflowBundle.codePath ${bundle.codePath} cannot be read (${(err as Error).message}). Write it with \`npx prisma-temporal-triggers bundle <app-module> --out ${bundle.codePath}\`.`, { cause: err });
    }
  }
  const found = /ptt-bundle:[^:"'\s]+:[0-9a-f]{16}/.exec(code)?.[0];
  const expected = bundleMarker(app);
  if (found !== expected) {
    const why = !found
      ? 'it is not a workflow bundle written by this library'
      : found.split(':')[1] !== VERSION
        ? `it was built by version ${found.split(':')[1]} of this library, and this is ${VERSION}`
        : "it was built for other definitions (the app's workflow types or their roles changed since)";
    throw new ConfigError(`createTriggerWorker: the prebuilt workflowBundle (${where}) does not fit this worker: ${why}. Rebuild it from the same definitions: \`npx prisma-temporal-triggers bundle <app-module> --out <file>\`.`);
  }
  const traced = code.includes(expected + TRACED_SUFFIX);
  if (tracing && !traced) {
    throw new ConfigError(`createTriggerWorker: tracing is on, and the prebuilt workflowBundle (${where}) was built without the tracing interceptors. Rebuild it with \`npx prisma-temporal-triggers bundle <app-module> --tracing --out <file>\` (or writeWorkflowBundle(app, file, { tracing: true })).`);
  }
  if (!tracing && traced) {
    throw new ConfigError(`createTriggerWorker: the prebuilt workflowBundle (${where}) was built with the tracing interceptors and this worker has no tracing option: pass tracing, or rebuild the bundle without --tracing.`);
  }
  return { code };
}

/** How a bundle is built beyond the app: workflow interceptor modules, and a hook on webpack's config (tests: coverage). */
export interface BundleBuildOptions {
  interceptorModules?: string[];
  webpackConfigHook?: (config: WebpackConfiguration) => WebpackConfiguration;
}
type WebpackConfiguration = Parameters<NonNullable<Parameters<typeof bundleWorkflowCode>[0]['webpackConfigHook']>>[0];

/** Builds a bundle for `app` afresh (never cached), as `workflowBundleFor` does, with `options`. */
export function buildWorkflowBundle(app: App, options: BundleBuildOptions = {}): Promise<{ code: string }> {
  return build(knownWorkflowTypes(app), bundleMarker(app), options.interceptorModules, options.webpackConfigHook);
}

async function build(types: Record<string, WorkflowRole>, marker: string, interceptorModules: string[] = [], hook?: BundleBuildOptions['webpackConfigHook']): Promise<{ code: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-bundle-'));
  const workflows = path.resolve(__dirname, '../../workflows');
  const entry = path.join(dir, 'entry.js');
  fs.writeFileSync(
    entry,
    [
      `import { setKnownWorkflowTypes } from ${JSON.stringify(path.join(workflows, 'registry'))};`,
      `export * from ${JSON.stringify(path.join(workflows, 'index'))};`,
      `export { default } from ${JSON.stringify(path.join(workflows, 'index'))};`,
      `setKnownWorkflowTypes(${JSON.stringify(types)}, ${JSON.stringify(marker + (interceptorModules.length ? TRACED_SUFFIX : ''))});`,
      '',
    ].join('\n'),
  );
  try {
    // The generated entry lives in a temp folder: let webpack find packages where this library finds them.
    const nodeModules = path.resolve(path.dirname(require.resolve('@temporalio/workflow/package.json')), '..', '..');
    const { code } = await bundleWorkflowCode({
      workflowsPath: entry,
      ...(interceptorModules.length ? { workflowInterceptorModules: interceptorModules } : {}),
      logger: quietLogger,
      webpackConfigHook: (config) => {
        const resolved = { ...config, resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), nodeModules] } };
        return hook ? hook(resolved) : resolved;
      },
    });
    return { code };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const noop = (): void => {};
const quietLogger = { trace: noop, debug: noop, info: noop, log: noop, warn: (m: string) => process.stderr.write(`[bundle] ${m}\n`), error: (m: string) => process.stderr.write(`[bundle] ${m}\n`) };
