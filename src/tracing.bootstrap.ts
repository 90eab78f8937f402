import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { Span } from '@opentelemetry/api';

/**
 * Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then spans go over OTLP/HTTP,
 * with HTTP and pg auto-instrumented. Imported first by each entry point, so
 * the instrumentations patch modules before anything loads them. Without it
 * Baton's spans go through the OpenTelemetry API's no-op tracer, at no cost.
 */
export function startTracing(defaultServiceName: string): NodeSDK | undefined {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  process.env.OTEL_SERVICE_NAME ??= defaultServiceName;
  const sdk = new NodeSDK({
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [new HttpInstrumentation(), new PgInstrumentation({ requestHook: withoutFoldedValues })],
  });
  sdk.start();
  const shutdown = () => void sdk.shutdown().catch(() => undefined);
  process.once('beforeExit', shutdown);
  return sdk;
}

/**
 * A step's first and last statements carry their values as literals
 * (docs/architecture.md, "Round trips of a step"): saga inputs, snapshots,
 * payloads. Their span shows the statement with each string constant as
 * `?`, as a statement with bound parameters shows `$1`.
 */
function withoutFoldedValues(span: Span, { query }: { query: { text: string } }): void {
  if (isFolded(query.text)) span.setAttribute('db.query.text', withoutStringConstants(query.text));
}

export function isFolded(text: string): boolean {
  return text.startsWith('START TRANSACTION;\n') || text.endsWith(';\nCOMMIT');
}

/** `text` with each string constant ('...' or E'...', quotes inside doubled) replaced by `?`. */
export function withoutStringConstants(text: string): string {
  return text.replace(/(?:\bE)?'(?:[^']|'')*'/g, '?');
}
