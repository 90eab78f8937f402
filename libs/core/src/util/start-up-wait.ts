import { StartUpTimeoutError, inSeconds } from '../errors/start-up-timeout.error';
import { consoleLogger, type BatonLogger } from './baton-logger';

export interface StartUpWaitOptions {
  /** The dependency as messages name it, e.g. "Kafka (127.0.0.1:9092)"; never with a password. */
  dependency: string;
  /** The budget: how long, from the first attempt, a dependency that is still starting is waited for. */
  timeoutMs: number;
  /** Whether waiting may fix `error` (the dependency is not there yet, or still starting); any other error fails at once. */
  isTransient: (error: unknown) => boolean;
  /** What kind of wait `error` means, e.g. its code: each kind is logged once, not each attempt. @default its name */
  kindOf?: (error: unknown) => string;
  /** How `error` reads in the log line of a wait. @default its name and message */
  describe?: (error: unknown) => string;
  /** Backoff between attempts: first delay, doubled up to the max. @default 250 / 2000 */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  logger?: BatonLogger;
}

const PAST_DEADLINE = Symbol('past the deadline');

/**
 * Waits out a dependency that is still starting, as when a whole deployment
 * starts at once. Each step of a start (`run`) is tried again, with capped
 * backoff, while its errors are ones that waiting fixes; any other error
 * fails at once. All steps share one budget, counted from the first attempt,
 * and an attempt still running when it is spent is given up (the caller
 * closes what it opened). Then StartUpTimeoutError says what was being done,
 * for how long, and the last error. One line is logged per kind of wait, not
 * per attempt.
 */
export class StartUpWait {
  private began?: number;
  private readonly logged = new Set<string>();
  private readonly logger: BatonLogger;

  constructor(private readonly options: StartUpWaitOptions) {
    this.logger = options.logger ?? consoleLogger;
  }

  /** Whether any step had to wait. */
  get waited(): boolean {
    return this.logged.size > 0;
  }

  /** Milliseconds since the first attempt. */
  get elapsedMs(): number {
    return this.began === undefined ? 0 : Date.now() - this.began;
  }

  /** Runs `attempt` until it succeeds, fails in a way waiting does not fix, or the budget is spent. `doing` names the step. */
  async run<T>(doing: string, attempt: () => Promise<T>): Promise<T> {
    this.began ??= Date.now();
    const deadline = this.began + this.options.timeoutMs;
    let lastError: unknown;
    for (let tries = 1; ; tries++) {
      try {
        return await beforeDeadline(attempt, deadline);
      } catch (error) {
        if (error === PAST_DEADLINE) throw this.timedOut(doing, lastError);
        if (!this.options.isTransient(error)) {
          const described = (this.options.describe ?? describeError)(error);
          throw new Error(`${this.options.dependency}: ${doing} failed, and waiting would not help: ${described}`, { cause: error });
        }
        lastError = error;
        this.logWait(doing, error);
        const delay = Math.min(this.backoff(tries), deadline - Date.now());
        if (delay <= 0) throw this.timedOut(doing, error);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** After the last step: one line saying how long the start waited, if it did. */
  done(): void {
    if (this.waited) this.logger.log(`${this.options.dependency} answered after ${inSeconds(this.elapsedMs)} of waiting.`);
  }

  private timedOut(doing: string, lastError: unknown): StartUpTimeoutError {
    const described = lastError === undefined ? undefined : (this.options.describe ?? describeError)(lastError);
    return new StartUpTimeoutError(this.options.dependency, doing, this.options.timeoutMs, { cause: lastError, described });
  }

  private logWait(doing: string, error: unknown): void {
    const kind = `${doing}\n${(this.options.kindOf ?? defaultKind)(error)}`;
    if (this.logged.has(kind)) return;
    this.logged.add(kind);
    const left = Math.max(0, this.options.timeoutMs - this.elapsedMs);
    this.logger.warn(
      `Waiting for ${this.options.dependency} (${doing}): ${(this.options.describe ?? describeError)(error)}. ` +
        `Trying again for up to ${inSeconds(left)} more (start-up budget ${inSeconds(this.options.timeoutMs)}).`,
    );
  }

  private backoff(tries: number): number {
    const first = this.options.retryDelayMs ?? 250;
    return Math.min(this.options.maxRetryDelayMs ?? 2_000, first * 2 ** (tries - 1));
  }
}

/** `attempt`'s outcome, or PAST_DEADLINE once `deadline` passes first (its later outcome is ignored). */
function beforeDeadline<T>(attempt: () => Promise<T>, deadline: number): Promise<T> {
  const work = (async () => attempt())();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(PAST_DEADLINE), Math.max(0, deadline - Date.now()));
  });
  // Given up on: an error it ends with later has nobody to go to.
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

// By shape rather than instanceof Error: a socket error may come from another realm (a VM context).
function defaultKind(error: unknown): string {
  const { name } = (error ?? {}) as { name?: unknown };
  return typeof name === 'string' ? name : typeof error;
}

function describeError(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return typeof message === 'string' ? `${typeof name === 'string' ? name : 'Error'}: ${message}` : String(error);
}
