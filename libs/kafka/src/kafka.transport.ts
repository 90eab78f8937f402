import { Kafka, type KafkaConfig } from 'kafkajs';
import {
  consoleLogger,
  type BatonLogger,
  type DeadLetterFailures,
  type MessageEnvelope,
  type MessageHandler,
  type PartitionLag,
  type SubscribeOptions,
  type Transport,
  type TransportHealth,
} from '@baton/core';
import { dependencyUnavailableTest } from './dependency-outage';
import { encodeMessage } from './header-codec';
import { KafkajsLog, START_UP_CLIENT_RETRY, kafkaClientConfig } from './kafka-client';
import { KafkaConsumer } from './kafka-consumer';
import { KafkaDeadLetters, deadLetterTopicOf } from './kafka-dead-letters';
import { KafkaProducer } from './kafka-producer';
import { KafkaTopicAdmin } from './kafka-topic-admin';
import {
  KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS,
  KAFKA_DEFAULT_MAX_ATTEMPTS,
  KAFKA_DEFAULT_MAX_RETRY_DELAY_MS,
  KAFKA_DEFAULT_PARTITIONS,
  KAFKA_DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
  KAFKA_DEFAULT_REPLICATION_FACTOR,
  KAFKA_DEFAULT_RETRY_DELAY_MS,
  KAFKA_DEFAULT_SESSION_TIMEOUT_MS,
  KAFKA_DEFAULT_START_TIMEOUT_MS,
} from './kafka-transport.defaults';
import type { KafkaTransportOptions } from './kafka-transport.options';
import { MessageAttempts } from './message-attempts';
import { KafkaStartUp } from './start-up-retry';

export { DLQ_SUFFIX } from './kafka-dead-letters';

/**
 * How long a failed start waits for what it opened to disconnect before it
 * fails: a broker that does not answer must not hang the way out, and a few
 * seconds let a broker that does answer see the clients leave.
 */
export const ABANDONED_START_DISCONNECT_TIMEOUT_MS = 5_000;

/**
 * The transport over Apache Kafka (kafkajs). Publishing uses an idempotent
 * producer with acks from all in-sync replicas, keyed by saga id. Consuming
 * runs each message through its handler and marks its offset only once the
 * handler resolved, i.e. once the database committed; offsets are committed
 * from those marks. A message that can never apply, or still fails after
 * bounded retries, becomes a dead letter (the subscriber's sink and
 * `<topic>.dlq`) and the partition moves on. A message whose handler finds
 * a dependency down (DependencyUnavailableError) waits for it instead,
 * however long, and is never dead-lettered for it.
 *
 * `start` resolves once the consumer is connected and subscribed; it joins
 * its group in the background (after a crash the group waits for the dead
 * member's session to time out first), and `health` says when it has. A
 * cluster that is not there yet or still starting is waited for, within
 * `startTimeoutMs` (see start-up-retry.ts).
 *
 * Each role is a part of its own: KafkaProducer, KafkaTopicAdmin,
 * KafkaConsumer (with PartitionBatchConsumer and MessageAttempts) and
 * KafkaDeadLetters; this class composes them and runs the start.
 */
export class KafkaTransport implements Transport {
  private readonly logger: BatonLogger;
  private readonly startUp: KafkaStartUp;
  private readonly producer: KafkaProducer;
  private readonly topicAdmin: KafkaTopicAdmin;
  private readonly deadLetters: KafkaDeadLetters;
  private readonly consumer: KafkaConsumer;
  private started = false;
  private closed = false;

  constructor(
    options: KafkaTransportOptions,
    createClient: (config: KafkaConfig) => Kafka = (config) => new Kafka(config),
  ) {
    const logger = (this.logger = options.logger ?? consoleLogger);
    this.startUp = new KafkaStartUp(options.brokers, options.startTimeoutMs ?? KAFKA_DEFAULT_START_TIMEOUT_MS, logger);
    const kafkajsLog = new KafkajsLog(logger, {
      starting: () => this.startUp.active,
      joiningFirstTime: () => this.consumer.joiningFirstTime,
    });
    const config = kafkaClientConfig(options, kafkajsLog);
    const kafka = createClient(config);
    this.producer = new KafkaProducer(kafka);
    // The same cluster for the steps of a start, without kafkajs's retries (see START_UP_CLIENT_RETRY).
    this.topicAdmin = new KafkaTopicAdmin(
      createClient({ ...config, retry: START_UP_CLIENT_RETRY }),
      {
        partitions: options.partitions ?? KAFKA_DEFAULT_PARTITIONS,
        replicationFactor: options.replicationFactor ?? KAFKA_DEFAULT_REPLICATION_FACTOR,
      },
      logger,
    );
    const isDependencyUnavailable = dependencyUnavailableTest(options.isDependencyUnavailable);
    this.deadLetters = new KafkaDeadLetters(() => this.producer.connect(), options.groupId, isDependencyUnavailable, logger);
    const attempts = new MessageAttempts(
      {
        maxAttempts: options.maxAttempts ?? KAFKA_DEFAULT_MAX_ATTEMPTS,
        retryDelayMs: options.retryDelayMs ?? KAFKA_DEFAULT_RETRY_DELAY_MS,
        maxRetryDelayMs: options.maxRetryDelayMs ?? KAFKA_DEFAULT_MAX_RETRY_DELAY_MS,
        isDependencyUnavailable,
      },
      (letter) => this.deadLetters.deadLetter(letter),
      logger,
    );
    this.consumer = new KafkaConsumer(
      kafka,
      {
        groupId: options.groupId,
        sessionTimeoutMs: options.sessionTimeoutMs ?? KAFKA_DEFAULT_SESSION_TIMEOUT_MS,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? KAFKA_DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
      },
      attempts,
      logger,
    );
  }

  /**
   * Resolves once the broker acknowledged the message (all in-sync
   * replicas). Messages published while a produce request is in flight go
   * together in the next one, in the order they were published.
   */
  async publish(topic: string, envelope: MessageEnvelope): Promise<void> {
    if (this.closed) throw new Error('The Kafka transport is closed.');
    await this.producer.publish(topic, encodeMessage(envelope));
  }

  async subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions): Promise<void> {
    if (this.started) throw new Error(`Subscribe to "${topic}" before the Kafka transport starts.`);
    this.consumer.subscribe(topic, handler, options);
  }

  /**
   * Creates the missing ones among `topics`, and the dead-letter topic of
   * every subscribed topic, then waits until every partition of each has a
   * leader. A cluster that is not there yet or still starting is waited for,
   * within `startTimeoutMs`.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set([...topics, ...this.consumer.topics.map(deadLetterTopicOf)])];
    await this.startUp.during((startUp) => this.topicAdmin.ensure(wanted, startUp));
  }

  /**
   * Connects the producer and, with subscriptions, the consumer; resolves
   * once it is subscribed, without waiting for the group to let it in: the
   * join can take a whole session timeout after a crash (the dead member
   * must be evicted first), and the process should serve meanwhile. The
   * consumer joins in the background; `health` reports it, `caughtUp` says
   * when it has handled what was waiting. A cluster that is not there yet or
   * still starting is waited for, within `startTimeoutMs`; if it does not
   * answer by then, or answers with an error no waiting fixes, `start`
   * closes what it opened and fails (and may be called again).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // Connects under way: one given up on at the deadline may still succeed, and must then be undone.
    const connecting: Array<Promise<unknown>> = [];
    const track = <T>(connect: Promise<T>): Promise<T> => {
      connecting.push(connect);
      return connect;
    };
    try {
      await this.startUp.during(async (startUp) => {
        // Topics first, even with none to create: its short attempts find out whether the cluster answers,
        // before the producer's and the consumer's own, longer retries.
        await this.ensureTopics(this.consumer.topics);
        await startUp.run('connecting the producer', () => track(this.producer.connect()));
        if (this.consumer.subscribed) await this.consumer.connect(startUp, track);
      });
    } catch (error) {
      await this.abandonStart(connecting);
      throw error;
    }
    this.consumer.run();
  }

  /**
   * After a failed start: disconnects what it connected (or is still
   * connecting: kafkajs would go on retrying, and its sockets and timers keep
   * a process alive), again once a connect still under way ends, so `start`
   * may be called again. Bounded: a start that failed must not hang on the
   * way out.
   */
  private async abandonStart(connecting: Array<Promise<unknown>>): Promise<void> {
    const consumer = this.consumer.abandon();
    const producer = this.producer.abandon();
    this.started = false;
    const disconnect = () => Promise.allSettled([consumer?.disconnect(), producer?.disconnect()]);
    void Promise.allSettled(connecting).then(disconnect);
    const disconnected = disconnect();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([disconnected, new Promise((resolve) => (timer = setTimeout(resolve, ABANDONED_START_DISCONNECT_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  /** Finishes the batch in hand, commits its offsets, leaves the group, sends what was handed over, disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.consumer.close();
    await this.producer.close();
  }

  /** Whether the producer is connected and the consumer in its group, as kafkajs last reported. */
  health(): TransportHealth {
    return { producer: this.producer.connected, consumer: this.consumer.health() };
  }

  /**
   * Resolves once the consumer has handled every message that was in its
   * assigned partitions, beyond the group's committed offsets, when it first
   * joined its group (again on a rebalance before that). With nothing
   * subscribed, at once. May never resolve (the broker is gone): bound the wait.
   */
  caughtUp(): Promise<void> {
    return this.consumer.caughtUp();
  }

  /**
   * How many messages of each partition of the subscribed topics the
   * consumer group has not committed yet: the partition's end offset minus
   * the group's committed offset (minus its start, before the group committed
   * any). A short-lived admin client with one retry, so a broker that is down
   * fails this quickly.
   */
  consumerLag(): Promise<PartitionLag[]> {
    return this.consumer.lag();
  }

  /** Dead letters this transport could not keep in full since it started; see DeadLetterFailures. */
  deadLetterFailures(): DeadLetterFailures {
    return this.deadLetters.counts();
  }
}
