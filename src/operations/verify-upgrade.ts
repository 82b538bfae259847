/**
 * Before rolling out new workflow code: download the history of every open run of the app (record,
 * chunk and scheduler runs, scheduled actions) and replay it against the new workflow bundle. A run
 * whose history the new code would not reproduce (a command added, removed or changed without
 * `patched()` or a new RUN_COMMANDS) is named with the first divergence, before any worker
 * running the new code picks it up. `prisma-temporal-triggers verify-upgrade` runs it.
 */
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import type { App } from '../definitions/define';
import { and, quote } from '../client/visibility';
import { ConfigError } from '../errors';
import { bundleMarker, loadPrebuiltBundle, TRACED_SUFFIX, workflowBundleFor, type PrebuiltWorkflowBundle } from '../worker/bundle';

export interface VerifyUpgradeOptions {
  /**
   * The new workflow code: the bundle you will deploy (`prisma-temporal-triggers bundle`), checked
   * to be built for this app. Default: the app's code as this process has it, bundled now.
   */
  workflowBundle?: PrebuiltWorkflowBundle;
  /** At most this many open runs are replayed (the newest first when there are more). Default 10,000. */
  limit?: number;
}

export interface UpgradeDivergence {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The replay's error: the first command that differs, as the SDK reports it. */
  error: string;
}

export interface VerifyUpgradeResult {
  /** Open runs replayed, by workflow type. */
  replayed: Record<string, number>;
  total: number;
  /** More runs were open than `limit`. */
  truncated: boolean;
  divergences: UpgradeDivergence[];
}

/** The bundle to replay with: the one given (checked against the app, traced or not), else the app's. */
async function bundleOf(app: App, given: PrebuiltWorkflowBundle | undefined): Promise<{ code: string }> {
  if (!given) return workflowBundleFor(app);
  let code: string;
  try {
    code = 'code' in given ? given.code : fs.readFileSync(given.codePath, 'utf8');
  } catch (err) {
    throw new ConfigError(`verifyUpgrade: workflowBundle.codePath cannot be read (${(err as Error).message}): write it with \`npx prisma-temporal-triggers bundle <app-module> --out <file>\``, { cause: err });
  }
  return loadPrebuiltBundle(app, { code }, code.includes(bundleMarker(app) + TRACED_SUFFIX));
}

export async function verifyUpgrade(client: Client, app: App, options: VerifyUpgradeOptions = {}): Promise<VerifyUpgradeResult> {
  const limit = options.limit ?? 10_000;
  const workflowBundle = await bundleOf(app, options.workflowBundle);
  const open: { workflowId: string; runId: string; workflowType: string }[] = [];
  let truncated = false;
  for await (const wf of client.workflow.list({ query: and(`TriggerOwner = ${quote(app.name)}`, `ExecutionStatus = 'Running'`) })) {
    if (open.length >= limit) {
      truncated = true;
      break;
    }
    open.push({ workflowId: wf.workflowId, runId: wf.runId, workflowType: wf.type });
  }
  const byId = new Map(open.map((r) => [r.workflowId, r]));
  // histories are fetched as the replay asks for them: one in memory at a time
  async function* histories() {
    for (const r of open) {
      try {
        yield { workflowId: r.workflowId, history: await client.workflow.getHandle(r.workflowId, r.runId).fetchHistory() };
      } catch (err) {
        // closed (and deleted) since it was listed: nothing to replay
        if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
      }
    }
  }
  const replayed: Record<string, number> = {};
  const divergences: UpgradeDivergence[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: `verify-upgrade-${app.name}` }, histories())) {
    const run = byId.get(result.workflowId);
    const workflowType = run?.workflowType ?? 'unknown';
    replayed[workflowType] = (replayed[workflowType] ?? 0) + 1;
    if (result.error) divergences.push({ workflowId: result.workflowId, runId: run?.runId ?? '', workflowType, error: `${result.error.name}: ${result.error.message.split('\n')[0]}` });
  }
  return { replayed, total: Object.values(replayed).reduce((a, b) => a + b, 0), truncated, divergences };
}
