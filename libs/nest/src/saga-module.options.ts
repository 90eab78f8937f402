import type { SagaDefinition, Transport } from '@baton/core';
import type { BatonDataSourceOptions, OutboxRelayOptions, TimerPollerOptions } from '@baton/postgres';

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
  /** Timer poller tuning. @default { pollIntervalMs: 250, batchSize: 100 } */
  timers?: Omit<TimerPollerOptions, 'logger'>;
  /** Outbox relay tuning. @default { batchSize: 100, leaseMs: 5000, concurrency: 16 } */
  relay?: Omit<OutboxRelayOptions, 'logger' | 'name'>;
}
