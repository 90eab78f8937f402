import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import {
  OutboxNotificationListener,
  SagaHistoryRepository,
  SagaStepUnitOfWork,
  STEPS_CHANNEL,
  type CommittedStepFilter,
} from '@baton/postgres';
import { BATON_METRICS_REGISTRY } from '../baton.tokens';
import { SAGA_MODULE_OPTIONS } from '../saga.module-definition';
import type { SagaModuleOptions } from '../saga-module.options';
import { controlEvent, EventStreamClient, stepEvent, type EventSink } from './event-stream-client';

/** Ids already sent to clients, kept to drop the NOTIFY of a step this replica already heard of locally. */
const REMEMBERED_IDS = 10_000;

/**
 * Fans committed saga steps out to the clients of GET /sagas/events. It
 * hears this replica's steps from the step unit of work once they committed
 * (`observeHistory`) and, on PostgreSQL, every replica's from one LISTEN
 * connection on STEPS_CHANNEL, which a step's transaction NOTIFYs with the
 * ids of its history rows (delivered only on commit: docs/architecture.md,
 * "The invariants" 1). It reads those rows by id, once per batch for all
 * clients, and only while someone is connected.
 */
@Injectable()
export class SagaEventsHub implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SagaEvents');
  private readonly clients = new Set<EventStreamClient>();
  private readonly gauge: Gauge;
  private readonly listener?: OutboxNotificationListener;
  private readonly sent = new Set<string>();
  private delivering: Promise<void> = Promise.resolve();
  private keepAlive?: NodeJS.Timeout;
  private stopObserving?: () => void;
  private stopping = false;
  readonly keepAliveMs: number;
  readonly retryMs: number;
  readonly maxQueuedEvents: number;
  readonly maxReplayedEvents: number;

  constructor(
    @Inject(SAGA_MODULE_OPTIONS) options: SagaModuleOptions,
    @Inject(BATON_METRICS_REGISTRY) metrics: Registry,
    private readonly unitOfWork: SagaStepUnitOfWork,
    private readonly history: SagaHistoryRepository,
  ) {
    this.keepAliveMs = options.events?.keepAliveMs ?? 15_000;
    this.retryMs = options.events?.retryMs ?? 2_000;
    this.maxQueuedEvents = options.events?.maxQueuedEvents ?? 1_000;
    this.maxReplayedEvents = options.events?.maxReplayedEvents ?? 1_000;
    this.gauge = new Gauge({ name: 'baton_event_stream_clients', help: 'Clients connected to GET /sagas/events', registers: [metrics] });
    // Other replicas' steps (PostgreSQL only; PGlite is one process, whose steps the unit of work reports).
    const url = options.database?.url;
    if (url) this.listener = new OutboxNotificationListener(url, STEPS_CHANNEL, (payload) => this.heard(payload), this.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.stopObserving = this.unitOfWork.observeHistory((ids) => this.heardIds(ids));
    await this.listener?.start();
    this.keepAlive = setInterval(() => {
      for (const client of this.clients) client.send(': keep-alive\n\n');
    }, this.keepAliveMs);
    this.keepAlive.unref();
  }

  /** Ends every stream, so the HTTP server can close, and stops listening. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.keepAlive);
    this.stopObserving?.();
    for (const client of [...this.clients]) client.finish(controlEvent('shutdown', { detail: 'This host is shutting down; reconnect with Last-Event-ID.' }));
    await this.listener?.stop();
  }

  get connected(): number {
    return this.clients.size;
  }

  /**
   * Subscribes `sink`: the `retry:` hint, the events missed since
   * `lastEventId` (at most maxReplayedEvents, else a `reload` event), then
   * live ones. Answers once the replay was written.
   */
  async subscribe(sink: EventSink, filter: CommittedStepFilter, lastEventId?: string): Promise<void> {
    if (this.stopping) {
      sink.end();
      return;
    }
    const client = new EventStreamClient(sink, filter, this.maxQueuedEvents, (gone) => {
      this.clients.delete(gone);
      this.gauge.set(this.clients.size);
    });
    this.clients.add(client);
    this.gauge.set(this.clients.size);
    client.send(`retry: ${this.retryMs}\n\n`);
    if (lastEventId === undefined) {
      client.replayed(undefined);
      return;
    }
    try {
      const missed = await this.history.after(lastEventId, filter, this.maxReplayedEvents + 1);
      if (missed.length > this.maxReplayedEvents) {
        client.send(
          controlEvent('reload', {
            reason: 'too-many-missed',
            detail: `More than ${this.maxReplayedEvents} events were missed since ${lastEventId}: read the sagas again, then reconnect without Last-Event-ID.`,
          }),
        );
        client.replayed(missed[missed.length - 1].id);
        return;
      }
      for (const step of missed) client.send(stepEvent(step));
      client.replayed(missed.length ? missed[missed.length - 1].id : lastEventId);
    } catch (error) {
      this.logger.warn(`Replaying events after ${lastEventId} failed: ${error instanceof Error ? error.message : String(error)}`);
      client.finish(controlEvent('error', { detail: 'The missed events could not be read; reconnect.' }));
    }
  }

  private heard(payload: string | undefined): void {
    const ids = (payload ?? '').split(',').filter((id) => /^\d+$/.test(id));
    if (ids.length) this.heardIds(ids);
  }

  /** History rows committed (here or in another replica): read once, sent to every client that wants them, in order. */
  private heardIds(ids: readonly string[]): void {
    if (!this.clients.size || this.stopping) return;
    const fresh = ids.filter((id) => !this.sent.has(id));
    if (!fresh.length) return;
    for (const id of fresh) this.remember(id);
    this.delivering = this.delivering
      .then(async () => {
        if (!this.clients.size) return;
        const steps = await this.history.committed(fresh);
        for (const step of steps) for (const client of this.clients) client.step(step);
      })
      .catch((error: unknown) => this.logger.warn(`Reading committed steps failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  private remember(id: string): void {
    this.sent.add(id);
    if (this.sent.size > REMEMBERED_IDS) this.sent.delete(this.sent.values().next().value!);
  }
}
