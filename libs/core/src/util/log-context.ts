import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageEnvelope } from '../transport/message-envelope';

/**
 * What a log line says about the saga it concerns. A logger that reads
 * `currentLogContext()` (the host's pino logger does) adds these fields to
 * every line written inside `withLogContext`, whoever writes it.
 */
export interface LogContext {
  sagaId?: string;
  sagaName?: string;
  correlationId?: string;
  messageId?: string;
  /** The W3C trace id (32 hex digits) of the trace the work belongs to. */
  traceId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `fields` added to the log context, over what is already
 * there (a command handled in process, inside the relay's publish, gets the
 * command's fields over the relay's). Undefined fields keep the outer value.
 */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  const merged: LogContext = { ...storage.getStore() };
  for (const [key, value] of Object.entries(fields) as Array<[keyof LogContext, string | undefined]>) {
    if (value !== undefined && value !== null && value !== '') merged[key] = value;
  }
  return storage.run(merged, fn);
}

/** The fields of the innermost `withLogContext` around the caller; empty outside any. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}

/** The log context of a message: its saga, correlation and message ids, and the trace id of its `traceparent`. */
export function logContextOf(envelope: Partial<MessageEnvelope>): LogContext {
  return {
    sagaId: envelope.sagaId,
    sagaName: envelope.sagaName,
    correlationId: envelope.correlationId,
    messageId: envelope.messageId,
    traceId: traceIdOf(envelope.traceparent),
  };
}

// version-traceid-parentid-flags (W3C Trace Context, section 3.2).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/;

/** The trace id of a W3C `traceparent` header, or undefined for a missing or invalid one (all-zero ids, version ff). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]) || /^0+$/.test(match[3])) return undefined;
  return match[2];
}
