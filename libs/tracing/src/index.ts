// The public API of @baton/tracing: the spans and message trace context that
// Baton's store, relay and participant SDK share.

// --- Message trace context --------------------------------------------------
export { currentTraceCarrier, currentTraceCarrierOr } from './saga-tracing';
export type { TraceCarrier } from './saga-tracing';

// --- Spans ------------------------------------------------------------------
export { SpanKind, activeSpanAttributes, endSpan, inBatchSpan, inSpan, startSpan, withSpan } from './saga-tracing';
