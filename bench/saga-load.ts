import { TERMINAL_STATUSES, type SagaStatus } from '@baton/core';
import type { StepObserved } from '@baton/postgres';

const TERMINAL = new Set<SagaStatus | undefined>(TERMINAL_STATUSES);

/**
 * What the host did, counted from its own step observations (after each
 * commit), so following the load costs the database nothing.
 */
export class SagaCounters {
  ended = 0;
  steps = 0;
  private readonly waiters: Array<() => void> = [];

  /** The unit of work's step listener. */
  readonly listener = (step: StepObserved): void => {
    if (step.outcome !== 'applied') return;
    this.steps++;
    if (TERMINAL.has(step.status) && !TERMINAL.has(step.previousStatus)) {
      this.ended++;
      this.waiters.splice(0).forEach((wake) => wake());
    }
  };

  /** Resolves at the next saga that ends. */
  nextEnd(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async until(ended: number, onProgress: () => void, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.ended < ended) {
      if (Date.now() > deadline) throw new Error(`Only ${this.ended} of ${ended} sagas ended within ${timeoutMs / 1000} s.`);
      await Promise.race([this.nextEnd(), new Promise((resolve) => setTimeout(resolve, 250))]);
      onProgress();
    }
  }
}

export type StartSaga = (i: number) => Promise<string>;

/**
 * Closed loop: keeps `concurrency` sagas in flight (a new one starts as one
 * ends) until `total` have started, then waits for the rest to end.
 */
export async function closedLoop(
  total: number,
  concurrency: number,
  counters: SagaCounters,
  start: StartSaga,
  onProgress: () => void,
): Promise<void> {
  const endedBefore = counters.ended;
  let started = 0;
  let failure: unknown;
  const launch = () => {
    while (started < total && started - (counters.ended - endedBefore) < concurrency) {
      start(started++).catch((error) => (failure ??= error));
    }
  };
  launch();
  while (counters.ended - endedBefore < total) {
    if (failure) throw failure;
    await Promise.race([counters.nextEnd(), new Promise((resolve) => setTimeout(resolve, 250))]);
    launch();
    onProgress();
  }
}

/**
 * Open loop: starts sagas at `perSecond` for `seconds`, whatever the host's
 * pace, and returns their ids once all have ended.
 */
export async function openLoop(
  perSecond: number,
  seconds: number,
  counters: SagaCounters,
  start: StartSaga,
  offset: number,
  onProgress: () => void,
): Promise<string[]> {
  const total = Math.max(1, Math.round(perSecond * seconds));
  const endedBefore = counters.ended;
  const ids: Array<Promise<string>> = [];
  const began = performance.now();
  while (ids.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - began) / 1000) * perSecond) + 1);
    while (ids.length < due) ids.push(start(offset + ids.length));
    await new Promise((resolve) => setTimeout(resolve, 5));
    onProgress();
  }
  const started = await Promise.all(ids);
  await counters.until(endedBefore + total, onProgress, 120_000);
  return started;
}
