/**
 * Worker Versioning for a rainbow deploy (createTriggerWorker's `deployment`): make a build
 * current once its workers poll, and see which builds still have open runs of the app and whether
 * an old build is drained (no pinned run left on it), so its workers can be stopped.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { App } from '../definitions/define';
import { and, quote } from '../client/visibility';
import { NotFoundError } from '../errors';

export interface DeploymentBuild {
  buildId: string;
  /** This build gets new runs. */
  current: boolean;
  /** Open runs of the app on this build (pinned ones stay on it until they close). */
  openRuns: number;
  /** The server's view: `draining` (pinned runs may still resume on it), `drained`, or `-` (current, or not known yet). */
  drainage: 'draining' | 'drained' | '-';
}

const DRAINAGE: Record<number, DeploymentBuild['drainage']> = {
  [temporal.api.enums.v1.VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING]: 'draining',
  [temporal.api.enums.v1.VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED]: 'drained',
};

/** Makes `buildId` the current build of deployment `name`: new runs start on it (its workers must poll already). */
export async function setCurrentDeploymentVersion(client: Client, name: string, buildId: string): Promise<void> {
  await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace: client.options.namespace, deploymentName: name, buildId, identity: 'prisma-temporal-triggers' });
}

/** Every build of deployment `name` the server knows, with the app's open runs on each. */
export async function deploymentBuilds(client: Client, app: App, name: string): Promise<DeploymentBuild[]> {
  let info: temporal.api.deployment.v1.IWorkerDeploymentInfo | null | undefined;
  try {
    info = (await client.workflowService.describeWorkerDeployment({ namespace: client.options.namespace, deploymentName: name })).workerDeploymentInfo;
  } catch (err) {
    if ((err as { code?: number }).code === 5) throw new NotFoundError(`no Worker Deployment "${name}" in namespace ${client.options.namespace}: start a worker with deployment: { name: "${name}", buildId }`);
    throw err;
  }
  const current = info?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined;
  const out: DeploymentBuild[] = [];
  for (const v of info?.versionSummaries ?? []) {
    const buildId = v.deploymentVersion?.buildId ?? '';
    const query = and(`TriggerOwner = ${quote(app.name)}`, `ExecutionStatus = 'Running'`, `TemporalWorkerDeploymentVersion = ${quote(`${name}:${buildId}`)}`);
    const openRuns = (await client.workflow.count(query)).count;
    out.push({ buildId, current: buildId === current, openRuns, drainage: DRAINAGE[v.drainageStatus ?? 0] ?? '-' });
  }
  return out;
}
