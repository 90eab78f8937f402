import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { BatonLogger } from '@baton/core';

/** Options of the Kafka transport. */
export interface KafkaTransportOptions {
  /** Bootstrap brokers, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  /** Client id in broker logs and quotas. @default 'baton' */
  clientId?: string;
  /** Consumer group: every replica of one service shares it. */
  groupId: string;
  /** TLS: true for the system CAs, or Node TLS options. @default false */
  ssl?: boolean | ConnectionOptions;
  /** SASL (plain, scram-sha-256, scram-sha-512). @default none */
  sasl?: SASLOptions;
  /** Partitions of the topics this transport creates. @default 6 */
  partitions?: number;
  /** Replication factor of the topics it creates; -1 uses the broker's default. @default -1 */
  replicationFactor?: number;
  /** Attempts at a message whose handler fails transiently, before it is dead-lettered. @default 5 */
  maxAttempts?: number;
  /** Backoff between attempts: first delay, doubled up to the max. @default 200 / 5000 */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /**
   * Partition batches handled at the same time (each saga's messages stay in
   * order). The consumer fetches again only once every batch of a fetch is
   * done, and the handlers apply concurrent messages in shared transactions,
   * so this is best at least the number of partitions consumed. @default 64
   */
  partitionsConsumedConcurrently?: number;
  logger?: BatonLogger;
}
