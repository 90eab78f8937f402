import type { BatonLogger } from '@baton/core';
import type { SagaTimerRepository } from '../repositories/saga-timer.repository';
import type { SagaStepUnitOfWork } from '../unit-of-work/saga-step.unit-of-work';
import { PollingLoop } from './polling-loop';

/** Options of a TimerPoller. */
export interface TimerPollerOptions {
  /** Longest pause between two looks for due timers; a timer fires at most this late. @default 250 */
  pollIntervalMs?: number;
  /** Timers fired per round. @default 100 */
  batchSize?: number;
  /** Where the poller logs failed rounds. @default the console */
  logger?: BatonLogger;
}

/**
 * Fires due timers through the step unit of work. Several pollers (in other
 * replicas) can run at once: each timer is claimed by one of them.
 */
export class TimerPoller {
  private readonly loop: PollingLoop;

  constructor(
    unitOfWork: SagaStepUnitOfWork,
    timers: SagaTimerRepository,
    options: TimerPollerOptions = {},
  ) {
    const pollIntervalMs = options.pollIntervalMs ?? 250;
    const batchSize = options.batchSize ?? 100;
    this.loop = new PollingLoop(
      async () => {
        const workDone = await unitOfWork.fireDueTimers(batchSize);
        if (workDone) return workDone;
        return { workDone, nextInMs: await timers.nextDueInMs() };
      },
      { name: 'timer poller', idleMs: pollIntervalMs, logger: options.logger },
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
