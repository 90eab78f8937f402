import type { TimerToSchedule } from './step-outcome';

/**
 * The durable timers one step arms and disarms: the engine's own (a retry,
 * a reply timeout; keyed `baton.*`) as it decides, and the machine's
 * delayed `after` events (keyed `xstate.after.*`) from the runs of the
 * machine and the states active before and after them.
 */
export class TimerChanges {
  private readonly engineTimers = new Map<string, number>();
  private readonly machineTimers = new Map<string, number>();
  private readonly cancelled = new Set<string>();
  /** The machine's timers armed before its first run in this step; unknown while it has not run. */
  private armedBefore?: ReadonlySet<string>;

  /** Arms (or re-arms) one of the engine's timers. */
  arm(key: string, delayMs: number): void {
    this.cancelled.delete(key);
    this.engineTimers.set(key, delayMs);
  }

  /** Disarms one of the engine's timers, if there is one. */
  disarm(key: string | undefined): void {
    if (!key) return;
    this.engineTimers.delete(key);
    this.cancelled.add(key);
  }

  /** Before each run of the machine: the first one tells which of its timers were armed when the step began. */
  machineRuns(armedNow: () => ReadonlySet<string>): void {
    this.armedBefore ??= armedNow();
  }

  /** The delayed events a run of the machine scheduled. */
  machineScheduled(timers: readonly TimerToSchedule[]): void {
    timers.forEach((timer) => this.machineTimers.set(timer.key, timer.delayMs));
  }

  /**
   * What the host writes: a machine timer is scheduled if its state is
   * still active (`armedAfter`) and cancelled if its state was left. Once
   * the saga `ended` nothing is scheduled and every timer still armed
   * (`engineArmed`, `armedAfter`) is cancelled. A timer armed again in this
   * step (its state re-entered, a retry re-armed) is an upsert, not a cancel.
   */
  outcome(armedAfter: ReadonlySet<string>, ended: boolean, engineArmed: readonly (string | undefined)[]): {
    schedule: TimerToSchedule[];
    cancel: string[];
  } {
    const cancel = new Set(this.cancelled);
    this.armedBefore?.forEach((key) => !armedAfter.has(key) && cancel.add(key));
    const schedule = ended
      ? []
      : [...[...this.machineTimers].filter(([key]) => armedAfter.has(key)), ...this.engineTimers].map(([key, delayMs]) => ({ key, delayMs }));
    if (ended) {
      // Nothing may fire or be retried for an instance that ended.
      for (const key of [...engineArmed, ...armedAfter]) if (key) cancel.add(key);
    }
    schedule.forEach((timer) => cancel.delete(timer.key));
    return { schedule, cancel: [...cancel] };
  }
}
