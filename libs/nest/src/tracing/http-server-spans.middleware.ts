import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';

/**
 * Opens a server span per request, continuing an incoming `traceparent`,
 * when nothing else did (no HTTP auto-instrumentation): the start request is
 * the root of its saga's trace either way. A no-op without a tracing SDK.
 */
export function httpServerSpans(request: Request, response: Response, next: NextFunction): void {
  if (trace.getActiveSpan()) return next();
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = trace.getTracer('baton').startSpan(
    `${request.method} ${request.path}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path } },
    parent,
  );
  response.on('finish', () => {
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}
