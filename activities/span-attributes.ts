/**
 * Attributes on the active OpenTelemetry span (the attempt's activity span when tracing is on).
 * `@opentelemetry/api` is optional: without it, or without an active span, this does nothing.
 */
interface OtelApi {
  trace: { getActiveSpan(): { setAttributes(attrs: Record<string, string | number | boolean>): unknown } | undefined };
}
let api: OtelApi | null | undefined;

export function setSpanAttributes(attrs: Record<string, string | number | boolean | undefined | null>): void {
  if (api === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional, present when tracing is
      api = require('@opentelemetry/api') as OtelApi;
    } catch {
      api = null;
    }
  }
  const span = api?.trace.getActiveSpan();
  if (!span) return;
  span.setAttributes(Object.fromEntries(Object.entries(attrs).filter((e): e is [string, string | number | boolean] => e[1] !== undefined && e[1] !== null)));
}
