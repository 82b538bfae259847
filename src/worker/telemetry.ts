/**
 * The SDK's metrics (and this library's own: `ptt_record_runs`, `ptt_scheduler_ticks`,
 * `ptt_runs_started`, `ptt_runs_skipped`, see `workflows/metrics.ts`) exported to Prometheus or an
 * OpenTelemetry collector. Installs the process's Temporal Runtime, so it must be called once,
 * before any connection is opened.
 */
import type { Logger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { ConfigError } from '../errors';

export interface TelemetryOptions {
  /** Serve metrics for Prometheus to scrape at this `host:port` (`0.0.0.0:9464`). */
  prometheus?: string;
  /** Or push them to an OpenTelemetry collector (`http://collector:4317`, gRPC). */
  otlpUrl?: string;
  /** Tags added to every metric (`{ service: 'billing-worker' }`). */
  globalTags?: Record<string, string>;
  /** The Runtime's logger (the SDK's lines and each run's outcome line). */
  logger?: Logger;
}

/** Installs the Temporal Runtime with metrics exported as asked; returns it. */
export function installTelemetry(options: TelemetryOptions): Runtime {
  if (options.prometheus && options.otlpUrl) throw new ConfigError('installTelemetry: give prometheus or otlpUrl, not both');
  if (options.prometheus !== undefined && !/^[^:\s]+:\d{1,5}$/.test(options.prometheus)) {
    throw new ConfigError(`installTelemetry: prometheus must be host:port (e.g. 0.0.0.0:9464), got "${options.prometheus}"`);
  }
  const metrics = options.prometheus
    ? { prometheus: { bindAddress: options.prometheus }, ...(options.globalTags ? { globalTags: options.globalTags } : {}) }
    : options.otlpUrl
      ? { otel: { url: options.otlpUrl }, ...(options.globalTags ? { globalTags: options.globalTags } : {}) }
      : undefined;
  try {
    return Runtime.install({ ...(options.logger ? { logger: options.logger } : {}), ...(metrics ? { telemetryOptions: { metrics } } : {}) });
  } catch (err) {
    throw new ConfigError(`installTelemetry: ${(err as Error).message} (call it once, before any connection or worker is created)`, { cause: err });
  }
}
