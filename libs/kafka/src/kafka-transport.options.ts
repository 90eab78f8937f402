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
  /**
   * Backoff between attempts: first delay, doubled up to the max. The same
   * backoff paces a message that waits for a dependency that is down
   * (see `isDependencyUnavailable`). @default 200
   */
  retryDelayMs?: number;
  /** Longest backoff between two attempts at a message. @default 5000 */
  maxRetryDelayMs?: number;
  /**
   * Partition batches handled at the same time (each saga's messages stay in
   * order). The consumer fetches again only once every batch of a fetch is
   * done, and the handlers apply concurrent messages in shared transactions,
   * so this is best at least the number of partitions consumed. @default 64
   */
  partitionsConsumedConcurrently?: number;
  /**
   * How long the group keeps a consumer that stopped heartbeating. A process
   * killed without leaving its group stays a member this long, and its
   * replacement (or any other replica) gets its partitions only afterwards:
   * replies wait about this long after a crash. Shorter means faster
   * recovery, but a member whose heartbeats stall this long (a process
   * starved of CPU) is evicted and the group rebalances. The broker refuses
   * values outside group.min.session.timeout.ms (6 s by default) and
   * group.max.session.timeout.ms (30 min). @default 6000
   */
  sessionTimeoutMs?: number;
  /**
   * How often the consumer heartbeats: also while a batch is in hand (its
   * messages waiting for the database, say), and, through the fetch's
   * longest wait, while idle. A member learns of a rebalance at its next
   * heartbeat. Must be well below `sessionTimeoutMs`. @default 1000
   */
  heartbeatIntervalMs?: number;
  /**
   * Whether a handler's error means a dependency is down rather than that
   * the message failed: such a message waits and is tried again, without
   * limit and without counting an attempt, and is never dead-lettered. A
   * dead-letter sink that fails so is waited for too.
   * `DependencyUnavailableError` always counts; this recognises more (a
   * database driver's own errors that reach the transport unconverted).
   * @default only DependencyUnavailableError
   */
  isDependencyUnavailable?: (error: unknown) => boolean;
  /**
   * How long `ensureTopics`, and `start`, each wait for a cluster that is
   * not there yet or still starting (connection refused, metadata not yet
   * propagated, no leader or controller yet), trying again with capped
   * backoff. Then it fails with a StartUpTimeoutError (a
   * DependencyUnavailableError) naming the brokers, the step and the last
   * error. Errors no waiting fixes (authentication, an invalid replication
   * factor, a policy violation) fail at once. @default 60000
   */
  startTimeoutMs?: number;
  /** Where the transport logs (topics created, waits, dead letters). @default consoleLogger */
  logger?: BatonLogger;
}
