/**
 * The workflow bundle for an app: this library's workflows (built once, the same for every app)
 * with a first line that declares the app's workflow types (so the dispatcher knows them without
 * I/O) and carries a marker: library version and a fingerprint of those types.
 *
 * Workers build it at boot (the shared part once per process, or never when `PTT_BUNDLE_CACHE_DIR`
 * names a folder holding it from an earlier build of the same library, SDK and workflow code), or
 * load one prebuilt with `writeWorkflowBundle` / `npx prisma-temporal-triggers bundle` (a deploy
 * step: no webpack at boot). A prebuilt bundle whose marker does not match the app and the library
 * is refused.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { App } from '../definitions/define';
import { ConfigError } from '../errors';
import { VERSION } from '../version';
import { fingerprint, stableStringify } from '../../workflows/primary-key';
import { KNOWN_TYPES_GLOBAL, type WorkflowRole } from '../../workflows/registry';
import { otelWorkflowModule } from './tracing';

/** A workflow bundle: the code, or the path of a file holding it. */
export type PrebuiltWorkflowBundle = { code: string } | { codePath: string };

/** The shared part of bundles, per set of interceptor modules, for the life of the process. */
const shared = new Map<string, Promise<{ code: string }>>();

export function knownWorkflowTypes(app: App): Record<string, WorkflowRole> {
  const out: Record<string, WorkflowRole> = {};
  for (const [type, entry] of app.byWorkflowType) out[type] = entry.role;
  return out;
}

/** What a bundle for `app` built by this version of the library carries: `ptt-bundle:<version>:<fingerprint of the types>`. */
export function bundleMarker(app: App): string {
  return `ptt-bundle:${VERSION}:${fingerprint(stableStringify(knownWorkflowTypes(app)))}`;
}

/** The app's line of a bundle: its workflow types, as the dispatcher reads them, and the marker. */
function appLine(app: App, traced: boolean): string {
  return `globalThis.${KNOWN_TYPES_GLOBAL} = ${JSON.stringify(knownWorkflowTypes(app))}; // ${bundleMarker(app)}${traced ? TRACED_SUFFIX : ''}\n`;
}

/** Builds (or reuses) the workflow bundle for `app`. */
export async function workflowBundleFor(app: App, interceptorModules: string[] = []): Promise<{ code: string }> {
  const key = interceptorModules.join('|');
  let bundle = shared.get(key);
  if (!bundle) {
    bundle = sharedBundle(interceptorModules);
    shared.set(key, bundle);
    bundle.catch(() => shared.delete(key));
  }
  return { code: appLine(app, interceptorModules.length > 0) + (await bundle).code };
}

/**
 * The shared part: read from `PTT_BUNDLE_CACHE_DIR` when a build of the same library version,
 * Temporal SDK, workflow code and interceptors is there; else built (and written there).
 */
async function sharedBundle(interceptorModules: string[]): Promise<{ code: string }> {
  const dir = process.env.PTT_BUNDLE_CACHE_DIR;
  const file = dir ? path.join(dir, `workflows-${sharedBundleKey(interceptorModules)}.js`) : undefined;
  if (file) {
    try {
      return { code: fs.readFileSync(file, 'utf8') };
    } catch {
      // not built yet
    }
  }
  const built = await build(interceptorModules);
  if (file) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, built.code);
      fs.renameSync(tmp, file);
    } catch {
      // a cache that cannot be written is no cache
    }
  }
  return built;
}

/** What the shared part depends on: this library, the Temporal SDK, the workflow sources, the interceptors. */
function sharedBundleKey(interceptorModules: string[]): string {
  const hash = createHash('sha256');
  hash.update(VERSION);
  for (const pkg of ['@temporalio/worker', '@temporalio/workflow', '@temporalio/common']) hash.update(`${pkg}@${(JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version}`);
  for (const f of workflowSourceFiles()) hash.update(f.name).update(f.bytes);
  for (const m of interceptorModules) hash.update(m);
  return hash.digest('hex').slice(0, 24);
}

/**
 * The workflow sources' names and bytes: the files directly in workflows/ (sub-folders are not
 * bundled), skipping any that vanish between the listing and the read (an editor's or a test's
 * temporary file must not fail a worker's start).
 */
function workflowSourceFiles(): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const entry of fs.readdirSync(workflowsDir(), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!entry.isFile()) continue;
    try {
      out.push({ name: entry.name, bytes: fs.readFileSync(path.join(workflowsDir(), entry.name)) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

function workflowsDir(): string {
  return path.resolve(__dirname, '../../workflows');
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
export async function buildWorkflowBundle(app: App, options: BundleBuildOptions = {}): Promise<{ code: string }> {
  const { code } = await build(options.interceptorModules, options.webpackConfigHook);
  return { code: appLine(app, (options.interceptorModules ?? []).length > 0) + code };
}

async function build(interceptorModules: string[] = [], hook?: BundleBuildOptions['webpackConfigHook']): Promise<{ code: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptt-bundle-'));
  const workflows = workflowsDir();
  const entry = path.join(dir, 'entry.js');
  fs.writeFileSync(
    entry,
    [
      `import { setKnownWorkflowTypes } from ${JSON.stringify(path.join(workflows, 'registry'))};`,
      `export * from ${JSON.stringify(path.join(workflows, 'index'))};`,
      `export { default } from ${JSON.stringify(path.join(workflows, 'index'))};`,
      // the app's line, first in the bundle, sets them
      `setKnownWorkflowTypes(globalThis.${KNOWN_TYPES_GLOBAL} ?? {});`,
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
