import { consoleLogger, type BatonLogger, errorMessage } from '@baton/core';
import { FailureStreak } from './failure-streak';

export interface PollingLoopOptions {
  name: string;
  /** Pause after a round that found no work. */
  idleMs: number;
  /**
   * Pause after a round that failed (the database was unreachable, say),
   * doubled for each failed round in a row up to `maxErrorBackoffMs`.
   * @default 1000 / 5000
   */
  errorBackoffMs?: number;
  maxErrorBackoffMs?: number;
  /** Rounds running at once. @default 1 */
  concurrency?: number;
  logger?: BatonLogger;
}

type RoundResult = number | { workDone: number; nextInMs?: number };

/**
 * Runs `round` again and again: at once while it finds work, after `idleMs`
 * when it found none, sooner when `wake()` is called. With `concurrency`
 * above 1, that many workers run rounds side by side; `wake()` wakes one
 * sleeping worker, or, when all are busy, keeps the next one to finish from
 * going to sleep. `stop()` lets the rounds in hand finish.
 *
 * Rounds that fail (the database is down) are tried again with a growing
 * pause; the first failure of a run of them is logged, and the first
 * success after it, not every round in between: an outage is two lines.
 */
export class PollingLoop {
  private running = false;
  private workers: Array<Promise<void>> = [];
  private readonly sleepers: Array<() => void> = [];
  /** A wake-up that found no sleeper: the next worker to finish a round runs again at once. */
  private wakePending = false;
  /** The rounds failing in a row, until one succeeds. */
  private readonly failing: FailureStreak;

  constructor(
    private readonly round: () => Promise<RoundResult>,
    private readonly options: PollingLoopOptions,
  ) {
    const first = options.errorBackoffMs ?? 1000;
    this.failing = new FailureStreak(first, Math.max(first, options.maxErrorBackoffMs ?? 5000));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.workers = Array.from({ length: Math.max(1, this.options.concurrency ?? 1) }, () => this.run());
  }

  /** Cuts one worker's pause short. */
  wake(): void {
    const sleeper = this.sleepers.shift();
    if (sleeper) sleeper();
    else this.wakePending = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sleepers.splice(0).forEach((wakeUp) => wakeUp());
    await Promise.all(this.workers);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let pause = 0;
      try {
        this.wakePending = false;
        const result = await this.round();
        this.succeeded();
        const workDone = typeof result === 'number' ? result : result.workDone;
        const nextInMs = typeof result === 'number' ? undefined : result.nextInMs;
        if (workDone === 0) pause = Math.max(1, Math.min(this.options.idleMs, nextInMs ?? Infinity));
      } catch (error) {
        pause = this.failed(error);
      }
      if (pause > 0 && this.running && !this.wakePending) await this.sleep(pause);
      // An embedded database answers without ever leaving the microtask queue;
      // yield so timers and I/O of the rest of the process get their turn.
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Counts a failed round; returns the pause before the next. */
  private failed(error: unknown): number {
    const { pauseMs, began } = this.failing.failed();
    if (began && this.running) {
      this.logger.error(
        `${this.options.name}: round failed, retrying in ${pauseMs} ms and then at most every ${this.failing.maxPauseMs} ms until a round succeeds ` +
          `(logged again only then): ${errorMessage(error)}`,
      );
    }
    return pauseMs;
  }

  private succeeded(): void {
    const ended = this.failing.succeeded();
    if (ended) this.logger.log(`${this.options.name}: rounds succeed again, after ${ended.failures} failed round(s) over ${ended.seconds} s.`);
  }

  private get logger(): BatonLogger {
    return this.options.logger ?? consoleLogger;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const i = this.sleepers.indexOf(done);
        if (i >= 0) this.sleepers.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.push(done);
    });
  }
}

