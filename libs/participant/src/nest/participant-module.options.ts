import type { DataSource } from 'typeorm';
import type { MessageEnvelope, Transport } from '@baton/core';
import type { DatabaseOptions } from '@baton/postgres';
import type { CommandBatchingOptions } from '../participant-worker';

/** Options of `ParticipantModule.forRoot` / `forRootAsync`. */
export interface ParticipantModuleOptions {
  /**
   * The participant's database: options to open its own (the participant
   * migrations run on it, plus `database.migrations`), or a DataSource the app
   * already has (its migrations must include PARTICIPANT_MIGRATIONS).
   */
  database: DatabaseOptions | DataSource;
  /** How commands arrive and replies leave: a KafkaTransport, or the host's in-process transport. */
  transport: Transport;
  /** Topic naming, as on the orchestrator. @default { prefix: '', replies: 'saga.replies' } */
  topics?: { prefix?: string; replies?: string };
  /**
   * Whether this module starts and, on shutdown, closes the transport. False
   * when the app's SagaModule shares it and does that. @default true
   */
  manageTransport?: boolean;
  /** How commands that arrive together share a transaction. @default { maxBatchSize: 64, concurrency: 1 } per participant */
  batching?: CommandBatchingOptions;
  /** Runs before each command, outside any transaction. @default none */
  beforeHandle?: (envelope: MessageEnvelope) => Promise<void>;
}
