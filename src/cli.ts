#!/usr/bin/env node
/**
 * Command line: `npx prisma-temporal-triggers <command>` where the package is installed;
 * `npm run cli -- <command>` in this repository. Run with no command for the list.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type * as SetDefaultNames from './cli/set-default-names';
import type * as DevStack from './devstack';
import type { App, ScheduledAction, Trigger } from './definitions/define';
import type { AnyPrismaClient } from './prisma/model-meta';
import { didYouMean } from './definitions/did-you-mean';
import { TriggerError } from './errors';
import { redactText } from './redact';

// Each command loads what it uses when it runs, so `--help` and light commands start in a fraction
// of the time the Temporal client, Prisma and webpack take to load.
const operations = () => import('./operations/operations');

const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** Resolves when the user presses Ctrl-C or the process gets SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** The development stack (and its optional dependencies) loads only for the commands that use it. */
function devstack(): Promise<typeof DevStack> {
  return import('./devstack');
}

/** set-default-names parses TypeScript: it needs the `typescript` package (an optional peer). */
function loadSetDefaultNames(): typeof SetDefaultNames {
  try {
    require.resolve('typescript', { paths: [process.cwd(), __dirname] });
  } catch {
    throw new TriggerError('CONFIG_INVALID', 'set-default-names rewrites TypeScript source and needs the `typescript` package: npm install --save-dev typescript');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for this command
  return require('./cli/set-default-names') as typeof SetDefaultNames;
}

/** A `.ts` app module needs a TypeScript loader: tsx from the project when it has one. */
function ensureTypeScriptLoader(modulePath: string): void {
  if (!/\.[cm]?tsx?$/.test(modulePath) || require.extensions['.ts']) return;
  let api: string;
  try {
    api = require.resolve('tsx/cjs/api', { paths: [process.cwd(), __dirname] });
  } catch {
    throw new TriggerError('CONFIG_INVALID', `${modulePath} is TypeScript: install tsx (npm install --save-dev tsx) or give the compiled .js module`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the project's tsx
  (require(api) as { register(): unknown }).register();
}

/** Loads an app's definitions from a module exporting `app` (or a default export). */
function loadApp(modulePath: string | undefined): App {
  if (!modulePath) throw new TriggerError('CONFIG_INVALID', 'give the module that exports your app, e.g. `describe src/triggers/app.ts`');
  ensureTypeScriptLoader(modulePath);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app module is chosen at run time
  const mod = require(path.resolve(modulePath)) as { app?: App; default?: App; prisma?: unknown };
  const app = mod.app ?? mod.default;
  if (!app?.byWorkflowType) throw new TriggerError('CONFIG_INVALID', `${modulePath} must export the result of defineApp() as \`app\` or as its default export`);
  loadedPrisma.set(app, mod.prisma);
  return app;
}
const loadedPrisma = new WeakMap<App, unknown>();
/** The app module's exported `prisma` client, for commands that read the database. */
function prismaOf(app: App, command: string): AnyPrismaClient {
  const prisma = loadedPrisma.get(app);
  if (!prisma) throw new TriggerError('CONFIG_INVALID', `${command} reads your database: export your PrismaClient as \`prisma\` from the app module`);
  return prisma as AnyPrismaClient;
}

/** parseArgs with the library's error for a bad flag. */
function parse<O extends ParseArgsConfig['options']>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, json: { type: 'boolean' } } as O & { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new TriggerError('CONFIG_INVALID', `${command}: ${err instanceof Error ? err.message : String(err)} (see ${command} --help)`);
  }
}

/** `<app-module> <trigger>` positionals, the definition looked up with did-you-mean. */
async function target(command: string, positionals: string[]): Promise<{ app: App; def: Trigger | ScheduledAction }> {
  const [modulePath, id] = positionals;
  if (!id) throw new TriggerError('CONFIG_INVALID', `${command}: give the app module and a trigger or scheduled action, e.g. \`${command} src/triggers/app.ts Ticket.process\``);
  const app = loadApp(modulePath);
  const { lookupDefinition } = await import('./client/targets');
  return { app, def: lookupDefinition(app, id) };
}

async function pauseOrResume(command: 'pause' | 'resume', args: string[]): Promise<void> {
  const { values, positionals } = parse(command, args, { note: { type: 'string' } });
  const { def } = await target(command, positionals);
  const { pause } = await operations();
  const s = await withClient((client) => pause(client, def, values.note, command === 'pause'));
  out(values.json, { id: def.id, ...s }, () => `${def.id}: ${s.state}${s.note ? ` (note: ${s.note})` : ''}`);
}

const out = (json: boolean | undefined, data: unknown, text: () => string): void => void process.stdout.write(`${json ? JSON.stringify(data) : text()}\n`);

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const { connectFromEnv } = await import('./connection');
  const temporal = await connectFromEnv();
  try {
    return await fn(temporal.client);
  } finally {
    await temporal.close();
  }
}

/**
 * A command: its usage (`help`: positionals, flags and what it does), every flag it accepts
 * (`options`: checked before it runs, and each must be in its help; `--json` is accepted by all),
 * and what it does.
 */
export interface Command {
  help: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  run: (args: string[]) => Promise<void>;
}

export const commands: Record<string, Command> = {
  'set-default-names': {
    options: { check: { type: 'boolean' } },
    help: '<file...> [--check] [--json]  write the default workflowType / schedulerWorkflowType into defineResource() calls (AshOban set_default_module_names)',
    async run(args) {
      const check = args.includes('--check');
      const files = args.filter((a) => a !== '--check');
      if (!files.length) throw new TriggerError('CONFIG_INVALID', 'set-default-names: give the files that call defineResource()');
      let missing = 0;
      for (const file of files) {
        const before = fs.readFileSync(file, 'utf8');
        const { text, added } = loadSetDefaultNames().setDefaultNames(before, file);
        for (const a of added) say(`${file}: ${a.path}.${a.option} = '${a.value}'`);
        missing += added.length;
        if (!check && added.length) fs.writeFileSync(file, text);
      }
      say(check ? `${missing} stable name(s) missing` : `${missing} stable name(s) written`);
      if (check && missing) process.exitCode = 1;
    },
  },
  init: {
    options: { model: { type: 'string' }, schema: { type: 'string' }, dir: { type: 'string' }, 'app-name': { type: 'string' }, cwd: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'no-search-attributes': { type: 'boolean' } },
    help: '--model <Model> [--cwd <project dir>] [--schema prisma/schema.prisma] [--dir src/triggers] [--app-name <name>] [--dry-run] [--json] [--no-search-attributes]  add triggers for one Prisma model to this project: <model>.triggers.ts with stable names, app.ts, worker.ts, the PttRunCommit model, package scripts, and the search attributes on TEMPORAL_ADDRESS; running it again changes nothing',
    async run(args) {
      const { values } = parseArgs({
        args,
        options: {
          model: { type: 'string' },
          schema: { type: 'string' },
          dir: { type: 'string' },
          'app-name': { type: 'string' },
          cwd: { type: 'string' },
          'dry-run': { type: 'boolean' },
          json: { type: 'boolean' },
          'no-search-attributes': { type: 'boolean' },
        },
        strict: true,
      });
      if (!values.model) throw new TriggerError('CONFIG_INVALID', 'init: give --model <Model>, one of the models of your Prisma schema');
      const cwd = path.resolve(values.cwd ?? '.');
      const { applyInit, planInit } = await import('./cli/init');
      const plan = planInit({ cwd, model: values.model, schema: values.schema, dir: values.dir, appName: values['app-name'] });
      const written = values['dry-run'] ? [] : applyInit(cwd, plan);
      let searchAttributes: 'registered' | 'skipped' | 'unreachable' = 'skipped';
      if (!values['dry-run'] && !values['no-search-attributes']) {
        try {
          const { registerSearchAttributes } = await import('./worker/search-attributes');
          await withClient(async (client) => {
            await registerSearchAttributes(client.connection, client.options.namespace);
          });
          searchAttributes = 'registered';
        } catch (err) {
          searchAttributes = 'unreachable';
          say(`search attributes not registered (${redactText(err instanceof Error ? err.message : String(err))}); the worker registers them at its first boot`);
        }
      }
      const next = [
        ...(plan.missing.install ? [`${plan.missing.install}   # what the written files import`] : []),
        'npx prisma generate   # the client for the schema (offline)',
        'DATABASE_URL=postgresql://... npm run triggers:dev   # Temporal + UI, prisma/migrations applied offline (ptt_run_commit included), your worker, restarted on change',
      ];
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ files: plan.files.map(({ file, action, note }) => ({ file, action, ...(note ? { note } : {}) })), scripts: plan.scripts, missing: plan.missing, written, searchAttributes, dryRun: !!values['dry-run'], next })}\n`);
        return;
      }
      for (const f of plan.files) say(`${values['dry-run'] && f.action !== 'keep' ? `would ${f.action}` : f.action === 'keep' ? 'unchanged' : `${f.action}d`}  ${f.file}${f.note ? `  (${f.note})` : ''}`);
      if (searchAttributes === 'registered') say('search attributes registered on Temporal');
      if (plan.missing.install) say(`\nmissing from package.json: ${[...plan.missing.dependencies, ...plan.missing.devDependencies].join(', ')}`);
      say(written.length ? `\nnext:\n${next.map((n, i) => `  ${i + 1}. ${n}`).join('\n')}` : 'nothing to change');
    },
  },
  status: {
    options: {},
    help: '<app-module> [trigger] [--json]  per trigger and scheduled action, from Temporal: Schedule state (and the note of whoever paused it), last and next tick, runs in flight, outcomes over 24 h, last error; records matching now when the module exports `prisma`',
    async run(args) {
      const { values, positionals } = parse('status', args, {});
      const app = loadApp(positionals[0]);
      const { lookupDefinition } = await import('./client/targets');
      const { definitionStatus } = await operations();
      const defs = positionals[1] ? [lookupDefinition(app, positionals[1])] : [...app.triggers, ...app.scheduledActions];
      const prisma = loadedPrisma.get(app) as AnyPrismaClient | undefined;
      const rows = await withClient((client) => Promise.all(defs.map((d) => definitionStatus(client, app, d, prisma))));
      out(values.json, rows, () =>
        rows
          .map((r) => {
            const counts = Object.entries(r.outcomes24h).filter(([, n]) => n > 0).map(([o, n]) => `${o} ${n}`).join(', ') || 'none';
            return [
              `${r.id} (${r.kind}, ${r.workflowType})`,
              `  schedule   ${r.state}${r.note ? ` (note: ${r.note})` : ''}; last tick ${r.lastTick ?? '-'}; next tick ${r.nextTick ?? '-'}`,
              `  in flight  ${r.inFlight}${r.matching !== undefined ? `; matching now ${r.matching}` : ''}`,
              `  last 24 h  ${counts}`,
              ...(r.lastError ? [`  last error ${r.lastError.outcome} ${r.lastError.workflowId}${r.lastError.closedAt ? ` at ${r.lastError.closedAt}` : ''}${r.lastError.message ? `: ${redactText(r.lastError.message)}` : ''}`] : []),
              ...(r.repeatedFailures.length
                ? [`  failing    ${r.repeatedFailures.slice(0, 5).map((f) => `record ${f.recordId ?? f.workflowId} (${f.failures} failed runs)`).join(', ')}${r.repeatedFailures.length > 5 ? `, and ${r.repeatedFailures.length - 5} more` : ''}: picked up by every tick while they match; see docs/operations.md, "Records that keep failing"`]
                : []),
            ].join('\n');
          })
          .join('\n'),
      );
    },
  },
  pause: {
    options: { note: { type: 'string' } },
    help: '<app-module> <trigger> [--note <text>] [--json]  pause the Schedule (kept across worker boots until the definition\'s own state changes)',
    run: (args) => pauseOrResume('pause', args),
  },
  resume: {
    options: { note: { type: 'string' } },
    help: '<app-module> <trigger> [--note <text>] [--json]  resume the Schedule',
    run: (args) => pauseOrResume('resume', args),
  },
  'run-now': {
    options: {},
    help: '<app-module> <trigger> [--json]  start a tick now (through the Schedule, so its overlap policy applies; directly for on-demand triggers)',
    async run(args) {
      const { values, positionals } = parse('run-now', args, {});
      const { app, def } = await target('run-now', positionals);
      const { runNow } = await operations();
      const r = await withClient((client) => runNow(client, app, def));
      out(values.json, { id: def.id, ...r }, () => `${def.id}: tick started ${r.via === 'schedule' ? 'through its Schedule' : `as ${r.workflowId}`}`);
    },
  },
  run: {
    options: { tenant: { type: 'string' } },
    help: '<app-module> <trigger> <record-id> [--tenant <t>] [--json]  start the trigger\'s run for one record (compound keys: a,b); needs the module to export `prisma`',
    async run(args) {
      const { values, positionals } = parse('run', args, { tenant: { type: 'string' } });
      const { app, def } = await target('run', positionals);
      const { runRecord } = await operations();
      if (def.kind !== 'trigger') throw new TriggerError('CONFIG_INVALID', `run: ${def.id} is a scheduled action; use run-now`);
      const id = positionals[2];
      if (!id) throw new TriggerError('CONFIG_INVALID', 'run: give the record id after the trigger');
      const prisma = prismaOf(app, 'run');
      const h = await withClient((client) => runRecord(client, app, def, prisma, id, values.tenant !== undefined ? { tenant: values.tenant } : {}));
      const r = { id: def.id, workflowId: h.workflowId, alreadyRunning: h.alreadyRunning, alreadyCompleted: h.alreadyCompleted };
      out(values.json, r, () => `${def.id}: ${h.alreadyRunning ? 'already running' : h.alreadyCompleted ? 'already completed' : 'started'} ${h.workflowId}`);
    },
  },
  preview: {
    options: { limit: { type: 'string' }, tenant: { type: 'string' } },
    help: '<app-module> <trigger> [--limit N] [--tenant <t>] [--json]  dry run of a tick: per tenant, how many records it would start and the first keys; needs the module to export `prisma`',
    async run(args) {
      const { values, positionals } = parse('preview', args, { limit: { type: 'string' }, tenant: { type: 'string' } });
      const { app, def } = await target('preview', positionals);
      const { preview } = await operations();
      if (def.kind !== 'trigger') throw new TriggerError('CONFIG_INVALID', `preview: ${def.id} is a scheduled action; it reads no records`);
      const limit = values.limit !== undefined ? Number(values.limit) : 10;
      if (!Number.isInteger(limit) || limit < 0) throw new TriggerError('CONFIG_INVALID', `preview: --limit must be a whole number, got "${values.limit}"`);
      const rows = await preview(app, def, prismaOf(app, 'preview'), { limit, ...(values.tenant !== undefined ? { tenant: values.tenant } : {}) });
      out(values.json, rows, () => rows.map((r) => `${def.id}${r.tenant !== null ? ` [tenant ${JSON.stringify(r.tenant)}]` : ''}: ${r.wouldStart} would start (${r.matching} matching); first: ${r.first.map((k) => Object.values(k).map(String).join(',')).join(' ') || '-'}`).join('\n'));
    },
  },
  runs: {
    options: { outcome: { type: 'string' }, limit: { type: 'string' } },
    help: '<app-module> <trigger> [--outcome <o>] [--limit N] [--json]  the latest runs, newest first (outcomes: running, backoff, snoozed, success, error-handled, failure, discard, cancelled)',
    async run(args) {
      const { values, positionals } = parse('runs', args, { outcome: { type: 'string' }, limit: { type: 'string' } });
      const { app, def } = await target('runs', positionals);
      const { listRuns } = await operations();
      const limit = values.limit !== undefined ? Number(values.limit) : 20;
      if (!Number.isInteger(limit) || limit < 1) throw new TriggerError('CONFIG_INVALID', `runs: --limit must be a whole number above 0, got "${values.limit}"`);
      const rows = await withClient((client) => listRuns(client, app, def, { ...(values.outcome !== undefined ? { outcome: values.outcome } : {}), limit }));
      out(values.json, rows, () => rows.map((r) => `${r.workflowId}\t${r.status}\t${r.outcome ?? '-'}\t${r.startTime}`).join('\n') || 'no runs');
    },
  },
  backfill: {
    options: { from: { type: 'string' }, to: { type: 'string' }, overlap: { type: 'string' } },
    help: '<app-module> <trigger> --from <ISO time> --to <ISO time> [--overlap bufferAll|skip|allowAll] [--json]  start the ticks the Schedule would have started in that window (a backfilled scheduled action gets that time as scheduledAt)',
    async run(args) {
      const { values, positionals } = parse('backfill', args, { from: { type: 'string' }, to: { type: 'string' }, overlap: { type: 'string' } });
      const { def } = await target('backfill', positionals);
      const { backfill } = await operations();
      const from = new Date(values.from ?? '');
      const to = new Date(values.to ?? '');
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new TriggerError('CONFIG_INVALID', 'backfill: give --from and --to as ISO times, e.g. --from 2026-11-01T00:00:00Z --to 2026-11-03T00:00:00Z');
      const overlaps = ['skip', 'bufferOne', 'bufferAll', 'allowAll', 'cancelOther', 'terminateOther'] as const;
      const overlap = (values.overlap ?? 'bufferAll') as (typeof overlaps)[number];
      if (!overlaps.includes(overlap)) throw new TriggerError('CONFIG_INVALID', `backfill: --overlap "${values.overlap}" is not one of ${overlaps.join(', ')}`);
      const s = await withClient((client) => backfill(client, def, from, to, overlap));
      out(values.json, { id: def.id, scheduleId: s.scheduleId, from: from.toISOString(), to: to.toISOString(), overlap }, () => `${def.id}: backfill ${from.toISOString()} .. ${to.toISOString()} requested (${overlap})`);
    },
  },
  retry: {
    options: {},
    help: '<app-module> <workflow-id> [--json]  start a closed record run again for the same record; needs the module to export `prisma`',
    async run(args) {
      const { values, positionals } = parse('retry', args, {});
      const app = loadApp(positionals[0]);
      const id = positionals[1];
      if (!id) throw new TriggerError('CONFIG_INVALID', 'retry: give the workflow id of a closed record run (see `runs --outcome failure`)');
      const { retryRun } = await operations();
      const h = await withClient((client) => retryRun(client, app, prismaOf(app, 'retry'), id));
      out(values.json, { workflowId: h.workflowId, runId: 'firstExecutionRunId' in h ? String(h.firstExecutionRunId) : undefined, alreadyRunning: h.alreadyRunning }, () => `${id}: ${h.alreadyRunning ? 'already running' : 'started again'}`);
    },
  },
  cancel: {
    options: {},
    help: '<workflow-id> [--json]  request cancellation of a run (it ends cancelled)',
    async run(args) {
      const { values, positionals } = parse('cancel', args, {});
      const id = positionals[0];
      if (!id) throw new TriggerError('CONFIG_INVALID', 'cancel: give the workflow id of the run (see `runs`)');
      const { cancelRun } = await operations();
      const r = await withClient((client) => cancelRun(client, id));
      out(values.json, { workflowId: id, result: r }, () => `${id}: ${r}`);
      if (r === 'not running') process.exitCode = 1;
    },
  },
  dangling: {
    options: {},
    help: '<app-module> [--json]  list running workflows of the app whose type no definition declares (TEMPORAL_ADDRESS)',
    async run(args) {
      const app = loadApp(args.find((a) => !a.startsWith('--')));
      const { listDanglingRuns } = await import('./client/dangling');
      const runs = await withClient((client) => listDanglingRuns(client, app));
      if (args.includes('--json')) process.stdout.write(`${JSON.stringify(runs.map((r) => ({ ...r, startTime: r.startTime.toISOString() })))}\n`);
      else {
        for (const r of runs) say(`${r.workflowType}\t${r.workflowId}\t${r.taskQueue}\tstarted ${r.startTime.toISOString()}`);
        say(`${runs.length} dangling run(s)`);
      }
      if (runs.length) process.exitCode = 1;
    },
  },
  describe: {
    options: {},
    help: '<app-module> [--json]  list the app\'s triggers and scheduled actions with names, queues and next runs',
    async run(args) {
      const app = loadApp(args.find((a) => !a.startsWith('--')));
      const { nextRun } = await import('./definitions/define');
      if (args.includes('--json')) {
        const rows = [
          ...app.triggers.map((t) => ({ kind: 'trigger', id: t.id, cron: t.schedulerCron, nextRun: t.schedulerCron === false ? null : (nextRun(t.schedulerCron, t.schedulerTimezone)?.toISOString() ?? null), queue: t.queue, workflowType: t.workflowType, schedulerWorkflowType: t.schedulerWorkflowType, state: t.state })),
          ...app.scheduledActions.map((a) => ({ kind: 'scheduled-action', id: a.id, cron: a.cron, nextRun: nextRun(a.cron, a.timezone)?.toISOString() ?? null, queue: a.queue, workflowType: a.workflowType, state: a.state })),
        ];
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      for (const t of app.triggers) {
        const next = t.schedulerCron === false ? 'on demand' : `next ${nextRun(t.schedulerCron, t.schedulerTimezone)?.toISOString() ?? 'never'}`;
        say(`trigger ${t.id}: cron ${String(t.schedulerCron)} (${next}); queue ${t.queue}; workflowType ${t.workflowType}; scheduler ${t.schedulerWorkflowType}; state ${t.state}`);
      }
      for (const a of app.scheduledActions) {
        say(`scheduled action ${a.id}: cron ${a.cron} (next ${nextRun(a.cron, a.timezone)?.toISOString() ?? 'never'}); queue ${a.queue}; workflowType ${a.workflowType}; state ${a.state}`);
      }
    },
  },
  bundle: {
    options: { out: { type: 'string' }, tracing: { type: 'boolean' } },
    help: '<app-module> [--out <file>] [--tracing] [--json]  write the workflow bundle for the app (default workflow-bundle.js): createTriggerWorker({ workflowBundle: { codePath } }) then skips webpack at boot; --tracing bundles the OpenTelemetry workflow interceptors, for workers with `tracing`',
    async run(args) {
      const outAt = args.indexOf('--out');
      const out = outAt >= 0 ? args[outAt + 1] : 'workflow-bundle.js';
      if (!out) throw new TriggerError('CONFIG_INVALID', 'bundle: --out needs a file name');
      const app = loadApp(args.find((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1)));
      const { writeWorkflowBundle } = await import('./worker/bundle');
      say(`bundling the workflow code of ${app.name}…`);
      const written = await writeWorkflowBundle(app, out, { tracing: args.includes('--tracing') });
      if (args.includes('--json')) process.stdout.write(`${JSON.stringify({ file: written.file, bytes: written.bytes, marker: written.marker })}\n`);
      say(`wrote ${written.file} (${Math.round(written.bytes / 1024)} KiB, ${written.marker})`);
    },
  },
  'codec-server': {
    options: { port: { type: 'string' }, 'ui-origin': { type: 'string' } },
    help: '[--port 8888] [--ui-origin http://localhost:8233] [--json]  serve /encode and /decode with the PTT_ENCRYPTION_KEYS codec for the Temporal UI until Ctrl-C',
    async run(args) {
      const { values } = parse('codec-server', args, { port: { type: 'string' }, 'ui-origin': { type: 'string' } });
      const { encryptionCodecFromEnv } = await import('./codec/encryption-codec');
      const { startCodecServer } = await import('./codec/codec-server');
      const codec = encryptionCodecFromEnv();
      if (!codec) throw new TriggerError('CONFIG_INVALID', 'codec-server: set PTT_ENCRYPTION_KEYS (id:base64key[,id:base64key...]; the first encrypts)');
      const port = Number(values.port ?? 8888);
      const server = await startCodecServer({ codec, port, ...(values['ui-origin'] ? { uiOrigin: values['ui-origin'] } : {}) });
      say(`codec endpoint ${server.url} (keys: ${codec.current} current). Set it as the Temporal UI's codec endpoint. Ctrl-C stops it.`);
      await untilSignal();
      say('stopping… stopped');
      await server.close();
    },
  },
  'verify-upgrade': {
    options: { bundle: { type: 'string' }, limit: { type: 'string' } },
    help: '<app-module> [--bundle <prebuilt bundle>] [--limit 10000] [--json]  before a rollout: replay the history of every open run of the app against the new workflow code (the app module\'s, or the prebuilt bundle you will deploy); exits 1 naming each run the new code would not replay, with its first divergence',
    async run(args) {
      const { values, positionals } = parse('verify-upgrade', args, commands['verify-upgrade']!.options!);
      const app = loadApp(positionals[0]);
      const { verifyUpgrade } = await import('./operations/verify-upgrade');
      const limit = typeof values.limit === 'string' ? Number(values.limit) : undefined;
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new TriggerError('CONFIG_INVALID', `verify-upgrade: --limit must be a positive whole number, not "${String(values.limit)}"`);
      const r = await withClient((client) => verifyUpgrade(client, app, { ...(typeof values.bundle === 'string' ? { workflowBundle: { codePath: values.bundle } } : {}), ...(limit ? { limit } : {}) }));
      out(values.json, r, () =>
        [
          `${r.total} open run(s) replayed${r.truncated ? ` (the first ${limit ?? 10_000}; more are open)` : ''}: ${Object.entries(r.replayed).map(([t, n]) => `${t} ${n}`).join(', ') || 'none open'}`,
          ...r.divergences.map((d) => `DIVERGES ${d.workflowType} ${d.workflowId}: ${d.error}`),
          r.divergences.length ? `${r.divergences.length} open run(s) would fail on the new code: keep the old commands behind patched() (docs/contributing.md), or let those runs close before the rollout` : 'the new code replays every open run',
        ].join('\n'),
      );
      if (r.divergences.length) process.exitCode = 1;
    },
  },
  deployment: {
    options: { 'set-current': { type: 'string' } },
    help: '<app-module> <deployment-name> [--set-current <buildId>] [--json]  Worker Versioning: each build of the deployment with the app\'s open runs on it and whether it is drained (its workers may stop once it has none); --set-current makes a build current first (new runs start on it)',
    async run(args) {
      const { values, positionals } = parse('deployment', args, commands.deployment!.options!);
      const app = loadApp(positionals[0]);
      const name = positionals[1];
      if (!name) throw new TriggerError('CONFIG_INVALID', 'deployment: give the app module and the deployment name (createTriggerWorker\'s deployment.name)');
      const { deploymentBuilds, setCurrentDeploymentVersion } = await import('./operations/deployments');
      const builds = await withClient(async (client) => {
        if (typeof values['set-current'] === 'string') await setCurrentDeploymentVersion(client, name, values['set-current']);
        return deploymentBuilds(client, app, name);
      });
      out(values.json, { deployment: name, builds }, () => builds.map((b) => `${b.buildId}${b.current ? ' (current)' : ''}: ${b.openRuns} open run(s) of ${app.name}${b.drainage !== '-' ? `, ${b.drainage}` : ''}`).join('\n') || `${name}: no build has polled yet`);
    },
  },
  dashboard: {
    options: { port: { type: 'string' }, host: { type: 'string' }, admin: { type: 'boolean' }, 'temporal-ui': { type: 'string' } },
    help: '<app-module> [--port 8234] [--host 127.0.0.1] [--admin] [--temporal-ui http://localhost:8233] [--json]  serve the trigger dashboard until Ctrl-C: every trigger and scheduled action, their runs, charts and errors; read-only unless --admin (pause, resume, run now, backfill, cancel, retry, and decoded payloads, for requests from this machine only)',
    async run(args) {
      const { values, positionals } = parse('dashboard', args, commands.dashboard!.options!);
      const app = loadApp(positionals[0]);
      const { connectFromEnv } = await import('./connection');
      const { serveDashboard, fromLoopback } = await import('./dashboard');
      const temporal = await connectFromEnv();
      const temporalUi = typeof values['temporal-ui'] === 'string' ? values['temporal-ui'] : process.env.TEMPORAL_UI_URL;
      const served = await serveDashboard({
        client: temporal.client,
        app,
        ...(loadedPrisma.get(app) ? { prisma: loadedPrisma.get(app) as AnyPrismaClient } : {}),
        ...(values.admin ? { authorize: (req) => fromLoopback(req) } : {}),
        ...(temporalUi ? { temporalUiUrl: temporalUi } : {}),
        port: Number(typeof values.port === 'string' ? values.port : (process.env.DASHBOARD_PORT ?? 8234)),
        ...(typeof values.host === 'string' ? { host: values.host } : {}),
      });
      if (values.json) process.stdout.write(`${JSON.stringify({ url: served.url, admin: !!values.admin })}\n`);
      say(`dashboard ${served.url} (${values.admin ? 'admin for requests from this machine' : 'read-only'}). Ctrl-C stops it.`);
      await untilSignal();
      process.stderr.write('stopping… ');
      await served.close();
      await temporal.close();
      say('stopped');
    },
  },
  dev: {
    options: { worker: { type: 'string' }, watch: { type: 'string' }, migrations: { type: 'string' }, 'no-migrate': { type: 'boolean' }, cwd: { type: 'string' } },
    help: '[--worker src/triggers/worker.ts] [--watch <dir>] [--migrations prisma/migrations] [--no-migrate] [--cwd <project dir>] [--json]  your app in one command: the Temporal server and UI (started from the per-user cache, or the one already on TEMPORAL_PORT), your migrations applied offline (DATABASE_URL; the embedded Postgres without it), your worker entry run and restarted when a file of its folder changes; Ctrl-C stops everything',
    async run(args) {
      const { values } = parse('dev', args, commands.dev!.options!);
      const cwd = path.resolve(typeof values.cwd === 'string' ? values.cwd : '.');
      const { startDev } = await import('./cli/dev');
      const session = await startDev({
        cwd,
        worker: typeof values.worker === 'string' ? values.worker : path.join('src', 'triggers', 'worker.ts'),
        ...(typeof values.watch === 'string' ? { watch: values.watch } : {}),
        migrations: values['no-migrate'] ? false : typeof values.migrations === 'string' ? values.migrations : path.join('prisma', 'migrations'),
        log: say,
      });
      if (values.json) process.stdout.write(`${JSON.stringify({ uiUrl: session.uiUrl ?? null, address: session.address })}\n`);
      say('Ctrl-C stops the worker, Temporal and the UI.');
      await untilSignal();
      process.stderr.write('stopping… ');
      await session.stop();
      say('stopped');
    },
  },
  'db:migrate': {
    options: {},
    help: '[migrations-dir] [--json]  apply prisma/migrations (or the folder given) to DATABASE_URL (offline; recorded in _prisma_migrations like Prisma)',
    async run(args) {
      const { readEnv } = await import('./config/env');
      const url = readEnv().DATABASE_URL;
      if (!url) throw new TriggerError('CONFIG_INVALID', 'db:migrate needs DATABASE_URL (npm start migrates the embedded database by itself).');
      const dir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join('prisma', 'migrations'));
      const { migrate } = await devstack();
      const r = await migrate(url, dir, { log: say });
      if (args.includes('--json')) process.stdout.write(`${JSON.stringify({ applied: r.applied, alreadyApplied: r.alreadyApplied })}\n`);
      say(`${r.applied.length} applied, ${r.alreadyApplied.length} already applied`);
    },
  },
  'temporal:build': {
    options: {},
    help: '[--json]  build (once) the stock Temporal server and UI from Go modules into the per-user cache (~/.cache/prisma-temporal-triggers)',
    async run() {
      const { ensureTemporalBinaries } = await devstack();
      const b = await ensureTemporalBinaries({ log: say });
      say(b.kind === 'cli' ? `using the temporal CLI at ${b.cli}` : `server: ${b.server}\nui: ${b.ui}`);
    },
  },
  'temporal:start': {
    options: {},
    help: '[--json]  run Temporal server + UI (SQLite under .data/temporal) until Ctrl-C',
    async run() {
      const { startTemporalStack } = await devstack();
      const stack = await startTemporalStack({ persistent: true });
      say(`Temporal ready at ${stack.address} (${stack.mode}) in ${stack.readyMs} ms; UI ${stack.uiUrl ?? 'off'}. Ctrl-C stops it.`);
      await untilSignal();
      process.stderr.write('stopping… ');
      await stack.stop();
      say('stopped');
    },
  },
  'dev:stack': {
    options: {},
    help: '[--json]  run Temporal + UI + database (DATABASE_URL or embedded PGlite) + migrations until Ctrl-C',
    async run() {
      const { startDevStack } = await devstack();
      const stack = await startDevStack();
      say(`DATABASE_URL=${stack.databaseUrl}\nTEMPORAL_ADDRESS=${stack.temporal.address}\nCtrl-C stops everything.`);
      await untilSignal();
      process.stderr.write('stopping… ');
      await stack.stop();
      say('stopped');
    },
  },
};

const usage = (): string => `usage: prisma-temporal-triggers <command> [--help]\n\n${Object.entries(commands).map(([k, v]) => `  ${k.padEnd(18)} ${v.help}`).join('\n')}`;

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const cmd = commands[name];
  if (!cmd) {
    say(usage());
    const hint = didYouMean(name, Object.keys(commands));
    throw new TriggerError('CONFIG_INVALID', `unknown command "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
  // --help on any command: its usage, exit 0, nothing else happens
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: prisma-temporal-triggers ${name} ${cmd.help}\n`);
    return;
  }
  // every command refuses a flag it does not take, naming it, before doing anything
  parse(name, rest, cmd.options ?? {});
  await cmd.run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      // with --json every error is JSON too, on stdout: { "error": { "code", "message" } }
      if (process.argv.includes('--json')) {
        const error = err instanceof TriggerError ? { code: err.code, message: redactText(err.message) } : { code: 'INTERNAL', message: redactText(err instanceof Error ? err.message : String(err)) };
        process.stdout.write(`${JSON.stringify({ error })}\n`);
      } else say(err instanceof TriggerError ? `error [${err.code}]: ${err.message}` : String(err instanceof Error ? err.stack : err));
      process.exit(1);
    },
  );
}
