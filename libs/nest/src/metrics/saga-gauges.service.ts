import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { SagaRegistry, type PartitionLag, type SagaStatus, type Transport, errorMessage } from '@baton/core';
import { DeadLetterRepository, OutboxRepository, SagaRepository, SagaTimerRepository, inSnapshot } from '@baton/postgres';
import { BATON_DATA_SOURCE, BATON_METRICS_REGISTRY, BATON_TRANSPORT } from '../baton.tokens';
import { withTimeout } from '../health/with-timeout';
import { ScrapeCache } from './scrape-cache';

/** A timer due for longer than this counts as overdue: the pollers are behind, or none runs. */
const OVERDUE_AFTER_MS = 5000;
/** How long a scrape's reading is reused. */
const CACHE_MS = 1000;
/** The longest a scrape waits for the broker's offsets before it leaves the lag out. */
const LAG_TIMEOUT_MS = 3000;
/** Statuses of a saga that has not ended: each registered saga shows each of them, at 0 if need be. */
const IN_FLIGHT_STATUSES: readonly SagaStatus[] = ['running', 'compensating', 'stuck'];

/** What the gauges read from the database, for the whole database (every host on it). */
export interface DatabaseReading {
  inFlight: Array<{ name: string; status: string; count: number }>;
  backlog: { count: number; oldestAgeMs: number };
  timers: { due: number; overdue: number };
  deadLettersOpen: number;
}

/** A reading with the sagas in flight grouped by name, status and state value, biggest group first. */
export interface DatabaseReadingByState extends DatabaseReading {
  inFlightByState: Array<{ name: string; status: string; stateValue: unknown; count: number }>;
}

/**
 * Gauges read when Prometheus scrapes: sagas in flight, the outbox backlog,
 * due timers and open dead letters from the database (a few counts over
 * partial or due-time indexes), and the consumer lag from the broker when
 * the transport has one. Each source is read at most once a second however
 * often it is scraped. A source that cannot be read is logged and shows as
 * NaN (labelled gauges: no series) rather than as a reassuring 0.
 */
@Injectable()
export class SagaGauges {
  private readonly logger = new Logger('Metrics');
  private readonly database: ScrapeCache<DatabaseReading | undefined>;
  private readonly lag: ScrapeCache<PartitionLag[] | undefined>;
  private readonly readNow: (groupsLimit: number) => Promise<DatabaseReadingByState>;

  constructor(
    @Inject(BATON_METRICS_REGISTRY) metrics: Registry,
    @Inject(BATON_DATA_SOURCE) dataSource: DataSource,
    @Inject(BATON_TRANSPORT) transport: Transport,
    sagas: SagaRegistry,
    sagaRows: SagaRepository,
    timers: SagaTimerRepository,
    deadLetters: DeadLetterRepository,
  ) {
    const outbox = new OutboxRepository(dataSource, 'baton_outbox');
    // One snapshot, so that the counts agree: a saga that started and the
    // commands it sent are counted both or neither.
    this.readNow = (groupsLimit) =>
      inSnapshot(dataSource.manager, async (tx) => ({
        inFlight: await sagaRows.countInFlight(tx),
        backlog: await outbox.backlog(tx),
        timers: await timers.countDue(OVERDUE_AFTER_MS, tx),
        deadLettersOpen: await deadLetters.countOpen(tx),
        inFlightByState: groupsLimit ? await sagaRows.countInFlightByState(groupsLimit, tx) : [],
      }));
    this.database = new ScrapeCache(() => this.orUndefined('database', () => this.readNow(0)), CACHE_MS);
    this.lag = new ScrapeCache(
      () =>
        transport.consumerLag
          ? this.orUndefined('Kafka consumer lag', () => withTimeout(transport.consumerLag!(), LAG_TIMEOUT_MS, 'no answer in time'))
          : Promise.resolve([]),
      CACHE_MS,
    );

    const database = this.database;
    const lag = this.lag;
    const registers = [metrics];
    const fromDatabase = (name: string, help: string, read: (reading: DatabaseReading) => number) =>
      new Gauge({
        name: `baton_${name}`,
        help,
        registers,
        async collect() {
          const reading = await database.get();
          this.set(reading ? read(reading) : Number.NaN);
        },
      });
    new Gauge({
      name: 'baton_sagas_in_flight',
      help: 'Sagas that have not ended, across all hosts on the database',
      labelNames: ['saga', 'status'],
      registers,
      async collect() {
        const reading = await database.get();
        this.reset();
        if (!reading) return;
        for (const saga of sagas.names()) for (const status of IN_FLIGHT_STATUSES) this.set({ saga, status }, 0);
        for (const { name, status, count } of reading.inFlight) this.set({ saga: name, status }, count);
      },
    });
    fromDatabase('outbox_backlog_messages', 'Commands in the outbox not published yet', (r) => r.backlog.count);
    fromDatabase('outbox_oldest_age_seconds', 'Age of the oldest unpublished command (0: none)', (r) => r.backlog.oldestAgeMs / 1000);
    fromDatabase('timers_due', 'Durable timers due now and not fired yet', (r) => r.timers.due);
    fromDatabase('timers_overdue', `Durable timers due for more than ${OVERDUE_AFTER_MS / 1000} s`, (r) => r.timers.overdue);
    fromDatabase('dead_letters_open', 'Dead letters nobody has replayed or discarded (the DLQ depth)', (r) => r.deadLettersOpen);
    new Gauge({
      name: 'baton_kafka_consumer_lag',
      help: 'Messages on a partition of a consumed topic that the consumer group has not committed yet',
      labelNames: ['topic', 'partition'],
      registers,
      async collect() {
        const partitions = await lag.get();
        this.reset();
        for (const { topic, partition, lag: behind } of partitions ?? []) this.set({ topic, partition: String(partition) }, behind);
      },
    });
    if (transport.deadLetterFailures) {
      new Counter({
        name: 'baton_dead_letter_failures_total',
        help: 'Dead letters not kept in full since the host started (each is logged): kind without_envelope, not_recorded or not_copied',
        labelNames: ['kind'],
        registers,
        collect() {
          const failures = transport.deadLetterFailures!();
          this.reset();
          this.inc({ kind: 'without_envelope' }, failures.withoutEnvelope);
          this.inc({ kind: 'not_recorded' }, failures.notRecorded);
          this.inc({ kind: 'not_copied' }, failures.notCopied);
        },
      });
    }
  }

  /**
   * The database reading the gauges show: the cached one if under a second
   * old, else read now. Undefined when the database could not be read (logged).
   */
  databaseReading(): Promise<DatabaseReading | undefined> {
    return this.database.get();
  }

  /**
   * A reading made now, not cached, with at most `groupsLimit` groups of
   * sagas in flight by state, all from the same snapshot. Undefined when the
   * database could not be read (logged).
   */
  databaseReadingByState(groupsLimit: number): Promise<DatabaseReadingByState | undefined> {
    return this.orUndefined('database', () => this.readNow(groupsLimit));
  }

  private async orUndefined<T>(source: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      this.logger.warn(`Metrics from the ${source} left out of this scrape: ${errorMessage(error)}`);
      return undefined;
    }
  }
}
