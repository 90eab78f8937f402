/**
 * A run of failures in a row (the database is away): the pause before the
 * next try, doubled per failure up to a cap, and whether this failure began
 * the run, so a worker logs an outage twice (when it begins, when it ends)
 * instead of at every try.
 */
export class FailureStreak {
  private current?: { since: number; failures: number };

  constructor(
    private readonly firstPauseMs: number,
    readonly maxPauseMs: number,
  ) {}

  /** Counts a failure: the pause before the next try, and whether it began the run. */
  failed(): { pauseMs: number; began: boolean } {
    const run = (this.current ??= { since: Date.now(), failures: 0 });
    run.failures++;
    return { pauseMs: Math.min(this.maxPauseMs, this.firstPauseMs * 2 ** (run.failures - 1)), began: run.failures === 1 };
  }

  /** A success: the run that it ends (failures and seconds it lasted), if there was one. */
  succeeded(): { failures: number; seconds: string } | undefined {
    const run = this.current;
    this.current = undefined;
    return run && { failures: run.failures, seconds: ((Date.now() - run.since) / 1000).toFixed(1) };
  }
}
