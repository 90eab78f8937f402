import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { SagaRegistry, TERMINAL_STATUSES, type SagaStatus } from '@baton/core';
import { SagaStepUnitOfWork, type StepObserved } from '@baton/postgres';
import { BATON_METRICS_REGISTRY } from '../baton.tokens';

/** The statuses a saga ends in, each with its counter. */
type Ending = 'completed' | 'compensated' | 'failed' | 'aborted';

/**
 * Counters and histograms of the steps this host runs, fed by the step unit
 * of work's observer (after each commit, so a rolled-back step counts
 * nothing). Counters of every registered saga version start at 0, so a rate
 * is defined from the first scrape.
 */
@Injectable()
export class SagaMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly started: Counter<'saga' | 'version'>;
  private readonly ended: Record<Ending, Counter<'saga' | 'version'>>;
  private readonly transitions: Counter<'saga' | 'version'>;
  private readonly commandsSent: Counter<'saga' | 'type'>;
  private readonly repliesReceived: Counter<'saga' | 'type' | 'outcome'>;
  private readonly timersFired: Counter<'saga'>;
  private readonly stepDuration: Histogram<'saga' | 'kind'>;
  private readonly sagaDuration: Histogram<'saga' | 'status'>;
  private stopObserving?: () => void;

  constructor(
    @Inject(BATON_METRICS_REGISTRY) metrics: Registry,
    private readonly sagas: SagaRegistry,
    private readonly unitOfWork: SagaStepUnitOfWork,
  ) {
    const registers = [metrics];
    const sagaVersion = ['saga', 'version'] as const;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter<L>({ name: `baton_${name}`, help, labelNames, registers });
    this.started = counter('sagas_started_total', 'Sagas started', sagaVersion);
    this.ended = {
      completed: counter('sagas_completed_total', 'Sagas that ended completed', sagaVersion),
      compensated: counter('sagas_compensated_total', 'Sagas that ended compensated (their completed steps undone)', sagaVersion),
      failed: counter('sagas_failed_total', 'Sagas that ended failed (a step failed for good, or a bound parked them)', sagaVersion),
      aborted: counter('sagas_aborted_total', 'Sagas that an operator aborted', sagaVersion),
    };
    this.transitions = counter('transitions_total', 'Steps that moved a saga (one history row each)', sagaVersion);
    this.commandsSent = counter('commands_sent_total', 'Commands written to the outbox, retries included', ['saga', 'type']);
    this.repliesReceived = counter(
      'replies_received_total',
      'Messages delivered to sagas, by what became of them: applied, duplicate (already applied) or ignored (not accepted)',
      ['saga', 'type', 'outcome'],
    );
    this.timersFired = counter('timers_fired_total', 'Durable timers that fired and moved their saga', ['saga']);
    this.stepDuration = new Histogram({
      name: 'baton_step_duration_seconds',
      help: 'Time of a step transaction, BEGIN to COMMIT, by what the step was fed',
      labelNames: ['saga', 'kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.sagaDuration = new Histogram({
      name: 'baton_saga_duration_seconds',
      help: 'Time from a saga’s start to its end, by how it ended',
      labelNames: ['saga', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400],
      registers,
    });
    this.zeroKnownSeries();
  }

  onModuleInit(): void {
    this.stopObserving = this.unitOfWork.observe((step) => this.record(step));
  }

  onModuleDestroy(): void {
    this.stopObserving?.();
  }

  /** Counts one committed step. */
  record(step: StepObserved): void {
    const saga = step.sagaName;
    this.stepDuration.observe({ saga, kind: step.kind }, step.durationMs / 1000);
    if (step.kind === 'message') this.repliesReceived.inc({ saga, type: step.eventType, outcome: step.outcome });
    if (step.outcome !== 'applied') return;

    const version = String(step.definitionVersion);
    this.transitions.inc({ saga, version });
    if (step.kind === 'start') this.started.inc({ saga, version });
    if (step.kind === 'timer') this.timersFired.inc({ saga });
    for (const type of step.commands) this.commandsSent.inc({ saga, type });
    if (step.status && isEnding(step.status) && !(step.previousStatus && isEnding(step.previousStatus))) {
      this.ended[step.status].inc({ saga, version });
      const endedAfterMs = Date.now() - (step.createdAt?.getTime() ?? Date.now());
      this.sagaDuration.observe({ saga, status: step.status }, Math.max(0, endedAfterMs) / 1000);
    }
  }

  private zeroKnownSeries(): void {
    for (const definition of this.sagas.all()) {
      const labels = { saga: definition.name, version: String(definition.version) };
      for (const counter of [this.started, this.transitions, ...Object.values(this.ended)]) counter.inc(labels, 0);
      this.timersFired.inc({ saga: definition.name }, 0);
      for (const type of definition.commands.keys()) this.commandsSent.inc({ saga: definition.name, type }, 0);
    }
  }
}

function isEnding(status: SagaStatus): status is Ending {
  return TERMINAL_STATUSES.includes(status);
}
