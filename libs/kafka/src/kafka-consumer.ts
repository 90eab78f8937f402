import type { Consumer, Kafka } from 'kafkajs';
import { errorMessage, type BatonLogger, type MessageHandler, type PartitionLag, type StartUpWait, type SubscribeOptions } from '@baton/core';
import { ConsumerCatchUp } from './consumer-catch-up';
import { readBacklog, readConsumerLag } from './consumer-offsets';
import { KAFKA_CLIENT_RETRY } from './kafka-client';
import type { MessageAttempts, Subscription } from './message-attempts';
import { PartitionBatchConsumer } from './partition-batch';

/** How the consumer takes part in its group (KafkaTransportOptions, with the defaults filled in). */
export interface ConsumerSettings {
  groupId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  partitionsConsumedConcurrently: number;
}

/**
 * The consuming side of the transport: the subscriptions, the kafkajs
 * consumer and its group membership (for `health`), the catch-up after a
 * join and the lag. Each partition's batches go to a PartitionBatchConsumer,
 * each message to MessageAttempts; offsets are committed by kafkajs from
 * what the batches resolved.
 */
export class KafkaConsumer {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly catchUp: ConsumerCatchUp;
  private readonly batches: PartitionBatchConsumer;
  private consumer?: Consumer;
  private joined = false;
  private closing = false;
  /** When the first join began, until it completed: its duration is worth a line after a restart. */
  private startedJoiningAt?: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: ConsumerSettings,
    attempts: MessageAttempts,
    private readonly logger: BatonLogger,
  ) {
    this.catchUp = new ConsumerCatchUp(
      (assignment) => readBacklog(this.kafka, this.settings.groupId, assignment),
      (error) => this.logger.warn(`Could not read the end offsets of the assigned partitions, trying again: ${errorMessage(error)}`),
    );
    this.batches = new PartitionBatchConsumer({
      subscriptionOf: (topic) => this.subscriptions.get(topic)!,
      attempts,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      resolved: (topic, partition, offset) => this.catchUp.handled(topic, partition, offset),
    });
  }

  subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions): void {
    if (this.subscriptions.has(topic)) throw new Error(`Topic "${topic}" already has a handler in this transport.`);
    this.subscriptions.set(topic, { handler, options });
  }

  /** The subscribed topics. */
  get topics(): string[] {
    return [...this.subscriptions.keys()];
  }

  /** Whether anything is subscribed: without, there is no consumer. */
  get subscribed(): boolean {
    return this.subscriptions.size > 0;
  }

  /** Whether the first join is under way (kafkajs's lines meanwhile are logged once each, see kafka-client.ts). */
  get joiningFirstTime(): boolean {
    return this.startedJoiningAt !== undefined;
  }

  /**
   * Connects a consumer and subscribes it to the subscribed topics, each
   * step through the start-up wait; `track` keeps the connect, to be undone
   * should the start fail.
   */
  async connect(startUp: StartUpWait, track: <T>(connect: Promise<T>) => Promise<T>): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.settings.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: this.settings.heartbeatIntervalMs,
      // kafkajs heartbeats after each fetch: an idle consumer's fetch must come back within a heartbeat interval.
      maxWaitTimeInMs: this.settings.heartbeatIntervalMs,
      // After a broker outage, rejoin however long it took rather than give up; after close, never.
      retry: { retries: KAFKA_CLIENT_RETRY.retries, restartOnFailure: async () => !this.closing },
    });
    this.consumer = consumer;
    this.watch(consumer);
    await startUp.run('connecting the consumer', () => track(consumer.connect()));
    await startUp.run('subscribing the consumer', () => consumer.subscribe({ topics: this.topics, fromBeginning: true }));
  }

  /**
   * Runs the connected consumer: it joins its group in the background (a
   * failed join crashes and restarts it, see the retry above), then hands
   * each partition's batches to the PartitionBatchConsumer.
   */
  run(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    this.startedJoiningAt = Date.now();
    this.logger.log(
      `Joining consumer group ${this.settings.groupId} in the background (a member that died without leaving ` +
        `holds its partitions for up to its session timeout, ${this.settings.sessionTimeoutMs} ms)`,
    );
    consumer
      .run({
        autoCommit: true,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.batches.consume(payload),
      })
      .catch((error: unknown) => this.logger.error(`The Kafka consumer could not start: ${errorMessage(error)}`));
  }

  /** Whether the consumer is in its group, as kafkajs last reported; undefined when nothing is subscribed. */
  health(): boolean | undefined {
    return this.subscribed ? this.joined : undefined;
  }

  /** Resolves once the backlog at the join has been handled (see ConsumerCatchUp); with nothing subscribed, at once. */
  caughtUp(): Promise<void> {
    return this.subscribed ? this.catchUp.done : Promise.resolve();
  }

  /** The group's lag on each partition of the subscribed topics (see readConsumerLag). */
  async lag(): Promise<PartitionLag[]> {
    const topics = this.topics;
    if (!topics.length) return [];
    return readConsumerLag(this.kafka, this.settings.groupId, topics);
  }

  /** Finishes the batch in hand (kafkajs commits its offsets), leaves the group and disconnects; no restart after it. */
  async close(): Promise<void> {
    this.closing = true;
    this.catchUp.stop();
    await this.consumer?.disconnect();
  }

  /** Forgets the consumer (a start failed) and hands it over, to be disconnected; the next `connect` makes a new one. */
  abandon(): Consumer | undefined {
    const { consumer } = this;
    this.consumer = undefined;
    return consumer;
  }

  /** In the group from its join until a crash (it restarts and joins again), a stop or a disconnect. */
  private watch(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      const partitions = Object.entries(payload.memberAssignment).map(([topic, assigned]) => `${topic} [${assigned.join(', ')}]`);
      const after = this.startedJoiningAt === undefined ? '' : ` ${Date.now() - this.startedJoiningAt} ms after it began`;
      this.startedJoiningAt = undefined;
      this.logger.log(`Joined consumer group ${this.settings.groupId}${after}; partitions: ${partitions.join(', ') || 'none'}`);
      this.catchUp.joined(payload.memberAssignment);
    });
    for (const event of [consumer.events.CRASH, consumer.events.STOP, consumer.events.DISCONNECT]) {
      consumer.on(event, () => (this.joined = false));
    }
  }
}
