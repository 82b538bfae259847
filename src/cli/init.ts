/**
 * `init`: adds prisma-temporal-triggers to a user's project (AshOban's installer).
 *
 * For one model of the project's Prisma schema it plans:
 * - `<dir>/<model>.triggers.ts`: a `defineResource` for the model with one on-demand trigger whose
 *   stable names (`workflowType`, `schedulerWorkflowType`) are filled in;
 * - `<dir>/app.ts`: `defineApp` over every `*.triggers.ts` of the folder, and the project's
 *   PrismaClient re-exported as `prisma` (every CLI command accepts the module); rewritten only
 *   while it still carries the marker line init writes (a hand-edited app is left alone, reported);
 * - `<dir>/prisma.ts`: the PrismaClient (driver adapter, DATABASE_URL), shared by app and worker;
 * - `<dir>/worker.ts`: the worker entry (environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 *   DATABASE_URL);
 * - the `PttRunCommit` model (commit markers) in the schema, and a migration creating its table
 *   (applied offline by `dev` or `db:migrate`, or by `prisma migrate deploy`), when missing;
 * - package scripts `triggers:dev`, `triggers:worker` and `triggers:describe`;
 * - the dependencies the files need, checked: the missing ones are listed with the install line.
 * The CLI then registers the search attributes on the Temporal server when it is reachable.
 *
 * Pure planning (no writes) so a second run can show it changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { didYouMean } from '../definitions/did-you-mean';
import { defaultSchedulerWorkflowType, defaultWorkflowType } from '../definitions/names';
import { ConfigError } from '../errors';

export interface InitOptions {
  /** The project's root (where package.json is). */
  cwd: string;
  /** A model of the schema, as written there (`Ticket`). */
  model: string;
  /** Default `prisma/schema.prisma`. */
  schema?: string;
  /** Where the triggers, app and worker go. Default `src/triggers`. */
  dir?: string;
  /** Name given to defineApp. Default: package.json's name. */
  appName?: string;
  /** The time the commit-marker migration is named after. Default now. */
  now?: Date;
}

export interface PlannedFile {
  /** Relative to cwd. */
  file: string;
  action: 'create' | 'update' | 'keep';
  /** The content to write (absent for `keep`). */
  text?: string;
  /** Why a file is kept although it differs from what init would write. */
  note?: string;
}

export interface InitPlan {
  files: PlannedFile[];
  /** The package scripts added (already present ones are not listed). */
  scripts: Record<string, string>;
  /** Packages the written files need that package.json does not list, and the line that installs them. */
  missing: { dependencies: string[]; devDependencies: string[]; install?: string };
}

/** Marker of files init owns and may rewrite. */
const MARKER = '// Written by `prisma-temporal-triggers init`';
export const LIBRARY = 'prisma-temporal-triggers';

interface SchemaInfo {
  models: string[];
  /** Import path of the generated client, relative to the schema's folder or a package name. */
  clientImport: { relative: string } | { package: string };
}

function readSchema(schemaFile: string): SchemaInfo {
  if (!fs.existsSync(schemaFile)) throw new ConfigError(`init: no Prisma schema at ${schemaFile}; give --schema <file>.`);
  const text = fs.readFileSync(schemaFile, 'utf8');
  const models = [...text.matchAll(/^\s*model\s+(\w+)\s*\{/gm)].map((m) => m[1]!);
  const generator = /generator\s+\w+\s*\{([^}]*)\}/m.exec(text)?.[1] ?? '';
  const provider = /provider\s*=\s*"([^"]+)"/.exec(generator)?.[1];
  const output = /output\s*=\s*"([^"]+)"/.exec(generator)?.[1];
  if (provider === 'prisma-client') {
    if (!output) throw new ConfigError(`init: ${schemaFile}: the prisma-client generator needs an output folder (output = "../generated/prisma").`);
    return { models, clientImport: { relative: `${output.replace(/\/$/, '')}/client` } };
  }
  return { models, clientImport: output ? { relative: output } : { package: '@prisma/client' } };
}

const kebab = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const posix = (p: string): string => p.split(path.sep).join('/');

function importFrom(fromDir: string, target: string): string {
  const rel = posix(path.relative(fromDir, target));
  return rel.startsWith('.') ? rel : `./${rel}`;
}

function triggersFile(model: string, client: string): string {
  const delegate = model.charAt(0).toLowerCase() + model.slice(1);
  return `${MARKER} for ${model}; edit freely (init never rewrites this file).
// workflowType and schedulerWorkflowType are the names Temporal knows these runs by: keep them when
// you rename the trigger or the model, so no run in flight is orphaned.
import { defineResource } from '${LIBRARY}';
import type { Prisma, ${model} } from '${client}';

export const ${model}Triggers = defineResource<${model}, Prisma.TransactionClient>({
  model: '${model}',
  triggers: {
    process: {
      // Which records: a Prisma where on ${model}, re-checked inside each run's transaction.
      where: {},
      // When the scheduler looks for them: a cron such as '*/5 * * * *', or false for on demand only.
      schedulerCron: false,
      maxAttempts: 3,
      action: async (record, { tx }) => {
        // The work for one record, in a transaction that holds its row lock, e.g.
        // await tx.${delegate}.update({ where: { id: record.id }, data: { ... } });
      },
      workflowType: '${defaultWorkflowType(model, 'process')}',
      schedulerWorkflowType: '${defaultSchedulerWorkflowType(model, 'process')}',
    },
  },
});
`;
}

function appFile(appName: string, resources: { name: string; module: string }[]): string {
  const imports = resources.map((r) => `import { ${r.name} } from '${r.module}';`).join('\n');
  return `${MARKER}: init adds each *.triggers.ts of this folder here.
// Remove this first line to edit by hand (init then leaves the file alone).
import { defineApp } from '${LIBRARY}';
${imports}

export const app = defineApp({ name: '${appName}', resources: [${resources.map((r) => r.name).join(', ')}] });
export default app;
// the commands that read records (preview, run, retry, status) use it
export { prisma } from './prisma';
`;
}

function workerFile(): string {
  return `${MARKER}; edit freely (init never rewrites this file).
// Starts the trigger worker: registers the Schedules and search attributes, then runs until Ctrl-C.
// Environment: DATABASE_URL, and Temporal's own variables (TEMPORAL_ADDRESS, default
// 127.0.0.1:7233; TEMPORAL_NAMESPACE; TEMPORAL_API_KEY; TEMPORAL_TLS_CLIENT_CERT_PATH /
// _KEY_PATH / _SERVER_NAME for mTLS); PTT_ENCRYPTION_KEYS encrypts payloads.
import { createTriggerWorkerFromEnv } from '${LIBRARY}';
import { app, prisma } from './app';

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL to your database (the worker runs the actions through Prisma).');
  const worker = await createTriggerWorkerFromEnv({ app, prisma });
  await worker.run(); // until SIGINT / SIGTERM; then its Temporal connections are closed
  await prisma.$disconnect();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
`;
}

function prismaFile(client: string): string {
  return `${MARKER}; edit freely (init never rewrites this file).
// The PrismaClient the worker and the commands use: Prisma 7 with the pg driver adapter, connected
// on first use to DATABASE_URL.
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '${client}';

const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? '' });
// Keep a database restart from exiting the worker: pg-pool can hand a freed connection to a waiting
// transaction before anything listens for its errors, and an unhandled 'error' event ends node. With
// this listener the shutdown is an ordinary failed query, which the worker retries.
pool.on('connect', (client) => client.on('error', () => {}));

export const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
`;
}

/** The commit-marker table, as a migration any runner applies (idempotent: a table made by hand is completed, not refused). */
const COMMIT_MIGRATION = `-- prisma-temporal-triggers' commit markers (added by \`prisma-temporal-triggers init\`)
CREATE TABLE IF NOT EXISTS "ptt_run_commit" (
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "result" TEXT,
    "committed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ptt_run_commit_pkey" PRIMARY KEY ("workflow_id","run_id","kind")
);
ALTER TABLE "ptt_run_commit" ADD COLUMN IF NOT EXISTS "result" TEXT;
CREATE INDEX IF NOT EXISTS "ptt_run_commit_committed_at_idx" ON "ptt_run_commit"("committed_at");
`;

/** What the written files import, by where package.json should list it. */
const NEEDS = { dependencies: ['@prisma/client', '@prisma/adapter-pg', 'pg'], devDependencies: ['tsx', 'prisma'] };

const COMMIT_MODEL = `
/// prisma-temporal-triggers' commit markers (added by \`prisma-temporal-triggers init\`): each run's
/// action writes one row in its own transaction, so a retry after a crash between commit and
/// completion reports success instead of running again. The worker prunes rows older than 7 days.
model PttRunCommit {
  workflowId  String   @map("workflow_id")
  runId       String   @map("run_id")
  kind        String
  attempt     Int
  result      String?
  committedAt DateTime @default(now()) @map("committed_at")

  @@id([workflowId, runId, kind])
  @@index([committedAt])
  @@map("ptt_run_commit")
}
`;

/** What init would write; nothing is written. */
export function planInit(options: InitOptions): InitPlan {
  const cwd = path.resolve(options.cwd);
  const pkgFile = path.join(cwd, 'package.json');
  if (!fs.existsSync(pkgFile)) throw new ConfigError(`init: no package.json in ${cwd}; run it from your project's root (or give --cwd).`);
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { name?: string; scripts?: Record<string, string>; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const schemaFile = path.resolve(cwd, options.schema ?? path.join('prisma', 'schema.prisma'));
  const schema = readSchema(schemaFile);
  if (!schema.models.includes(options.model)) {
    const hint = didYouMean(options.model, schema.models);
    throw new ConfigError(`init: ${posix(path.relative(cwd, schemaFile))} has no model "${options.model}"${hint ? ` (did you mean "${hint}"?)` : ''}; its models: ${schema.models.join(', ') || 'none'}.`);
  }
  const dir = path.resolve(cwd, options.dir ?? path.join('src', 'triggers'));
  const client = 'package' in schema.clientImport ? schema.clientImport.package : importFrom(dir, path.resolve(path.dirname(schemaFile), schema.clientImport.relative));
  const files: PlannedFile[] = [];
  const plan = (abs: string, text: string, owned: boolean): void => {
    const file = posix(path.relative(cwd, abs));
    if (!fs.existsSync(abs)) return void files.push({ file, action: 'create', text });
    const current = fs.readFileSync(abs, 'utf8');
    if (current === text) return void files.push({ file, action: 'keep' });
    if (owned && current.startsWith(MARKER)) return void files.push({ file, action: 'update', text });
    files.push({ file, action: 'keep', note: owned ? 'edited by hand (no init marker on its first line): add the new resource to defineApp yourself' : undefined });
  };

  const triggersAbs = path.join(dir, `${kebab(options.model)}.triggers.ts`);
  plan(triggersAbs, triggersFile(options.model, client), false);
  // the app lists every *.triggers.ts of the folder, the new one included
  const existing = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.triggers.ts')) : [];
  const resources = [...new Set([...existing, path.basename(triggersAbs)])]
    .sort()
    .flatMap((f) => {
      const exported = /export const (\w+Triggers)\s*=/.exec(f === path.basename(triggersAbs) && !fs.existsSync(triggersAbs) ? triggersFile(options.model, client) : fs.readFileSync(path.join(dir, f), 'utf8'))?.[1];
      return exported ? [{ name: exported, module: `./${f.replace(/\.ts$/, '')}` }] : [];
    });
  plan(path.join(dir, 'app.ts'), appFile(options.appName ?? pkg.name ?? 'app', resources), true);
  plan(path.join(dir, 'worker.ts'), workerFile(), false);
  plan(path.join(dir, 'prisma.ts'), prismaFile(client), false);

  const schemaText = fs.readFileSync(schemaFile, 'utf8');
  const schemaRel = posix(path.relative(cwd, schemaFile));
  if (/@@map\(\s*"ptt_run_commit"\s*\)/.test(schemaText)) files.push({ file: schemaRel, action: 'keep' });
  else files.push({ file: schemaRel, action: 'update', text: `${schemaText.replace(/\s*$/, '\n')}${COMMIT_MODEL}` });
  // the table, as a migration next to the schema's (none is written when one already creates it)
  const migrationsDir = path.join(path.dirname(schemaFile), 'migrations');
  const hasMigration = fs.existsSync(migrationsDir) && fs.readdirSync(migrationsDir).some((m) => fs.existsSync(path.join(migrationsDir, m, 'migration.sql')) && /ptt_run_commit/.test(fs.readFileSync(path.join(migrationsDir, m, 'migration.sql'), 'utf8')));
  if (!hasMigration) {
    const stamp = (options.now ?? new Date()).toISOString().replace(/\D/g, '').slice(0, 14);
    files.push({ file: posix(path.relative(cwd, path.join(migrationsDir, `${stamp}_ptt_run_commit`, 'migration.sql'))), action: 'create', text: COMMIT_MIGRATION });
  }

  const rel = posix(path.relative(cwd, dir));
  const wanted: Record<string, string> = {
    'triggers:dev': `${LIBRARY} dev --worker ${rel}/worker.ts`,
    'triggers:worker': `tsx ${rel}/worker.ts`,
    'triggers:describe': `${LIBRARY} describe ${rel}/app.ts`,
  };
  const scripts = Object.fromEntries(Object.entries(wanted).filter(([k]) => pkg.scripts?.[k] === undefined));
  if (Object.keys(scripts).length) {
    const text = JSON.stringify({ ...pkg, scripts: { ...pkg.scripts, ...scripts } }, null, 2) + '\n';
    files.push({ file: 'package.json', action: 'update', text });
  } else files.push({ file: 'package.json', action: 'keep' });
  const listed = { ...(pkg.dependencies ?? {}), ...(pkg.devDependencies ?? {}) };
  const missing = {
    dependencies: NEEDS.dependencies.filter((d) => listed[d] === undefined),
    devDependencies: NEEDS.devDependencies.filter((d) => listed[d] === undefined),
  };
  const install = [missing.dependencies.length ? `npm install ${missing.dependencies.join(' ')}` : '', missing.devDependencies.length ? `npm install --save-dev ${missing.devDependencies.join(' ')}` : ''].filter(Boolean).join(' && ');
  return { files, scripts, missing: { ...missing, ...(install ? { install } : {}) } };
}

/** Writes a plan; returns the files written. */
export function applyInit(cwd: string, plan: InitPlan): string[] {
  const written: string[] = [];
  for (const f of plan.files) {
    if (f.action === 'keep' || f.text === undefined) continue;
    const abs = path.resolve(cwd, f.file);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, f.text);
    written.push(f.file);
  }
  return written;
}
