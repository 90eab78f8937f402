import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { TERMINAL_STATUSES, errorMessage } from '@baton/core';
import { SagaStepUnitOfWork, type StepObserved } from '@baton/postgres';
import { SagaGauges } from '../metrics/saga-gauges.service';
import { DEFAULT_SAMPLE_INTERVAL_MS, OVERVIEW_OPTIONS, SAMPLES_KEPT, type OverviewOptions } from './overview.options';
import type { OverviewSample } from './overview.view';

const MIN_SAMPLE_INTERVAL_MS = 50;

/**
 * Samples, every `sampleIntervalMs`, what GET /overview charts: the rates
 * of this host's own steps (counted by the step observer SagaMetrics also
 * uses, between one sample and the next, over the seconds between them) and
 * the gauges SagaGauges reads from the database (its cached reading, no
 * second copy of the queries). Rates are this host's: each replica samples
 * its own steps, so a console behind a load balancer sees one replica's.
 * Gauges are the whole database's, the same on every replica. The last 180
 * samples are kept in memory; the first is taken at start, so the series is
 * never empty after it. A sample that fails is logged and left out.
 */
@Injectable()
export class OverviewSampler implements OnModuleInit, OnModuleDestroy {
  readonly sampleIntervalMs: number;
  private readonly logger = new Logger('Overview');
  private readonly samples: OverviewSample[] = [];
  private counted = { steps: 0, started: 0, ended: 0 };
  private countedSince = performance.now();
  private timer?: NodeJS.Timeout;
  private stopObserving?: () => void;
  private sampling = false;
  private stopped = false;

  constructor(
    @Inject(OVERVIEW_OPTIONS) options: OverviewOptions,
    private readonly unitOfWork: SagaStepUnitOfWork,
    private readonly gauges: SagaGauges,
  ) {
    const interval = options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
    if (!Number.isInteger(interval) || interval < MIN_SAMPLE_INTERVAL_MS) {
      throw new Error(`SagaModule overview.sampleIntervalMs must be a whole number of milliseconds, at least ${MIN_SAMPLE_INTERVAL_MS}; got ${interval}.`);
    }
    this.sampleIntervalMs = interval;
  }

  onModuleInit(): void {
    this.stopObserving = this.unitOfWork.observe((step) => this.count(step));
    this.countedSince = performance.now();
    void this.sample();
    // unref: the sampler alone never keeps the process alive.
    this.timer = setInterval(() => void this.sample(), this.sampleIntervalMs).unref();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.stopObserving?.();
  }

  /** The samples kept, oldest first. */
  series(): OverviewSample[] {
    return [...this.samples];
  }

  private count(step: StepObserved): void {
    this.counted.steps++;
    if (step.outcome !== 'applied') return;
    if (step.kind === 'start') this.counted.started++;
    // Counted as SagaMetrics counts endings: the step that moved the saga into an ending status.
    if (step.status && ended(step.status) && !(step.previousStatus && ended(step.previousStatus))) this.counted.ended++;
  }

  private async sample(): Promise<void> {
    // A database slower than the interval: the sample in progress stands for this one too.
    if (this.sampling || this.stopped) return;
    this.sampling = true;
    try {
      const at = new Date();
      const now = performance.now();
      const seconds = (now - this.countedSince) / 1000;
      const { steps, started, ended: endedCount } = this.counted;
      this.counted = { steps: 0, started: 0, ended: 0 };
      this.countedSince = now;
      const perSecond = (n: number) => (seconds > 0 ? Math.round((n / seconds) * 100) / 100 : 0);

      const reading = await this.gauges.databaseReading();
      if (this.stopped) return;
      this.samples.push({
        at: at.toISOString(),
        stepsPerSecond: perSecond(steps),
        startedPerSecond: perSecond(started),
        endedPerSecond: perSecond(endedCount),
        inFlight: reading ? reading.inFlight.reduce((sum, group) => sum + group.count, 0) : null,
        deadLettersOpen: reading?.deadLettersOpen ?? null,
        outboxBacklog: reading?.backlog.count ?? null,
        outboxOldestAgeMs: reading?.backlog.oldestAgeMs ?? null,
        timersOverdue: reading?.timers.overdue ?? null,
      });
      if (this.samples.length > SAMPLES_KEPT) this.samples.splice(0, this.samples.length - SAMPLES_KEPT);
    } catch (error) {
      if (!this.stopped) this.logger.warn(`Overview sample left out: ${errorMessage(error)}`);
    } finally {
      this.sampling = false;
    }
  }
}

function ended(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}
