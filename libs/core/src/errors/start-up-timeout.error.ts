import { DependencyUnavailableError } from './dependency-unavailable.error';

/**
 * A dependency (a broker, a database) did not answer within the start-up
 * budget: the service cannot start. It is a DependencyUnavailableError, so
 * "a dependency did not answer" is recognised the same way wherever it is
 * met; the message says what was being done, for how long, and the last
 * error (also the `cause`).
 */
export class StartUpTimeoutError extends DependencyUnavailableError {
  constructor(
    dependency: string,
    /** What was being done when the budget ran out, e.g. "creating topics". */
    readonly doing: string,
    /** The start-up budget that ran out. */
    readonly timeoutMs: number,
    /** `described`: how the cause reads in the message. @default its name and message */
    options?: { cause?: unknown; described?: string },
  ) {
    super(dependency, timeoutMs, { cause: options?.cause });
    const cause = options?.cause;
    const last =
      cause === undefined ? 'no answer at all' : (options?.described ?? (cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)));
    this.message = `${dependency} did not answer within ${inSeconds(timeoutMs)} (${doing}); last error: ${last}`;
    this.name = 'StartUpTimeoutError';
  }
}

/** 60000 → "60 s", 1500 → "1.5 s". */
export function inSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
