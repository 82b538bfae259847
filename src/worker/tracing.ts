/**
 * OpenTelemetry tracing through the SDK's `@temporalio/interceptors-opentelemetry` (an optional
 * peer, loaded only when `tracing` is given): workflow spans (the tick, each record's run) are
 * exported from the workflow sandbox through a sink, activity spans (each attempt of the action)
 * carry `trigger`, `record` and `outcome` attributes. Give clients the SDK's
 * `OpenTelemetryWorkflowClientInterceptor` so a trace starts where the tick is requested.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { ConfigError } from '../errors';

export interface TracingOptions {
  /** An OpenTelemetry `SpanProcessor` (e.g. `new BatchSpanProcessor(new OTLPTraceExporter())`). */
  spanProcessor: object;
  /** An OpenTelemetry `Resource` (service name and other resource attributes). */
  resource: object;
}

interface OtelModule {
  OpenTelemetryActivityInboundInterceptor: new (ctx: unknown) => unknown;
  OpenTelemetryActivityOutboundInterceptor: new (ctx: unknown) => unknown;
  makeWorkflowExporter: (processor: object, resource: object) => unknown;
}

function loadOtel(): { mod: OtelModule; workflowModule: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peer dependency, loaded on use
    const mod = require('@temporalio/interceptors-opentelemetry') as OtelModule;
    return { mod, workflowModule: require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors') };
  } catch {
    throw new ConfigError('createTriggerWorker: tracing needs the `@temporalio/interceptors-opentelemetry` package: npm install @temporalio/interceptors-opentelemetry');
  }
}

/** The SDK's OpenTelemetry workflow interceptor module (for bundles built with tracing). */
export function otelWorkflowModule(): string {
  return loadOtel().workflowModule;
}

/** The workflow interceptor modules to bundle, and the worker options that export spans. */
export function tracingSetup(tracing: TracingOptions): { workflowModules: string[]; workerOptions: Pick<WorkerOptions, 'interceptors' | 'sinks'> } {
  const { mod, workflowModule } = loadOtel();
  return {
    workflowModules: [workflowModule],
    workerOptions: {
      interceptors: {
        activity: [(ctx) => ({ inbound: new mod.OpenTelemetryActivityInboundInterceptor(ctx) as never, outbound: new mod.OpenTelemetryActivityOutboundInterceptor(ctx) as never })],
      },
      sinks: { exporter: mod.makeWorkflowExporter(tracing.spanProcessor, tracing.resource) as never },
    },
  };
}
