import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
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
  options: { kind: SpanKind; parent?: TraceCarrier; attributes?: Attributes },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = contextOf(options.parent);
  return tracer().startActiveSpan(name, { kind: options.kind, attributes: options.attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Sets attributes on the active span, if any. */
export function activeSpanAttributes(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

export { SpanKind };
