import { consoleLogger, type BatonLogger } from '@baton/core';

export interface PollingLoopOptions {
  name: string;
  /** Pause after a round that found no work. */
  idleMs: number;
  /** Pause after a round that failed (the database was unreachable, say). */
  errorBackoffMs?: number;
  logger?: BatonLogger;
}

/**
 * Runs `round` again and again: at once while it finds work, after `idleMs`
 * when it found none, sooner when `wake()` is called. `stop()` lets the round
 * in hand finish. One round at a time, never overlapping.
 */
export class PollingLoop {
  private running = false;
  private current: Promise<void> = Promise.resolve();
  private wakeUp?: () => void;
  private woken = false;

  constructor(
    private readonly round: () => Promise<number | { workDone: number; nextInMs?: number }>,
    private readonly options: PollingLoopOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.current = this.run();
  }

  /** Cuts the current pause short. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.current;
  }

  private async run(): Promise<void> {
    const logger = this.options.logger ?? consoleLogger;
    while (this.running) {
      let pause = 0;
      try {
        this.woken = false;
        const result = await this.round();
        const workDone = typeof result === 'number' ? result : result.workDone;
        const nextInMs = typeof result === 'number' ? undefined : result.nextInMs;
        if (workDone === 0) pause = Math.max(1, Math.min(this.options.idleMs, nextInMs ?? Infinity));
      } catch (error) {
        pause = this.options.errorBackoffMs ?? 1000;
        if (this.running) logger.error(`${this.options.name}: round failed, retrying in ${pause} ms: ${describe(error)}`);
      }
      if (pause > 0 && this.running && !this.woken) await this.sleep(pause);
      // An embedded database answers without ever leaving the microtask queue;
      // yield so timers and I/O of the rest of the process get their turn.
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
