/**
 * `defineResource` and `defineApp`: validate definitions when they are written (zod, with the
 * path of every problem and "did you mean" for unknown options), fill in defaults, and cross-check
 * the whole app (unique stable names, valid crons).
 */
import type { z } from 'zod';
import { DefinitionError } from '../errors';
import { CronSyntaxError, nextCronTime, parseCron } from './cron';
import { didYouMean } from './did-you-mean';
import { defaultQueue, defaultSchedulerWorkflowType, defaultWorkflowType, delegateName, triggerId } from './names';
import type { ResourceDefinition } from './options';
import { appSchema, resourceSchema, scheduledActionSchema, triggerSchema, type AppConfig, type ResourceConfig, type ScheduledActionConfig, type TriggerConfig } from './schema';

export type { DeclarativeAction, TriggerDefinition, ScheduledActionDefinition, ResourceDefinition } from './options';

/** A trigger with every default filled in. */
export interface Trigger extends TriggerConfig {
  kind: 'trigger';
  /** `<Resource>.<name>` */
  id: string;
  name: string;
  resource: Resource;
  workflowType: string;
  schedulerWorkflowType: string;
  queue: string;
  schedulerQueue: string;
  /** Which stable names were written explicitly (boot warns about the others). */
  explicit: { workflowType: boolean; schedulerWorkflowType: boolean };
}

/** A scheduled action with every default filled in. */
export interface ScheduledAction extends ScheduledActionConfig {
  kind: 'scheduled-action';
  id: string;
  name: string;
  resource: Resource;
  workflowType: string;
  queue: string;
  explicit: { workflowType: boolean };
}

/** A validated resource. */
export interface Resource {
  /** Prisma model name (`Ticket`). */
  model: string;
  /** Prisma client property (`ticket`). */
  delegate: string;
  primaryKey: string[];
  table: string | undefined;
  schema: string | undefined;
  columns: Record<string, string>;
  triggers: Trigger[];
  scheduledActions: ScheduledAction[];
  listTenants: ResourceConfig['listTenants'];
  tenantKey: ResourceConfig['tenantKey'];
  prepareTransaction: ResourceConfig['prepareTransaction'];
  sharedContext: ResourceConfig['sharedContext'];
}

/** The application: its name, its resources, and the settings every run shares (documented in the app schema). */
export interface AppDefinition extends Omit<z.input<typeof appSchema>, 'resources'> {
  /** Resources made by `defineResource`. */
  resources: Resource[];
}

/** A validated application: every resource, trigger and scheduled action, with lookups. */
export interface App {
  name: string;
  resources: Resource[];
  triggers: Trigger[];
  scheduledActions: ScheduledAction[];
  /** Where actions write their commit markers, or false (see src/prisma/commit-markers.ts). */
  commitMarkers: { table: string; schema?: string } | false;
  actorPersister: AppConfig['actorPersister'];
  /** Whether runs act with authorization unless a call says otherwise. */
  authorize: boolean;
  prepareTransaction: AppConfig['prepareTransaction'];
  sharedContext: AppConfig['sharedContext'];
  tenantKey: AppConfig['tenantKey'];
  /** By workflow type (per-record, scheduler or scheduled action). */
  byWorkflowType: Map<string, { role: 'record' | 'scheduler'; trigger: Trigger } | { role: 'scheduled-action'; action: ScheduledAction }>;
  trigger(id: string): Trigger;
  scheduledAction(id: string): ScheduledAction;
}

function formatIssues(path: string, error: z.ZodError, knownKeys: (issuePath: PropertyKey[]) => readonly string[]): DefinitionError {
  const lines = error.issues.map((issue) => {
    const where = [path, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path);
      return issue.keys
        .map((k) => {
          const hint = didYouMean(k, known);
          return `${where}: unknown option "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}. Known options: ${known.join(', ')}`;
        })
        .join('\n');
    }
    return `${where}: ${issue.message}`;
  });
  const first = error.issues[0];
  const firstPath = [path, ...(first?.path ?? []).map(String)].join('.');
  return new DefinitionError(firstPath, lines.join('\n').slice(firstPath.length + 2));
}

const TRIGGER_KEYS = Object.keys(triggerSchema.shape);
const ACTION_KEYS = Object.keys(scheduledActionSchema.shape);
const RESOURCE_KEYS = Object.keys(resourceSchema.shape);

/**
 * Defines a resource: a Prisma model, its primary key, its triggers and scheduled actions.
 * Validated now; throws a `DefinitionError` naming the path and the fix.
 *
 * @example
 * const Ticket = defineResource<TicketRow>({
 *   model: 'Ticket',
 *   triggers: {
 *     process: {
 *       where: { status: 'open' },
 *       action: async (ticket, { tx }) => tx.ticket.update({ where: { id: ticket.id }, data: { status: 'processed' } }),
 *       workflowType: 'Ticket.process',
 *       schedulerWorkflowType: 'Ticket.process.scheduler',
 *     },
 *   },
 * });
 */
export function defineResource<R = any, TTx = any, TPrisma = any>(definition: ResourceDefinition<R, TTx, TPrisma>): Resource {
  const label = typeof (definition as { model?: unknown })?.model === 'string' ? (definition as { model: string }).model : 'resource';
  const parsed = resourceSchema.safeParse(definition);
  if (!parsed.success) {
    throw formatIssues(label, parsed.error, (p) => (p[0] === 'triggers' && p.length === 2 ? TRIGGER_KEYS : p[0] === 'scheduledActions' && p.length === 2 ? ACTION_KEYS : RESOURCE_KEYS));
  }
  const cfg = parsed.data;
  const resource: Resource = {
    model: cfg.model,
    delegate: delegateName(cfg.model),
    primaryKey: Array.isArray(cfg.primaryKey) ? cfg.primaryKey : [cfg.primaryKey],
    table: cfg.table,
    schema: cfg.schema,
    columns: cfg.columns ?? {},
    triggers: [],
    scheduledActions: [],
    listTenants: cfg.listTenants,
    tenantKey: cfg.tenantKey,
    prepareTransaction: cfg.prepareTransaction,
    sharedContext: cfg.sharedContext,
  };
  for (const [name, t] of Object.entries(cfg.triggers)) {
    const path = `${cfg.model}.triggers.${name}`;
    const names = {
      workflowType: t.workflowType ?? defaultWorkflowType(cfg.model, name),
      schedulerWorkflowType: t.schedulerWorkflowType ?? defaultSchedulerWorkflowType(cfg.model, name),
      queue: t.queue ?? defaultQueue(cfg.model, name),
    };
    checkNameLengths(path, names);
    if (!t.action && !t.chunkAction) throw new DefinitionError(`${path}.action`, 'is required: a function (record, ctx) => …, { update: data }, { update: (record, ctx) => data } or { delete: true } (or chunkAction, with chunks)');
    if (t.chunkAction && !t.chunks) throw new DefinitionError(`${path}.chunkAction`, 'runs on chunks of records: add chunks: { size }, or give a per-record action instead.');
    if (t.chunkAction && t.action) throw new DefinitionError(`${path}.chunkAction`, 'and action are both given: with chunks, a function goes in chunkAction and a declarative action in action; keep one.');
    if (t.chunks && t.readMetadata) throw new DefinitionError(`${path}.chunks`, 'a chunk run carries records, not per-record metadata: remove readMetadata, or chunks.');
    if (t.chunks && t.triggerOnce) throw new DefinitionError(`${path}.chunks`, 'triggerOnce remembers runs per record, and a chunk run holds many: remove triggerOnce, or chunks.');
    if (t.chunks && typeof t.action === 'function') throw new DefinitionError(`${path}.action`, 'with chunks, a function action goes in chunkAction: (records, ctx) => …; action takes a declarative { update } or { delete: true }.');
    if (t.useTenantFromRecord && !t.tenantFrom) {
      throw new DefinitionError(`${path}.useTenantFromRecord`, "gives each run its record's tenant, read with tenantFrom: add tenantFrom: (record) => record.organisationId (the field that holds the tenant), or remove useTenantFromRecord.");
    }
    if (t.tenantFrom && !t.useTenantFromRecord) {
      throw new DefinitionError(`${path}.tenantFrom`, 'is read only with useTenantFromRecord: true (runs take the tenant of their record): add it, or remove tenantFrom.');
    }
    if (t.onErrorFailsJob && !t.onError) {
      throw new DefinitionError(`${path}.onErrorFailsJob`, 'is set but there is no onError handler: add `onError`, or remove `onErrorFailsJob`.');
    }
    resource.triggers.push({
      ...t,
      kind: 'trigger',
      id: triggerId(cfg.model, name),
      name,
      resource,
      ...names,
      schedulerQueue: t.schedulerQueue ?? names.queue,
      explicit: { workflowType: t.workflowType !== undefined, schedulerWorkflowType: t.schedulerWorkflowType !== undefined },
    });
    if (t.schedulerCron !== false) checkCron(`${path}.schedulerCron`, t.schedulerCron, t.schedulerTimezone);
  }
  for (const [name, a] of Object.entries(cfg.scheduledActions)) {
    const names = { workflowType: a.workflowType ?? defaultWorkflowType(cfg.model, name), queue: a.queue ?? defaultQueue(cfg.model, name) };
    checkNameLengths(`${cfg.model}.scheduledActions.${name}`, names);
    checkCron(`${cfg.model}.scheduledActions.${name}.cron`, a.cron, a.timezone);
    resource.scheduledActions.push({
      ...a,
      kind: 'scheduled-action',
      id: triggerId(cfg.model, name),
      name,
      resource,
      ...names,
      explicit: { workflowType: a.workflowType !== undefined },
    });
  }
  return resource;
}

/** Schedule ids are `ptt:<workflow type>`, and Temporal's SQL stores ids of at most 255 characters. */
const MAX_STABLE_NAME = 255 - 'ptt:'.length;

function checkNameLengths(path: string, names: Record<string, string>): void {
  for (const [option, value] of Object.entries(names)) {
    const max = option === 'queue' ? 255 : MAX_STABLE_NAME;
    if (value.length > max) {
      throw new DefinitionError(`${path}.${option}`, `"${value.slice(0, 40)}..." is ${value.length} characters; at most ${max} fit in Temporal's ids. Set a shorter ${option}.`);
    }
  }
}

/**
 * Throws a DefinitionError naming `path` for a cron Temporal would reject; returns when a valid
 * one fires next (undefined when it never fires again within five years).
 */
export function checkCron(path: string, cron: string, timezone?: string): Date | undefined {
  try {
    return nextCronTime(parseCron(cron, timezone));
  } catch (err) {
    const why = err instanceof CronSyntaxError ? err.message : String(err);
    throw new DefinitionError(
      path,
      `invalid cron "${cron}": ${why}. Use 5 fields (minute hour day-of-month month day-of-week), e.g. "*/5 * * * *", a shorthand such as "@daily" or "@every 10m", optionally prefixed with "CRON_TZ=Europe/Paris ".`,
    );
  }
}

/** When a cron (Temporal's syntax) next fires after `from`, in its time zone. */
export function nextRun(cron: string, timezone?: string, from = new Date()): Date | undefined {
  return nextCronTime(parseCron(cron, timezone), from);
}

const ROLE_LABEL = { record: 'per-record workflowType', scheduler: 'schedulerWorkflowType', 'scheduled-action': 'scheduled action workflowType' } as const;

/**
 * Defines the application: its owner name (tag of its schedules and runs) and its resources.
 * Cross-checks stable names (unique across triggers, schedulers and scheduled actions).
 */
export function defineApp(definition: AppDefinition): App {
  const parsed = appSchema.safeParse(definition);
  if (!parsed.success) throw formatIssues('app', parsed.error, () => Object.keys(appSchema.shape));
  const resources = definition.resources;
  const seenModels = new Set<string>();
  for (const r of resources) {
    if (!r || !Array.isArray(r.triggers)) throw new DefinitionError('app.resources', 'expected resources created with defineResource()');
    if (seenModels.has(r.model)) throw new DefinitionError(`app.resources.${r.model}`, 'is defined twice: merge its triggers into one defineResource().');
    seenModels.add(r.model);
  }
  const triggers = resources.flatMap((r) => r.triggers);
  const scheduledActions = resources.flatMap((r) => r.scheduledActions);
  const byWorkflowType: App['byWorkflowType'] = new Map();
  const claim = (type: string, path: string, entry: Parameters<App['byWorkflowType']['set']>[1]): void => {
    const existing = byWorkflowType.get(type);
    if (existing) {
      const describe = (e: typeof entry): string => ('trigger' in e ? `${e.trigger.id} (${ROLE_LABEL[e.role]})` : `${e.action.id} (${ROLE_LABEL[e.role]})`);
      const roles = existing.role === entry.role ? '' : ` One stable name cannot serve two roles: runs started as one would be run as the other.`;
      throw new DefinitionError(path, `workflow type "${type}" is used by both ${describe(existing)} and ${describe(entry)}.${roles} Stable names must be unique: give one of them another name.`);
    }
    byWorkflowType.set(type, entry);
  };
  for (const t of triggers) {
    claim(t.workflowType, `${t.id}.workflowType`, { role: 'record', trigger: t });
    // Triggers without a cron still have a scheduler workflow: schedule() and scheduleAndRunTriggers() run it.
    claim(t.schedulerWorkflowType, `${t.id}.schedulerWorkflowType`, { role: 'scheduler', trigger: t });
  }
  for (const a of scheduledActions) claim(a.workflowType, `${a.id}.workflowType`, { role: 'scheduled-action', action: a });
  const triggerById = new Map(triggers.map((t) => [t.id, t]));
  const actionById = new Map(scheduledActions.map((a) => [a.id, a]));
  return {
    name: parsed.data.name,
    commitMarkers: parsed.data.commitMarkers === false ? false : { table: 'ptt_run_commit', ...parsed.data.commitMarkers },
    actorPersister: parsed.data.actorPersister,
    authorize: parsed.data.authorize ?? true,
    prepareTransaction: parsed.data.prepareTransaction,
    sharedContext: parsed.data.sharedContext,
    tenantKey: parsed.data.tenantKey,
    resources,
    triggers,
    scheduledActions,
    byWorkflowType,
    trigger(id) {
      const t = triggerById.get(id);
      if (!t) {
        const hint = didYouMean(id, [...triggerById.keys()]);
        throw new DefinitionError(id, `unknown trigger${hint ? ` (did you mean "${hint}"?)` : ''}. Known: ${[...triggerById.keys()].join(', ') || 'none'}`, { code: 'UNKNOWN_TRIGGER' });
      }
      return t;
    },
    scheduledAction(id) {
      const a = actionById.get(id);
      if (!a) {
        const hint = didYouMean(id, [...actionById.keys()]);
        throw new DefinitionError(id, `unknown scheduled action${hint ? ` (did you mean "${hint}"?)` : ''}. Known: ${[...actionById.keys()].join(', ') || 'none'}`, { code: 'UNKNOWN_TRIGGER' });
      }
      return a;
    },
  };
}
