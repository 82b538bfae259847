/**
 * One call to run an app's triggers: checks the definitions against the PrismaClient, registers
 * the search attributes and the Schedules, and starts one Temporal Worker per task queue served.
 */
import type { Client } from '@temporalio/client';
import { setMaxListeners } from 'node:events';
import { Runtime, Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { msToNumber, type Logger } from '@temporalio/common';
import { createTriggerActivities } from '../../activities';
import { nextRun, type App } from '../definitions/define';
import { TriggerError } from '../errors';
import { pruneCommitMarkers } from '../prisma/commit-markers';
import { redactText } from '../redact';
import { verifyAgainstPrisma, type AnyPrismaClient } from '../prisma/model-meta';
import { parseOptions, workerOptionsSchema } from '../runtime/options-schema';
import { tracingSetup, type TracingOptions } from './tracing';
import { describeOverride, syncSchedules, type SyncReport } from './sync-schedules';
import { ensureSearchAttributes } from './search-attributes';
import { loadPrebuiltBundle, workflowBundleFor, type PrebuiltWorkflowBundle } from './bundle';

export interface TriggerWorkerOptions {
  /** Connection for the workers (`NativeConnection.connect()`, or `env.nativeConnection` in tests). */
  connection: NativeConnection;
  /** Client for schedules and search attributes (`new Client({ connection })`, or `env.client`). */
  client: Client;
  /** The app's definitions (`defineApp`). */
  app: App;
  /** The application's own PrismaClient (any generated client, with any driver adapter). */
  prisma: unknown;
  /** Namespace. Default `client.options.namespace`. */
  namespace?: string;
  /** Task queues this process serves. Default: every queue the definitions use. */
  taskQueues?: string[];
  /**
   * Fail when a definition's queue is not served by this process (AshOban's `require?`).
   * Set false when other processes serve the other queues. Default true.
   */
  require?: boolean;
  /** Register / update / remove the app's Schedules at boot. Default true. */
  registerSchedules?: boolean;
  /** Register this library's search attributes at boot (idempotent). Default true. */
  registerSearchAttributes?: boolean;
  /** Extra Temporal worker options (concurrency, identity, ...), for every queue. `shutdownGraceTime` defaults to 30 s. */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection' | 'taskQueue' | 'workflowBundle' | 'workflowsPath' | 'activities' | 'namespace'>>;
  /**
   * Where boot messages and warnings go (Temporal's `Logger` interface: the SDK's `DefaultLogger`,
   * or an adapter to pino / winston). Each line carries `{ component: 'prisma-temporal-triggers' }`.
   * Default: the Temporal Runtime's logger. The SDK's own lines (and each run's outcome line) go
   * to the logger given to `Runtime.install`.
   */
  logger?: Logger;
  /**
   * OpenTelemetry tracing (needs `@temporalio/interceptors-opentelemetry`): `{ spanProcessor,
   * resource }`. Spans for each tick, each record's run and each attempt (with `trigger.name`,
   * `trigger.record`, `trigger.outcome`). Default: off.
   */
  tracing?: TracingOptions;
  /** Warnings only, as plain strings (overrides `logger` for warnings). */
  warn?: (message: string) => void;
  /**
   * A workflow bundle written beforehand for this app (`npx prisma-temporal-triggers bundle <app-module> --out
   * <file>`, or `writeWorkflowBundle`): `{ codePath }` or `{ code }`. Boot then skips webpack
   * (30-50 s on a loaded machine). Refused when it was built for other definitions or by another
   * version of this library. Default: built at boot.
   */
  workflowBundle?: PrebuiltWorkflowBundle;
  /**
   * Worker Versioning: this worker is build `buildId` of the Worker Deployment `name`. Record,
   * chunk and scheduled-action runs are pinned to the build that started them and finish there;
   * scheduler ticks move to the current build at their next workflow task. A new build receives
   * new runs once it is made current (`setCurrentDeploymentVersion`). Default: off. See docs/production.md
   * (rainbow deploys).
   */
  deployment?: { name: string; buildId: string };
}

export interface TriggerWorker {
  workers: Worker[];
  taskQueues: string[];
  schedules: SyncReport | undefined;
  warnings: string[];
  nextRuns: BootReport['nextRuns'];
  /** Runs every worker until shutdown (Ctrl-C / SIGTERM, or `shutdown()`). */
  run(): Promise<void>;
  /** Runs the workers while `fnOrPromise` runs, then shuts them down. */
  runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R>;
  shutdown(): void;
}

/** Every task queue the app's definitions use. */
export function appTaskQueues(app: App): string[] {
  const queues = new Set<string>();
  for (const t of app.triggers) {
    queues.add(t.queue);
    queues.add(t.schedulerQueue);
  }
  for (const a of app.scheduledActions) queues.add(a.queue);
  return [...queues].sort();
}

/** Boot warnings: definitions relying on default stable names (renaming them would orphan runs). */
export function nameWarnings(app: App): string[] {
  const out: string[] = [];
  for (const t of app.triggers) {
    const missing = [!t.explicit.workflowType && `workflowType (default "${t.workflowType}")`, !t.explicit.schedulerWorkflowType && `schedulerWorkflowType (default "${t.schedulerWorkflowType}")`].filter(Boolean);
    if (missing.length) out.push(`${t.id}: no explicit ${missing.join(' and ')}; renaming the resource or trigger would orphan its runs. Run \`npx prisma-temporal-triggers set-default-names <file>\` to write the defaults into your definitions.`);
  }
  for (const a of app.scheduledActions) {
    if (!a.explicit.workflowType) out.push(`${a.id}: no explicit workflowType (default "${a.workflowType}"); renaming it would orphan its runs. Run \`npx prisma-temporal-triggers set-default-names <file>\`.`);
  }
  return out;
}

export type BootOptions = Pick<TriggerWorkerOptions, 'client' | 'app' | 'prisma' | 'namespace' | 'registerSchedules' | 'registerSearchAttributes' | 'warn' | 'logger'>;

const META = { component: 'prisma-temporal-triggers' };
function bootLog(options: Pick<TriggerWorkerOptions, 'warn' | 'logger'>): { info: (m: string, attrs?: Record<string, unknown>) => void; warn: (m: string) => void } {
  const logger = options.logger ?? Runtime.instance().logger;
  return {
    info: (m, attrs) => logger.info(m, { ...META, ...attrs }),
    warn: options.warn ?? ((m) => logger.warn(m, META)),
  };
}

export interface BootReport {
  schedules: SyncReport | undefined;
  warnings: string[];
  /** When each Schedule fires next (for boot logs). */
  nextRuns: { id: string; cron: string; next: Date | undefined }[];
}

/**
 * The boot steps without starting workers (also run by `createTriggerWorker`): checks the
 * definitions against the PrismaClient, registers the search attributes, reconciles the Schedules.
 * Use it from a deploy step when workers run elsewhere.
 */
export async function bootTriggers(options: BootOptions): Promise<BootReport> {
  const { app, client } = options;
  const namespace = options.namespace ?? client.options.namespace;
  const { info, warn } = bootLog(options);
  await probeTemporal(client, namespace);
  const warnings = nameWarnings(app);
  warnings.forEach(warn);
  await verifyAgainstPrisma(options.prisma as AnyPrismaClient, app.resources, app);
  if (options.registerSearchAttributes ?? true) await ensureSearchAttributes(client, namespace);
  const schedules = (options.registerSchedules ?? true) ? await syncSchedules(client, app) : undefined;
  for (const o of schedules?.operatorOverrides ?? []) {
    const line = describeOverride(o);
    warnings.push(line);
    warn(line);
  }
  const nextRuns = [
    ...app.triggers.flatMap((t) => (t.schedulerCron === false || t.state !== 'active' ? [] : [{ id: t.id, cron: t.schedulerCron, next: nextRun(t.schedulerCron, t.schedulerTimezone) }])),
    ...app.scheduledActions.filter((a) => a.state === 'active').map((a) => ({ id: a.id, cron: a.cron, next: nextRun(a.cron, a.timezone) })),
  ];
  if (schedules) info(`${app.name}: schedules ${schedules.created.length} created, ${schedules.updated.length} updated, ${schedules.unchanged.length} unchanged, ${schedules.deleted.length} removed`, { app: app.name });
  for (const r of nextRuns) info(`${r.id} (${r.cron}): next tick ${r.next?.toISOString() ?? 'never'}`, { trigger: r.id });
  return { schedules, warnings, nextRuns };
}

/** Default `shutdownGraceTime`: how long a stopping worker lets running attempts finish. */
const DEFAULT_SHUTDOWN_GRACE = '30 seconds';
/** `shutdownForceTime` is the grace time plus this: enough for abandoned attempts to report. */
const SHUTDOWN_FORCE_AFTER_GRACE_MS = 15_000;

/**
 * Once any worker starts stopping (shutdown(), or the Runtime's SIGINT/SIGTERM handling), aborts
 * `abandon` when the grace time is over: attempts still running are abandoned (their transactions
 * ended) and run again on another worker. Returns the stop function.
 */
function abandonAfterGrace(workers: Worker[], graceMs: number, abandon: AbortController): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watch = setInterval(() => {
    if (timer || !workers.some((w) => w.getState() !== 'RUNNING' && w.getState() !== 'INITIALIZED')) return;
    clearInterval(watch);
    timer = setTimeout(() => abandon.abort(new Error(`the worker is shutting down and its grace time (${graceMs} ms) is over`)), graceMs);
    timer.unref();
  }, 100);
  watch.unref();
  return () => {
    clearInterval(watch);
    clearTimeout(timer);
  };
}

/** Prunes old commit markers now and every hour while the workers run; returns the stop function. */
function pruneWhileRunning(app: App, prisma: AnyPrismaClient, warn: (m: string) => void): () => void {
  if (!app.commitMarkers) return () => {};
  const prune = (): void => {
    pruneCommitMarkers(prisma, app).catch((err: unknown) => warn(`pruning old commit markers failed: ${redactText(err instanceof Error ? err.message : String(err))}`));
  };
  prune();
  const timer = setInterval(prune, 60 * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Fails fast, naming the address, when Temporal does not answer (instead of the SDK's raw
 * "14 UNAVAILABLE" after half a minute of retries).
 */
export async function probeTemporal(client: Client, namespace: string, timeoutMs = 5000): Promise<void> {
  const address = (client.connection as { options?: { address?: string } }).options?.address ?? 'the configured address';
  try {
    await client.connection.withDeadline(Date.now() + timeoutMs, () => client.connection.workflowService.getSystemInfo({}));
  } catch (err) {
    throw new TriggerError(
      'TEMPORAL_UNAVAILABLE',
      `Cannot reach Temporal at ${address} (namespace ${namespace}) within ${timeoutMs / 1000} s: ${redactText(err instanceof Error ? err.message : String(err))}. ` +
        'Start one (`npm start` in this project, `temporal server start-dev`, or `docker compose up -d` then `TEMPORAL_REUSE_EXISTING=1 npm start`), or connect the client to the right address (TEMPORAL_ADDRESS for the CLI and the worker entry init writes).',
      { cause: err },
    );
  }
}

export async function createTriggerWorker(options: TriggerWorkerOptions): Promise<TriggerWorker> {
  parseOptions(workerOptionsSchema, options, 'createTriggerWorker');
  const { app } = options;
  const prisma = options.prisma as AnyPrismaClient;
  const namespace = options.namespace ?? options.client.options.namespace;
  const all = appTaskQueues(app);
  const taskQueues = options.taskQueues ?? all;
  if (options.require ?? true) {
    const unserved = all.filter((q) => !taskQueues.includes(q));
    if (unserved.length) {
      throw new TriggerError(
        'QUEUE_NOT_SERVED',
        `The definitions use task queues this worker does not serve: ${unserved.join(', ')}. ` +
          `Add them to taskQueues, or pass require: false when other processes serve them.`,
      );
    }
  }
  const { schedules, warnings, nextRuns } = await bootTriggers(options);
  const { warn } = bootLog(options);

  const tracing = options.tracing ? tracingSetup(options.tracing) : undefined;
  const { info } = bootLog(options);
  let workflowBundle: { code: string };
  // a prebuilt bundle must carry the tracing interceptors exactly when tracing is on
  if (options.workflowBundle) workflowBundle = loadPrebuiltBundle(app, options.workflowBundle, tracing !== undefined);
  else {
    // webpack takes seconds (30-50 s on a loaded machine): say so
    const bundling = Date.now();
    info(`${app.name}: bundling the workflow code (once per process; a prebuilt workflowBundle skips this)…`, { app: app.name });
    workflowBundle = await workflowBundleFor(app, tracing?.workflowModules);
    info(`${app.name}: workflow code bundled in ${((Date.now() - bundling) / 1000).toFixed(1)} s`, { app: app.name });
  }
  // Local attempts get no cancellation from the SDK when the worker stops: past the grace time the
  // worker abandons what still runs (see abandonAfterGrace).
  const graceMs = msToNumber(options.workerOptions?.shutdownGraceTime ?? DEFAULT_SHUTDOWN_GRACE);
  const abandon = new AbortController();
  // every attempt in flight listens to it (and stops when it ends): as many as the worker runs at once
  setMaxListeners(0, abandon.signal);
  const activities = createTriggerActivities({ app, prisma, abandon: abandon.signal });
  const workers = await Promise.all(
    taskQueues.map((taskQueue) =>
      Worker.create({
        // A deploy's graceful shutdown lets running actions finish instead of failing their attempt;
        // past the grace time they are abandoned (and run again elsewhere), and past the force time
        // the worker gives up on whatever else still holds it (run() then rejects: exit the process).
        shutdownGraceTime: DEFAULT_SHUTDOWN_GRACE,
        shutdownForceTime: graceMs + SHUTDOWN_FORCE_AFTER_GRACE_MS,
        // Heartbeats reach the server at least every 10 s (the SDK's default throttle is up to 60 s),
        // well inside the 1-minute heartbeat timeout even on a loaded machine.
        maxHeartbeatThrottleInterval: '10 seconds',
        ...options.workerOptions,
        ...(tracing ? { interceptors: { ...options.workerOptions?.interceptors, activity: [...(options.workerOptions?.interceptors?.activity ?? []), ...(tracing.workerOptions.interceptors?.activity ?? [])] }, sinks: { ...options.workerOptions?.sinks, ...tracing.workerOptions.sinks } } : {}),
        ...(options.deployment ? { workerDeploymentOptions: { useWorkerVersioning: true, version: { deploymentName: options.deployment.name, buildId: options.deployment.buildId }, defaultVersioningBehavior: 'PINNED' as const } } : {}),
        connection: options.connection,
        namespace,
        taskQueue,
        workflowBundle,
        activities,
      }),
    ),
  );
  return {
    workers,
    taskQueues,
    schedules,
    warnings,
    nextRuns,
    async run() {
      const stopPruning = pruneWhileRunning(app, prisma, warn);
      const stopWatching = abandonAfterGrace(workers, graceMs, abandon);
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        stopWatching();
        stopPruning();
      }
    },
    async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
      const work = typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise;
      const stopPruning = pruneWhileRunning(app, prisma, warn);
      const stopWatching = abandonAfterGrace(workers, graceMs, abandon);
      const running = Promise.all(workers.map((w) => w.run()));
      try {
        return await work;
      } finally {
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await running;
        stopWatching();
        stopPruning();
      }
    },
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}
