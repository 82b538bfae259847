/**
 * The dashboard as one request handler, `(req, res, next?)`, mountable in the user's own server:
 * plain `node:http`, Express (`app.use('/triggers', dashboard)`), Fastify and Hono (with the raw
 * Node request and response; see docs/dashboard.md). `prisma-temporal-triggers dashboard` serves
 * it alone. It reads Temporal (and the database for "matching now" and retries), acts only when
 * the user's `authorize` hook allows it, and logs every action asked for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { App } from '../definitions/define';
import { ConfigError, ForbiddenError, NotFoundError, TriggerError } from '../errors';
import { deploymentBuilds } from '../operations/deployments';
import { backfill, cancelRun, pause, retryRun, runNow } from '../operations/operations';
import type { AnyPrismaClient } from '../prisma/model-meta';
import { redactText } from '../redact';
import { ActionLog, allowed, permissions, readOnly, type ActionLogEntry, type Authorize, type DashboardAction } from './access';
import { chart, definitionOf, definitionRow, overview, runDetail, runs, type DefinitionRow } from './data';
import { dashboardPage } from './page';

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { message: `${what} must be a function` });

/** Options of createDashboard (checked at the call). */
export const DashboardOptionsSchema = z.object({
  /** The Temporal client (with your data converter: the dashboard decodes what it may show). */
  client: z.custom<Client>((v) => typeof v === 'object' && v !== null && 'workflow' in v && 'schedule' in v, { message: 'client must be a Temporal Client' }),
  /** The app from defineApp(). */
  app: z.custom<App>((v) => typeof v === 'object' && v !== null && 'byWorkflowType' in v, { message: 'app must be the result of defineApp()' }),
  /** Your PrismaClient: "matching now" and retries need it (without it they are not shown or refused). */
  prisma: z.custom<AnyPrismaClient>((v) => typeof v === 'object' && v !== null).optional(),
  /** Whether a request may do an action (`view`, `payloads`, `pause`, …). Default: read-only. */
  authorize: fn<Authorize>('authorize').optional(),
  /** Who made a request, for the action log. Default: its remote address. */
  identify: fn<(request: IncomingMessage) => string>('identify').optional(),
  /** Told of every action asked for (allowed or refused), after it ran: to keep your own audit log. */
  onAction: fn<(entry: ActionLogEntry) => void>('onAction').optional(),
  /** Where the handler is mounted when the server does not strip it (node:http, Fastify): `/triggers`. */
  basePath: z.string().regex(/^(\/[^/]+)*$/, 'basePath is a path like /triggers (no trailing slash)').default(''),
  /** The Temporal UI's address (e.g. http://localhost:8233), for links to each run. */
  temporalUiUrl: z.string().url().optional(),
  /** How often open pages are updated (ms). */
  refreshMs: z.number().int().min(500).default(5000),
  /** Actions kept in the in-memory action log. */
  actionLogSize: z.number().int().positive().default(500),
  /** The page title. */
  title: z.string().default('Triggers'),
  /** A Worker Deployment name (createTriggerWorker's `deployment.name`): the page lists its builds with their open runs. */
  deployment: z.string().min(1).optional(),
});
export type DashboardOptions = z.input<typeof DashboardOptionsSchema>;

export interface DashboardHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** The action log, newest first. */
  actions(): ActionLogEntry[];
  /** Ends the live-update streams (call before closing your server). */
  close(): void;
}

const ActionBody = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['pause', 'resume']), target: z.string(), note: z.string().max(500).optional() }),
  z.object({ action: z.literal('run-now'), target: z.string() }),
  z.object({ action: z.literal('backfill'), target: z.string(), from: z.string().datetime(), to: z.string().datetime() }),
  z.object({ action: z.enum(['cancel', 'retry']), target: z.string().optional(), workflowIds: z.array(z.string().min(1)).min(1).max(500) }),
]);
type ActionBody = z.infer<typeof ActionBody>;

const MAX_BODY = 64 * 1024;

class HttpError extends TriggerError {
  constructor(
    readonly status: number,
    code: ConstructorParameters<typeof TriggerError>[0],
    message: string,
  ) {
    super(code, message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new HttpError(413, 'CONFIG_INVALID', `the request body is over ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'CONFIG_INVALID', 'the request body is not JSON');
  }
}

export function createDashboard(options: DashboardOptions): DashboardHandler {
  const parsed = DashboardOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`createDashboard: ${issue.path.join('.') || 'options'}: ${issue.message}`);
  }
  const o = parsed.data;
  const { client, app, prisma } = o;
  const authorize = o.authorize ?? readOnly;
  const log = new ActionLog(o.actionLogSize, o.onAction);
  const namespace = client.options.namespace;
  // With a payload codec the client decodes (decrypts) results and errors: shown only to `payloads`.
  const decodes = client.options.loadedDataConverter.payloadCodecs.length > 0;
  const runLink = o.temporalUiUrl ? `${o.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/` : undefined;
  const streams = new Set<ServerResponse>();
  const identify = (req: IncomingMessage): string => {
    try {
      return o.identify ? String(o.identify(req)) : (req.socket.remoteAddress ?? 'unknown');
    } catch {
      return 'unknown';
    }
  };
  const mayPayloads = async (req: IncomingMessage): Promise<boolean> => !decodes || (await allowed(authorize, req, 'payloads'));

  // one overview shared by every open page, refreshed at most every refreshMs
  let cached: { at: number; payloads: boolean; rows: Promise<DefinitionRow[]> } | undefined;
  const overviewFor = (payloads: boolean): Promise<DefinitionRow[]> => {
    if (!cached || cached.payloads !== payloads || Date.now() - cached.at >= o.refreshMs) {
      const rows = overview(client, app, prisma, payloads);
      cached = { at: Date.now(), payloads, rows };
      rows.catch(() => (cached = undefined));
    }
    return cached.rows;
  };

  async function perform(body: ActionBody): Promise<string> {
    switch (body.action) {
      case 'pause':
      case 'resume': {
        const s = await pause(client, definitionOf(app, body.target), body.note ?? (body.action === 'pause' ? 'paused from the dashboard' : undefined), body.action === 'pause');
        return s.state;
      }
      case 'run-now': {
        const r = await runNow(client, app, definitionOf(app, body.target));
        return r.via === 'schedule' ? 'tick started through its Schedule' : `tick started: ${r.workflowId}`;
      }
      case 'backfill': {
        await backfill(client, definitionOf(app, body.target), new Date(body.from), new Date(body.to));
        return `ticks from ${body.from} to ${body.to} requested`;
      }
      case 'cancel':
      case 'retry': {
        const done: string[] = [];
        for (const id of body.workflowIds) {
          await ownRun(id);
          if (body.action === 'cancel') done.push(`${id}: ${await cancelRun(client, id)}`);
          else {
            if (!prisma) throw new HttpError(400, 'CONFIG_INVALID', 'retrying reads the record: give createDashboard your PrismaClient as `prisma`');
            done.push(`${id}: retried as ${(await retryRun(client, app, prisma, id)).workflowId}`);
          }
        }
        return `${body.workflowIds.length} run(s): ${done.join('; ')}`;
      }
    }
  }

  /** Only this app's runs are acted on. */
  async function ownRun(workflowId: string): Promise<void> {
    let owner: unknown;
    try {
      owner = (await client.workflow.getHandle(workflowId).describe()).searchAttributes?.TriggerOwner?.[0];
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError') throw new NotFoundError(`no workflow ${workflowId} in this namespace`);
      throw err;
    }
    if (owner !== app.name) throw new ForbiddenError(`${workflowId} is not a run of ${app.name}`);
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/') {
      if (!(await allowed(authorize, req, 'view'))) throw new ForbiddenError('not allowed to view the dashboard');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'; img-src 'self' data:" });
      res.end(dashboardPage(o.title));
      return true;
    }
    if (!path.startsWith('/api/')) return false;
    const parts = path.slice(5).split('/').map(decodeURIComponent);
    if (method === 'POST' && parts[0] === 'actions' && parts.length === 1) {
      const raw = await readJson(req);
      const body = ActionBody.safeParse(raw);
      if (!body.success) throw new HttpError(400, 'CONFIG_INVALID', `action: ${body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
      const action: DashboardAction = body.data.action;
      const target = body.data.target ?? ('workflowIds' in body.data ? body.data.workflowIds.join(',') : '');
      const entry = { at: new Date().toISOString(), action, target, by: identify(req) };
      if (!(await allowed(authorize, req, action))) {
        log.add({ ...entry, allowed: false });
        throw new ForbiddenError(`not allowed: ${action} (the dashboard's authorize hook refused it)`);
      }
      try {
        const result = await perform(body.data);
        log.add({ ...entry, allowed: true, result });
        send(res, 200, { result });
      } catch (err) {
        log.add({ ...entry, allowed: true, result: `failed: ${redactText(err instanceof Error ? err.message : String(err))}` });
        throw err;
      }
      return true;
    }
    if (method !== 'GET') return false;
    if (!(await allowed(authorize, req, 'view'))) throw new ForbiddenError('not allowed to view the dashboard');
    const [what, id, sub] = parts;
    if (what === 'me' && parts.length === 1) send(res, 200, { can: await permissions(authorize, req), decodes, ...(o.deployment ? { deployment: o.deployment } : {}) });
    else if (what === 'builds' && parts.length === 1) send(res, 200, { deployment: o.deployment ?? null, builds: o.deployment ? await deploymentBuilds(client, app, o.deployment) : [] });
    else if (what === 'definitions' && parts.length === 1) send(res, 200, { definitions: await overviewFor(await mayPayloads(req)) });
    else if (what === 'definitions' && id && parts.length === 2) send(res, 200, await definitionRow(client, app, definitionOf(app, id), prisma, await mayPayloads(req)));
    else if (what === 'definitions' && id && sub === 'chart') send(res, 200, await chart(client, app, definitionOf(app, id)));
    else if (what === 'definitions' && id && sub === 'runs') {
      const q = (k: string): string | undefined => url.searchParams.get(k) || undefined;
      const limit = Number(q('limit') ?? 50);
      const found = await runs(client, app, definitionOf(app, id), { ...(q('outcome') ? { outcome: q('outcome') } : {}), ...(q('record') ? { record: q('record') } : {}), ...(q('tenant') ? { tenant: q('tenant') } : {}), ...(q('tag') ? { tag: q('tag') } : {}), ...(q('since') && !Number.isNaN(Date.parse(q('since')!)) ? { since: q('since') } : {}), limit: Number.isFinite(limit) ? Math.min(Math.max(1, limit), 500) : 50 });
      send(res, 200, { runs: found, ...(runLink ? { temporalUi: runLink } : {}) });
    } else if (what === 'runs' && id && parts.length === 2) {
      const detail = await runDetail(client, id, await mayPayloads(req));
      if (detail.trigger === undefined || !('kind' in detail)) throw new NotFoundError(`${id} is not a run of this library`);
      send(res, 200, { ...detail, ...(runLink ? { temporalUi: `${runLink}${encodeURIComponent(detail.workflowId)}/${detail.runId}/history` } : {}) });
    } else if (what === 'actions' && parts.length === 1) send(res, 200, { entries: log.list() });
    else if (what === 'events' && parts.length === 1) stream(req, res, await mayPayloads(req));
    else return false;
    return true;
  }

  /** Server-sent events: the overview now and every refreshMs, until the page closes. */
  function stream(req: IncomingMessage, res: ServerResponse, payloads: boolean): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    streams.add(res);
    let busy = false;
    const push = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        res.write(`event: overview\ndata: ${JSON.stringify({ definitions: await overviewFor(payloads) })}\n\n`);
      } catch (err) {
        res.write(`event: failed\ndata: ${JSON.stringify({ message: redactText(err instanceof Error ? err.message : String(err)) })}\n\n`);
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void push(), o.refreshMs);
    const end = (): void => {
      clearInterval(timer);
      streams.delete(res);
    };
    req.on('close', end);
    res.on('close', end);
    void push();
  }

  const handler = ((req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    let path = url.pathname;
    if (o.basePath) {
      if (path !== o.basePath && !path.startsWith(`${o.basePath}/`)) {
        if (next) next();
        else send(res, 404, { error: { code: 'NOT_FOUND', message: `not under ${o.basePath}` } });
        return;
      }
      path = path.slice(o.basePath.length) || '';
    }
    // the page reads api/... relative to itself: its address must end with a slash
    const shown = new URL((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/', 'http://dashboard').pathname;
    if ((path === '' || path === '/') && !shown.endsWith('/')) {
      res.writeHead(308, { location: `${shown}/${url.search}` });
      res.end();
      return;
    }
    route(req, res, path || '/', url).then(
      (handled) => {
        if (handled) return;
        if (next) next();
        else send(res, 404, { error: { code: 'NOT_FOUND', message: `no dashboard route ${req.method} ${path}` } });
      },
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : err instanceof NotFoundError ? 404 : err instanceof ForbiddenError ? 403 : err instanceof TriggerError ? 400 : 500;
        const code = err instanceof TriggerError ? err.code : 'INTERNAL';
        if (!res.headersSent) send(res, status, { error: { code, message: redactText(err instanceof Error ? err.message : String(err)) } });
        else res.end();
      },
    );
  }) as DashboardHandler;
  handler.actions = () => log.list();
  handler.close = () => {
    for (const s of streams) s.end();
    streams.clear();
  };
  return handler;
}
