import { consoleLogger, type BatonLogger } from '@baton/core';

export interface PollingLoopOptions {
  name: string;
  /** Pause after a round that found no work. */
  idleMs: number;
  /** Pause after a round that failed (the database was unreachable, say). */
  errorBackoffMs?: number;
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
 */
export class PollingLoop {
  private running = false;
  private workers: Array<Promise<void>> = [];
  private readonly sleepers: Array<() => void> = [];
  /** A wake-up that found no sleeper: the next worker to finish a round runs again at once. */
  private wakePending = false;

  constructor(
    private readonly round: () => Promise<RoundResult>,
    private readonly options: PollingLoopOptions,
  ) {}

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
    const logger = this.options.logger ?? consoleLogger;
    while (this.running) {
      let pause = 0;
      try {
        this.wakePending = false;
        const result = await this.round();
        const workDone = typeof result === 'number' ? result : result.workDone;
        const nextInMs = typeof result === 'number' ? undefined : result.nextInMs;
        if (workDone === 0) pause = Math.max(1, Math.min(this.options.idleMs, nextInMs ?? Infinity));
      } catch (error) {
        pause = this.options.errorBackoffMs ?? 1000;
        if (this.running) logger.error(`${this.options.name}: round failed, retrying in ${pause} ms: ${describe(error)}`);
      }
      if (pause > 0 && this.running && !this.wakePending) await this.sleep(pause);
      // An embedded database answers without ever leaving the microtask queue;
      // yield so timers and I/O of the rest of the process get their turn.
      else await new Promise((resolve) => setImmediate(resolve));
    }
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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
