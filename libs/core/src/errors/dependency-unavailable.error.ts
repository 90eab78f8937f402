/**
 * Something Baton needs to do its work (the database, the broker) does not
 * answer right now. Nothing was changed; the same input succeeds once it is
 * back. HTTP answers it with 503 and Retry-After; a consumer waits and tries
 * the message again, without counting it against the message (it is not the
 * message's fault) and without dead-lettering it.
 */
export class DependencyUnavailableError extends Error {
  constructor(
    /** What is unavailable, e.g. "the database". */
    readonly dependency: string,
    /** How long a caller should wait before trying again. */
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`${dependency} is unavailable${cause}`, options);
    this.name = 'DependencyUnavailableError';
  }
}
