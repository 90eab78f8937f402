import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

/**
 * Baton's spans. Through the OpenTelemetry API only: without an SDK
 * registered (tracing off, the default) every call here is a no-op.
 *
 * One trace per saga: the start request is its root; each step, each
 * command or reply published and each command handled is a span in it. The
 * context crosses time and processes in the message itself: an outbox row
 * stores the `traceparent` of the step that wrote it, so the relay continues
 * the right trace whenever it publishes, and the receiver continues it from
 * the message's headers.
 */
const tracer = () => trace.getTracer('baton');

/** The W3C trace context fields a message carries. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active context as message fields (empty when tracing is off or no span is active). */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return { traceparent: carrier.traceparent, tracestate: carrier.tracestate };
}

/**
 * The active context as message fields when a span is active (tracing on);
 * otherwise the context `stored` carries (the message being answered or
 * relayed), so the trace goes on even where this process records no spans.
 */
export function currentTraceCarrierOr(stored: TraceCarrier): TraceCarrier {
  const current = currentTraceCarrier();
  return current.traceparent ? current : { traceparent: stored.traceparent, tracestate: stored.tracestate };
}

function contextOf(carrier: TraceCarrier | undefined): Context {
  if (!carrier?.traceparent) return context.active();
  return propagation.extract(ROOT_CONTEXT, { traceparent: carrier.traceparent, tracestate: carrier.tracestate ?? '' });
}

/**
 * Runs `work` in a span. The parent is the context in `parent` (a message's
 * trace fields) or, without one, the active context. The span records an
 * error thrown by `work` and ends when it settles.
 */
export async function inSpan<T>(
  name: string,
  options: { kind: SpanKind; parent?: TraceCarrier; attributes?: Attributes; links?: Link[] },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = contextOf(options.parent);
  return tracer().startActiveSpan(name, { kind: options.kind, attributes: options.attributes, links: options.links }, parent, async (span) => {
    let failure: unknown;
    try {
      return await work(span);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      endSpan(span, failure);
    }
  });
}

/**
 * Starts a span without making it active, for an input that waits in a
 * batch: the batch runs its work under it (`withSpan`) and ends it
 * (`endSpan`) once the batch's transaction settled.
 */
export function startSpan(name: string, options: { kind: SpanKind; parent?: TraceCarrier; attributes?: Attributes }): Span {
  return tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, contextOf(options.parent));
}

/** Ends a span from `startSpan`, recording `error` if the work failed. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
  }
  span.end();
}

/** Sets attributes on the active span, if any. */
export function activeSpanAttributes(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Runs `fn` with `span` active, so what it does and sends continues that span's trace. */
export function withSpan<T>(span: Span | undefined, fn: () => T): T {
  return span ? context.with(trace.setSpan(context.active(), span), fn) : fn();
}

/**
 * Runs a batch of inputs (each with its own span, in its own trace) in a
 * span of its own, a root linked to each input's span: OpenTelemetry's way
 * of showing batch processing. The database calls of the batch hang below
 * it; each input's own work runs under its span (`withSpan`).
 */
export function inBatchSpan<T>(name: string, inputs: ReadonlyArray<Span | undefined>, work: () => Promise<T>): Promise<T> {
  const links = inputs.flatMap((span) => (span ? [{ context: span.spanContext() }] : []));
  return context.with(ROOT_CONTEXT, () =>
    inSpan(name, { kind: SpanKind.INTERNAL, attributes: { 'baton.batch.size': inputs.length }, links }, work),
  );
}

/** OpenTelemetry's span kinds, re-exported so a caller of `inSpan` and `startSpan` needs no import of its own. */
export { SpanKind };
