/**
 * What the library reads of the application's PrismaClient: the runtime data model (model and
 * field names and kinds) for boot-time checks, and the SQL for `FOR UPDATE` locks.
 */
import { didYouMean } from '../definitions/did-you-mean';
import type { App, Resource, Trigger } from '../definitions/define';
import { DefinitionError, TriggerError } from '../errors';
import { redactText } from '../redact';
import { probeCommitMarkers } from './commit-markers';
import { causeChain } from '../cause-chain';
import { isInfrastructureError, sqlState, unreachableAddress } from './db-errors';
import { orderFor } from './keyset';
import { qualifiedTable, quoteIdent } from './sql';

export interface RuntimeField {
  name: string;
  kind: string;
  type: string;
}

export interface RuntimeModel {
  fields: RuntimeField[];
  dbName: string | null;
  schema?: string | null;
}

/** Minimal shape of a PrismaClient as the library uses it. */
export type AnyPrismaClient = Record<string, any> & {
  $transaction: (...args: any[]) => Promise<any>;
  $queryRawUnsafe: (sql: string, ...values: unknown[]) => Promise<unknown>;
  $executeRawUnsafe: (sql: string, ...values: unknown[]) => Promise<unknown>;
};

export function runtimeModels(prisma: AnyPrismaClient): Record<string, RuntimeModel> | undefined {
  const dm = (prisma as { _runtimeDataModel?: { models?: Record<string, RuntimeModel> } })._runtimeDataModel;
  return dm?.models;
}

const ORDERABLE = new Set(['Int', 'BigInt', 'Float', 'Decimal', 'String', 'DateTime']);
const WHERE_OPERATORS = new Set(['AND', 'OR', 'NOT']);

const nullableCache = new WeakMap<object, Map<string, Promise<Set<string>>>>();

/** Fields of the resource whose columns may hold NULL (read from information_schema once). */
export function nullableFields(prisma: AnyPrismaClient, resource: Resource): Promise<Set<string>> {
  let perClient = nullableCache.get(prisma);
  if (!perClient) nullableCache.set(prisma, (perClient = new Map()));
  let found = perClient.get(resource.model);
  if (!found) {
    const model = runtimeModels(prisma)?.[resource.model];
    const table = resource.table ?? model?.dbName ?? resource.model;
    const schema = resource.schema ?? model?.schema ?? undefined;
    const sql = `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND is_nullable = 'YES'${schema ? ' AND table_schema = $2' : ' AND table_schema = ANY(current_schemas(false))'}`;
    found = (prisma.$queryRawUnsafe(sql, ...(schema ? [table, schema] : [table])) as Promise<{ column_name: string }[]>).then((rows) => {
      const columns = new Set(rows.map((r) => r.column_name));
      const fields = new Set<string>();
      for (const f of model?.fields ?? []) if (columns.has(resource.columns[f.name] ?? f.name)) fields.add(f.name);
      return fields;
    });
    found.catch(() => perClient!.delete(resource.model));
    perClient.set(resource.model, found);
  }
  return found;
}

/** The resource's table, qualified: `"schema"."table"` (from the resource, else Prisma's runtime model). */
export function resourceTable(resource: Resource, model: RuntimeModel | undefined): string {
  return qualifiedTable(resource.table ?? model?.dbName ?? resource.model, resource.schema ?? model?.schema ?? undefined);
}

/**
 * `SELECT pg_backend_pid() AS pid FROM "table" WHERE "pk" = $1 ... FOR UPDATE` for a resource:
 * locks the record and says which server process holds the transaction (none: no such record).
 */
export function lockSql(resource: Resource, model: RuntimeModel | undefined): string {
  const cond = resource.primaryKey.map((f, i) => `${quoteIdent(resource.columns[f] ?? f)} = $${i + 1}`).join(' AND ');
  return `SELECT pg_backend_pid() AS pid FROM ${resourceTable(resource, model)} WHERE ${cond} FOR UPDATE`;
}

function checkWhereKeys(path: string, where: unknown, fields: Map<string, RuntimeField>): void {
  if (where === null || typeof where !== 'object') return;
  if (Array.isArray(where)) {
    where.forEach((w, i) => checkWhereKeys(`${path}[${i}]`, w, fields));
    return;
  }
  for (const [key, value] of Object.entries(where as Record<string, unknown>)) {
    if (WHERE_OPERATORS.has(key)) {
      checkWhereKeys(`${path}.${key}`, value, fields);
      continue;
    }
    if (!fields.has(key) && !key.includes('_')) {
      const hint = didYouMean(key, [...fields.keys()]);
      throw new DefinitionError(`${path}.${key}`, `unknown field "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}. Fields: ${[...fields.keys()].join(', ')}`);
    }
  }
}

/**
 * Boot-time checks of the definitions against the app's PrismaClient: the database answers
 * (`DATABASE_UNAVAILABLE` naming the host, never credentials), the model and its delegate exist,
 * primary key, `where` and `sort` fields exist (sort fields must be orderable scalars), and the
 * tables the library queries itself (each locking resource's, the commit markers') exist
 * (`SCHEMA_MISSING`: run the migrations).
 */
export async function verifyAgainstPrisma(prisma: AnyPrismaClient, resources: readonly Resource[], app?: App): Promise<void> {
  try {
    await prisma.$queryRawUnsafe('SELECT 1');
  } catch (err) {
    if (sqlState(err) === '3D000') throw databaseMissing(err);
    throw databaseUnavailable(err, 'boot');
  }
  const models = runtimeModels(prisma);
  for (const r of resources) {
    if (typeof prisma[r.delegate]?.findMany !== 'function') {
      const known = models ? Object.keys(models) : Object.keys(prisma).filter((k) => !k.startsWith('$') && !k.startsWith('_'));
      const hint = didYouMean(r.model, known);
      throw new DefinitionError(`${r.model}.model`, `the PrismaClient has no model "${r.model}" (prisma.${r.delegate})${hint ? `; did you mean "${hint}"?` : ''}. Models: ${known.join(', ')}`);
    }
    const model = models?.[r.model];
    if (model) {
      const fields = new Map(model.fields.map((f) => [f.name, f]));
      for (const pk of r.primaryKey) {
        const f = fields.get(pk);
        if (!f || f.kind === 'object') throw new DefinitionError(`${r.model}.primaryKey`, `"${pk}" is not a scalar field of ${r.model}. Set primaryKey to the @id field(s).`);
      }
      for (const t of r.triggers) verifyTrigger(t, fields);
    }
    if (r.triggers.some((t) => t.lockForUpdate)) {
      const sql = lockSql(r, model).replace(/ WHERE .*/, ' WHERE false');
      try {
        await prisma.$queryRawUnsafe(sql);
      } catch (err) {
        if (isInfrastructureError(err)) throw databaseUnavailable(err, 'boot');
        const table = r.table ?? model?.dbName ?? r.model;
        if (sqlState(err) === '42P01') {
          throw new TriggerError(
            'SCHEMA_MISSING',
            `The table of ${r.model} ("${table}") does not exist in the database: run your migrations (\`prisma migrate deploy\`, or \`npm run db:migrate\` here). ` +
              `If the model is @@map-ped to another table, set \`table\` on the resource.`,
          );
        }
        throw new DefinitionError(
          `${r.model}.table`,
          `the lock query for ${r.model} failed (${redactText(err instanceof Error ? (err.message.split('\n').pop() ?? '') : String(err))}). ` +
            `If the model or its key fields are @map/@@map-ped, set \`table\` / \`columns\` on the resource (or lockForUpdate: false).`,
        );
      }
    }
  }
  if (app) {
    const chunked = app.triggers.some((t) => t.chunks !== undefined);
    try {
      await probeCommitMarkers(prisma, app, chunked);
    } catch (err) {
      if (isInfrastructureError(err)) throw databaseUnavailable(err, 'boot');
      const where = app.commitMarkers ? app.commitMarkers.table : '';
      if (sqlState(err) === '42703') {
        const chunkTriggers = app.triggers.filter((t) => t.chunks !== undefined).map((t) => t.id);
        throw new TriggerError(
          'SCHEMA_MISSING',
          `The commit-marker table "${where}" has no "result" column, where chunk attempts store which records they committed (${chunkTriggers.join(', ')} use chunks). ` +
            `Add \`result String?\` to the PttRunCommit model (docs/reliability.md, "Effectively once") and migrate, or run: ALTER TABLE "${where}" ADD COLUMN "result" TEXT;`,
        );
      }
      throw new TriggerError(
        'SCHEMA_MISSING',
        `The commit-marker table "${where}" does not exist in the database (${redactText(err instanceof Error ? (err.message.split('\n').pop() ?? '') : String(err))}). ` +
          `Add the PttRunCommit model (docs/reliability.md, "Effectively once") to your schema.prisma and run \`prisma migrate dev\` (then deploy the migration), ` +
          `or turn markers off with defineApp({ commitMarkers: false }) and accept that an action may run twice after a crash.`,
      );
    }
  }
}

/** `DATABASE_MISSING`: the server answered, but has no database of that name (SQLSTATE 3D000). */
function databaseMissing(err: unknown): TriggerError {
  const name = [...causeChain(err)].map((e) => (typeof e.db === 'string' ? e.db : undefined)).find(Boolean);
  const db = name ? `"${name}"` : 'named in the URL';
  return new TriggerError(
    'DATABASE_MISSING',
    `The database server answered, but the database ${db} does not exist on it: create it (\`createdb ${name ?? '<name>'}\`, or \`CREATE DATABASE ${name ? `"${name}"` : '<name>'}\`) and run your migrations, or fix the database name in the URL the PrismaClient was given (DATABASE_URL).`,
    { cause: err },
  );
}

/** `DATABASE_UNAVAILABLE` naming where the database was looked for (never credentials) and the cause. */
export function databaseUnavailable(err: unknown, when: string): TriggerError {
  const where = unreachableAddress(err);
  const why = redactText(err instanceof Error ? (err.message.split('\n').filter(Boolean).pop() ?? err.message) : String(err));
  return new TriggerError(
    'DATABASE_UNAVAILABLE',
    `Cannot reach the database${where ? ` at ${where}` : ''} (${when}): ${why}. Start it, or check the URL the PrismaClient was given (DATABASE_URL).`,
    { cause: err },
  );
}

function verifyTrigger(t: Trigger, fields: Map<string, RuntimeField>): void {
  const path = `${t.id}.where`;
  if (typeof t.where === 'function') {
    // Sampled only where the scan really reads without a tenant: a trigger with tenants never
    // sees `tenant: null` from the scheduler, so its where is checked when it runs.
    if ((t.listTenants ?? t.resource.listTenants) !== undefined) return verifyOrdering(t, fields);
    let sample: unknown;
    try {
      sample = t.where({ now: new Date(), tenant: null, actor: null, purpose: 'scan', allTenants: t.useTenantFromRecord === true });
    } catch {
      sample = undefined; // depends on the actor or the time: checked when it runs
    }
    checkWhereKeys(path, sample, fields);
  } else {
    checkWhereKeys(path, t.where, fields);
  }
  verifyOrdering(t, fields);
}

/** `chunks.by` and `sort` name scalar fields (sort fields orderable ones). */
function verifyOrdering(t: Trigger, fields: Map<string, RuntimeField>): void {
  for (const f of t.chunks?.by ?? []) {
    const field = fields.get(f);
    if (!field || field.kind === 'object') {
      const hint = didYouMean(f, [...fields.keys()]);
      throw new DefinitionError(`${t.id}.chunks.by.${f}`, `not a scalar field${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
  }
  for (const term of orderFor(t.sort, [])) {
    const f = fields.get(term.field);
    if (!f) {
      const hint = didYouMean(term.field, [...fields.keys()]);
      throw new DefinitionError(`${t.id}.sort.${term.field}`, `unknown field${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    if (f.kind !== 'scalar' || !ORDERABLE.has(f.type)) {
      throw new DefinitionError(`${t.id}.sort.${term.field}`, `cannot page by a ${f.kind} ${f.type} field: sort by Int, BigInt, Float, Decimal, String or DateTime fields.`);
    }
  }
}
