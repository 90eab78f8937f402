/**
 * Reading kafkajs's errors: its retrier wraps what it gave up on in
 * KafkaJSNumberOfRetriesExceeded or KafkaJSNonRetriableError (the original
 * is their `cause`, or `originalError`), so what happened is the innermost
 * error. Read by shape: a socket error may come from another realm.
 */

/** The fields of a kafkajs (or socket) error this package reads. */
export interface KafkaErrorFields {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  retriable?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
  message?: unknown;
}

/**
 * How deep errors are read through the errors they wrap: kafkajs nests a
 * few levels (a retrier wrapper around an aggregate around the broker's
 * answers), so five is ample, and errors that wrap each other cannot loop.
 */
export const MAX_ERROR_NESTING = 5;

/** kafkajs's retrier wraps what it gave up on in these; the wrapped error decides. */
export const RETRIER_WRAPPERS = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);

/** The error a retrier wrapper wraps, if any. */
export function wrappedBy(error: object): unknown {
  const { cause, originalError } = error as KafkaErrorFields;
  const inner = cause ?? originalError;
  return inner !== error ? inner : undefined;
}

/** The innermost error that says what happened: through kafkajs's retrier wrappers. */
export function innermost(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < MAX_ERROR_NESTING && current && typeof current === 'object'; depth++) {
    const { name } = current as KafkaErrorFields;
    const inner = typeof name === 'string' && RETRIER_WRAPPERS.has(name) ? wrappedBy(current) : undefined;
    if (!inner) break;
    current = inner;
  }
  return current;
}

/**
 * Whether the broker refused a produce for the message itself (too large,
 * an invalid record): a protocol error kafkajs does not retry, unlike a
 * broker that is away.
 */
export function refusedByBroker(error: unknown): boolean {
  const { name, retriable } = (innermost(error) ?? {}) as KafkaErrorFields;
  return name === 'KafkaJSProtocolError' && retriable === false;
}
