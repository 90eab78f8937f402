import type { SagaDefinition, SagaLimits, Transport } from '@baton/core';
import type { BatonDataSourceOptions, OutboxRelayOptions, StepBatchingOptions, TimerPollerOptions } from '@baton/postgres';
import type { SagaAdmissionOptions } from './admission/saga-admission.options';
import type { AsyncApiOptions } from './asyncapi/asyncapi.document';
import type { BatonAuthOptions } from './auth/baton-auth.options';
import type { SagaEventsOptions } from './events/saga-events.options';
import type { OverviewOptions } from './overview/overview.options';

/** Options of `SagaModule.forRoot` / `forRootAsync`. */
export interface SagaModuleOptions {
  /** The saga definitions this host runs; several versions of one saga may be listed. */
  sagas: SagaDefinition[];
  /**
   * Where sagas are kept: `url` for PostgreSQL, otherwise embedded PGlite in `dataDir`.
   * @default { dataDir: '.data/pglite' }
   */
  database?: BatonDataSourceOptions;
  /**
   * How commands reach participants and replies come back.
   * @default an InProcessTransport (participants in the same process)
   */
  transport?: Transport;
  /**
   * Topic naming: `${prefix}${participant}.commands` and the reply topic.
   * @default { prefix: '', replies: 'saga.replies' }
   */
  topics?: { prefix?: string; replies?: string };
  /**
   * Timer poller tuning, and how long timers wait after a start for the
   * replies already waiting on the broker (see `Transport.caughtUp`).
   * @default { pollIntervalMs: 250, batchSize: 100, catchUpTimeoutMs: 10000 }
   */
  timers?: Omit<TimerPollerOptions, 'logger'> & {
    /**
     * After a start, timers fire only once the reply consumer has applied
     * the replies that were already in its partitions when it joined (a
     * reply timeout, a retry or an `after` delay must not overtake a reply
     * that came while the host was down), or once this long has passed,
     * whichever is first. Counted from the transport's start, so it includes
     * the consumer's join: after a crash that is about the consumer's session
     * timeout (6 s on Kafka by default), so keep this above it. 0 does not
     * wait. @default 10000
     */
    catchUpTimeoutMs?: number;
  };
  /** Outbox relay tuning. @default { batchSize: 100, leaseMs: 5000, concurrency: 100, rounds: 2, handOffBatches: 8 } */
  relay?: Omit<OutboxRelayOptions, 'logger' | 'name'>;
  /**
   * How starts, replies and timers that arrive together share step
   * transactions (group commit). @default { maxBatchSize: 64, concurrency: 2 }
   */
  steps?: StepBatchingOptions;
  /**
   * API keys of the REST API. Every POST of its controllers needs an operator
   * key; reads need a key only with `protectReads`. Without keys, outside
   * production the development key `baton-dev-key` (`DEVELOPMENT_API_KEY`) is
   * accepted, with a warning at start; with `NODE_ENV=production` an app
   * that serves HTTP refuses to start (one that does not, a worker from
   * `createApplicationContext`, needs no keys).
   * @default { keys: [], protectReads: false } (the development key outside production)
   */
  auth?: BatonAuthOptions;
  /**
   * Back-pressure on starts over REST: beyond either bound a start is answered 429 with Retry-After.
   * @default { maxStartsPerSecond: 1000, maxInFlight: 10000, inFlightRefreshMs: 500 }
   */
  admission?: SagaAdmissionOptions;
  /**
   * Bounds on every instance: more transitions or commands in flight than
   * this parks it as failed with the reason.
   * @default { maxTransitions: 1000, maxCommandsInFlight: 50 }
   */
  limits?: SagaLimits;
  /**
   * What GET /asyncapi.json says beyond the sagas and topics: the brokers
   * (`servers`), the title and the version.
   * @default { title: 'Baton orchestrator' }, no servers, the sagas' versions as the version
   */
  asyncApi?: Omit<AsyncApiOptions, 'topics'>;
  /**
   * The live stream of committed steps, GET /sagas/events.
   * @default { keepAliveMs: 15000, retryMs: 2000, maxQueuedEvents: 1000, maxReplayedEvents: 1000 }
   */
  events?: SagaEventsOptions;
  /**
   * GET /overview's series: how often this host samples its own step rates
   * (each replica its own steps) and the database's gauges (the whole
   * database). The last 180 samples are kept in memory.
   * @default { sampleIntervalMs: 5000 }
   */
  overview?: OverviewOptions;
}
