/**
 * zod schemas for the options of the runtime calls (runTrigger, schedule, scheduleAndRunTriggers,
 * createTriggerWorker): an unknown or mistyped option is an error naming it, with "did you mean".
 */
import { z } from 'zod';
import { didYouMean } from '../definitions/did-you-mean';
import { ConfigError } from '../errors';
import { jsonBytes, jsonProblem, RUN_DATA_LIMIT_BYTES } from './json-safe';

/** Run arguments: plain JSON only, within the run data limit (the path of a bad value is named). */
const args = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'expected a plain object' }).superRefine((value, ctx) => {
  const problem = jsonProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    return;
  }
  const bytes = jsonBytes(value);
  if (bytes > RUN_DATA_LIMIT_BYTES) {
    ctx.addIssue({ code: 'custom', message: `is ${Math.ceil(bytes / 1024)} KiB of JSON; a run carries at most ${RUN_DATA_LIMIT_BYTES / 1024} KiB of data (it is stored in every run's input and history): pass an id and load the data in the action` });
  }
});
const duration = z.union([z.string().min(1), z.number().nonnegative()]);
/** A tenant: a string, a number, or a plain object (named by `tenantKey`); null for none. */
const tenant = z.union([z.string(), z.number(), z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'expected a tenant' })]).nullable();
const tags = z.array(z.string().min(1).max(100)).max(20);
/** Who a call acts for (the actor is persisted by the definition's actorPersister, never stored raw). */
const acting = {
  actor: z.unknown().optional(),
  scope: z.object({ actor: z.unknown().optional(), tenant: tenant.optional(), context: args.optional() }).strict().optional(),
  authorize: z.boolean().optional(),
  tags: tags.optional(),
};

export const runTriggerOptionsSchema = z
  .object({
    actionArguments: args.optional(),
    args: args.optional(),
    tenant: tenant.optional(),
    ...acting,
    startDelay: duration.optional(),
    startOptions: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const scheduleOptionsSchema = z
  .object({
    actionArguments: args.optional(),
    tenant: tenant.optional(),
    ...acting,
    childrenPerRun: z.number().int().positive().max(1500).optional(),
  })
  .strict();

export const scheduleAndRunOptionsSchema = z
  .object({
    drain: z.boolean().optional(),
    scheduledActions: z.boolean().optional(),
    triggers: z.boolean().optional(),
    queue: z.string().min(1).optional(),
    actionArguments: args.optional(),
    tenant: tenant.optional(),
    ...acting,
    drainTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();

export const workerOptionsSchema = z
  .object({
    connection: z.custom((v) => typeof v === 'object' && v !== null, { message: 'expected a NativeConnection' }),
    client: z.custom((v) => typeof v === 'object' && v !== null && 'workflow' in (v as object), { message: 'expected a @temporalio/client Client' }),
    app: z.custom((v) => typeof v === 'object' && v !== null && 'byWorkflowType' in (v as object), { message: 'expected the result of defineApp()' }),
    prisma: z.custom((v) => typeof v === 'object' && v !== null && typeof (v as { $transaction?: unknown }).$transaction === 'function', {
      message: 'expected a PrismaClient instance (with $transaction)',
    }),
    namespace: z.string().min(1).optional(),
    taskQueues: z.array(z.string().min(1)).optional(),
    require: z.boolean().optional(),
    registerSchedules: z.boolean().optional(),
    registerSearchAttributes: z.boolean().optional(),
    workerOptions: z.record(z.string(), z.unknown()).optional(),
    warn: z.custom<(m: string) => void>((v) => typeof v === 'function', { message: 'expected a function' }).optional(),
    tracing: z.object({ spanProcessor: z.custom<object>((v) => !!v && typeof v === 'object', { message: 'expected an OpenTelemetry SpanProcessor' }), resource: z.custom<object>((v) => !!v && typeof v === 'object', { message: 'expected an OpenTelemetry Resource' }) }).optional(),
    logger: z.custom<object>((v) => !!v && typeof v === 'object' && ['info', 'warn', 'error'].every((k) => typeof (v as Record<string, unknown>)[k] === 'function'), { message: "expected a Logger (an object with info, warn and error methods, e.g. the SDK's DefaultLogger)" }).optional(),
    workflowBundle: z.union([z.object({ code: z.string().min(1) }).strict(), z.object({ codePath: z.string().min(1) }).strict()], { error: 'expected { codePath: <file> } or { code: <bundle code> }' }).optional(),
    /**
     * Worker Versioning: this worker is build `buildId` of the Worker Deployment `name`. Every run
     * is pinned to the build that started it (it finishes there, whatever code later builds run).
     * Make a build current once its workers poll (`prisma-temporal-triggers deployment --set-current`,
     * or `setCurrentDeploymentVersion`). Default: off (runs move with the patched() rules).
     */
    deployment: z.object({ name: z.string().min(1).regex(/^[^.]+$/, 'a deployment name has no "."'), buildId: z.string().min(1) }).strict().optional(),
  })
  .strict();

/** Validates `value` against `schema`; throws a ConfigError naming `where` and the option. */
export function parseOptions<T extends z.ZodObject>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(schema.shape);
    const key = issue.keys[0]!;
    const hint = didYouMean(key, known);
    throw new ConfigError(`${where}: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}. Options: ${known.join(', ')}`);
  }
  throw new ConfigError(`${where}: option "${issue.path.join('.')}" ${issue.message}`);
}
