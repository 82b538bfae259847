/**
 * prisma-temporal-triggers: AshOban-style triggers and scheduled actions on Temporal and Prisma.
 *
 * @example
 * import { defineApp, defineResource, createTriggerWorker, createTriggerClient } from 'prisma-temporal-triggers';
 * const Ticket = defineResource({ model: 'Ticket', triggers: { process: { where: { status: 'open' }, action: { update: { status: 'processed' } },
 *   workflowType: 'Ticket.process', schedulerWorkflowType: 'Ticket.process.scheduler' } } });
 * const app = defineApp({ name: 'helpdesk', resources: [Ticket] });
 * const worker = await createTriggerWorker({ connection, client, app, prisma });
 * await worker.run();
 * @module
 */
// Definitions
export { defineApp, defineResource } from './definitions/define';
export type { App, AppDefinition, Resource, Trigger, ScheduledAction, TriggerDefinition, ScheduledActionDefinition, ResourceDefinition, DeclarativeAction } from './definitions/define';
export type {
  ActionContext,
  OnErrorContext,
  RunContext,
  ScheduledActionContext,
  SerializedError,
  WhereInput,
  BackoffFn,
  RecordDataInput,
  ListTenantsFn,
  PrepareTransactionFn,
  TransactionScope,
  TimeoutFn,
  ChunkActionResult,
} from './definitions/types';
// Run after write (a Prisma client extension)
export { runAfterWrite, type RunAfterWriteOptions, type WriteOperation } from './client/run-after-write';
// Actors, tenants and the run's context
export { storeActor, lookupActor, type ActorPersister } from './runtime/actors';
export { currentRun, isTriggerRun, buildContext, type CurrentRun, type SharedContext, type SharedContextKey } from './runtime/run-scope';
export type { Tenant, TenantKeyFn } from './runtime/tenants';
export type { DefinitionState, OverlapPolicy } from './definitions/options';
// Control flow
export { snooze, cancel, checkForControlFlow, SnoozeJob, CancelJob, TriggerNoLongerApplies, type ControlFlow } from './control-flow';
// Worker and schedules
export { createTriggerWorkerFromEnv, type TriggerWorkerFromEnv, type TriggerWorkerFromEnvOptions } from './worker/from-env';
export { createTriggerWorker, bootTriggers, appTaskQueues, type TriggerWorker, type TriggerWorkerOptions, type BootOptions, type BootReport } from './worker/create-worker';
export type { OperatorOverride, SyncReport } from './worker/sync-schedules';
export { writeWorkflowBundle, type PrebuiltWorkflowBundle } from './worker/bundle';
export { deploymentBuilds, setCurrentDeploymentVersion, type DeploymentBuild } from './operations/deployments';
export { verifyUpgrade, type UpgradeDivergence, type VerifyUpgradeOptions, type VerifyUpgradeResult } from './operations/verify-upgrade';
export type { TracingOptions } from './worker/tracing';
export { installTelemetry, type TelemetryOptions } from './worker/telemetry';
// Runtime
export {
  type TriggerClient,
  createTriggerClient,
  type RunTriggerOptions,
  type ActingOptions,
  type CallScope,
  type BuiltTrigger,
  type DrainCounts,
  type DrainResult,
  type StartedRun,
  type ScheduleAndRunOptions,
  type ScheduleOptions,
  type Triggerable,
} from './client/trigger-client';
export type { RecordRunResult, SchedulerResult, ScheduledActionResult, RunOutcome } from '../workflows/types';
// Connecting from the environment (address, namespace, API key, mTLS, encryption keys)
export { connectFromEnv, type ConnectionSettings, type TemporalConnections } from './connection';
// Encrypted histories
export { EncryptionCodec, encryptionCodecFromEnv, type EncryptionKeys } from './codec/encryption-codec';
// Errors
export * from './errors';
// The development stack (Temporal built from Go modules, embedded Postgres, migrations) is not part
// of the runtime API: import it from 'prisma-temporal-triggers/devstack'.
