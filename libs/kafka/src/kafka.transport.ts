import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type KafkaConfig,
  type KafkaMessage,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import {
  BatchQueue,
  DependencyUnavailableError,
  PermanentMessageError,
  consoleLogger,
  withLogContext,
  type BatonLogger,
  type DeadLetter,
  type DeadLetterFailures,
  type DeadLetterSink,
  type MessageEnvelope,
  type MessageHandler,
  type PartitionLag,
  type Settled,
  type StartUpWait,
  type SubscribeOptions,
  type Transport,
  type TransportHealth,
  errorMessage,
} from '@baton/core';
import { BatchHeartbeat } from './batch-heartbeat';
import { ConsumerCatchUp, partitionKey, type Assignment, type Backlog } from './consumer-catch-up';
import { decodeMessage, encodeMessage, rawOf } from './header-codec';
import {
  KAFKA_DEFAULT_CLIENT_ID,
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
import { refusedByBroker } from './kafkajs-errors';
import { logContextOfMessage } from './message-log-context';
import type { KafkaTransportOptions } from './kafka-transport.options';
import { KafkaNotReadyError, kafkaStartUpWait } from './start-up-retry';

interface Subscription {
  handler: MessageHandler;
  options: SubscribeOptions;
}

/** A message given up on, with why and after how many attempts, for its subscriber's sink and `<topic>.dlq`. */
interface Letter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  envelope: MessageEnvelope | undefined;
  attempts: number;
  reason: string;
  options: SubscribeOptions;
}

export const DLQ_SUFFIX = '.dlq';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function onlyAlreadyExists(error: unknown): boolean {
  const { type, errors } = error as { type?: string; errors?: Array<{ type?: string }> };
  if (type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS');
}

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
 */
export class KafkaTransport implements Transport {
  private readonly kafka: Kafka;
  /**
   * The same cluster for the steps of a start, without kafkajs's retries:
   * its cluster would retry a refused connection for about a minute within
   * one call, whatever the admin's own retry says. The start-up wait paces
   * the attempts instead, within its budget, and logs what it waits for.
   */
  private readonly startUpKafka: Kafka;
  private readonly logger: BatonLogger;
  private readonly subscriptions = new Map<string, Subscription>();
  private producer?: Producer;
  private producerReady?: Promise<void>;
  private consumer?: Consumer;
  /** What publish hands over, sent one produce request at a time (the idempotent producer allows one in flight). */
  private readonly outgoing = new BatchQueue<{ topic: string; message: Message }, void>((batch) => this.send(batch), {
    maxBatchSize: 1000,
  });
  private readonly catchUp: ConsumerCatchUp;
  private readonly heartbeatIntervalMs: number;
  private readonly sessionTimeoutMs: number;
  /** When the first join began, until it completed: its duration is worth a line after a restart. */
  private startedJoiningAt?: number;
  /** kafkajs lines logged during the first join, each once (see `log`). */
  private readonly firstJoinLines = new Set<string>();
  private started = false;
  private closed = false;
  private producerConnected = false;
  private consumerJoined = false;
  /** Since when handlers have found a dependency down (logged once per outage), until one succeeds again. */
  private outage?: { since: number; dependency: string };
  /** Dead letters not kept in full since the start; each is logged too. */
  private readonly letterFailures: DeadLetterFailures = { withoutEnvelope: 0, notRecorded: 0, notCopied: 0 };
  /** While `ensureTopics` or `start` runs: how it waits for a cluster that is still starting. */
  private startUp?: StartUpWait;

  constructor(
    private readonly options: KafkaTransportOptions,
    createClient: (config: KafkaConfig) => Kafka = (config) => new Kafka(config),
  ) {
    this.logger = options.logger ?? consoleLogger;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? KAFKA_DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? KAFKA_DEFAULT_SESSION_TIMEOUT_MS;
    const config: KafkaConfig = {
      clientId: options.clientId ?? KAFKA_DEFAULT_CLIENT_ID,
      brokers: options.brokers,
      ssl: options.ssl,
      sasl: options.sasl,
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => this.log(entry),
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 10_000 },
    };
    this.kafka = createClient(config);
    this.startUpKafka = createClient({ ...config, retry: { retries: 0 } });
    this.catchUp = new ConsumerCatchUp(
      (assignment) => this.backlogOf(assignment),
      (error) => this.logger.warn(`Could not read the end offsets of the assigned partitions, trying again: ${errorMessage(error)}`),
    );
  }

  /**
   * Resolves once the broker acknowledged the message (all in-sync
   * replicas). Messages published while a produce request is in flight go
   * together in the next one, in the order they were published.
   */
  async publish(topic: string, envelope: MessageEnvelope): Promise<void> {
    if (this.closed) throw new Error('The Kafka transport is closed.');
    await this.outgoing.push({ topic, message: encodeMessage(envelope) });
  }

  /** One produce request for a batch; if it fails, every message of it fails (the relay retries them). */
  private async send(batch: Array<{ topic: string; message: Message }>): Promise<Array<Settled<void>>> {
    try {
      const producer = await this.connectedProducer();
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of batch) {
        const messages = byTopic.get(topic);
        if (messages) messages.push(message);
        else byTopic.set(topic, [message]);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      return batch.map(() => ({ ok: true, value: undefined }));
    } catch (error) {
      return batch.map(() => ({ ok: false, error }));
    }
  }

  async subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions): Promise<void> {
    if (this.started) throw new Error(`Subscribe to "${topic}" before the Kafka transport starts.`);
    if (this.subscriptions.has(topic)) throw new Error(`Topic "${topic}" already has a handler in this transport.`);
    this.subscriptions.set(topic, { handler, options });
  }

  /**
   * Creates the missing ones among `topics`, and the dead-letter topic of
   * every subscribed topic, then waits until every partition of each has a
   * leader. A cluster that is not there yet or still starting is waited for,
   * within `startTimeoutMs`.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    const wanted = [...new Set([...topics, ...[...this.subscriptions.keys()].map((t) => t + DLQ_SUFFIX)])];
    await this.duringStartUp(async (startUp) => {
      // One try per call: the start-up wait paces the attempts, within its budget.
      const admin: Admin = this.startUpKafka.admin();
      // Each attempt connects first, in case the broker dropped the connection meanwhile (when connected, a no-op).
      const connected =
        <T>(call: () => Promise<T>) =>
        async (): Promise<T> => {
          await admin.connect();
          return call();
        };
      try {
        const existing = new Set(await startUp.run('listing topics', connected(() => admin.listTopics())));
        const missing = wanted.filter((topic) => !existing.has(topic));
        if (missing.length) await startUp.run(`creating topics ${missing.join(', ')}`, connected(() => this.createTopics(admin, missing)));
        if (wanted.length) await startUp.run(`waiting for leaders of topics ${wanted.join(', ')}`, connected(() => this.topicsLed(admin, wanted)));
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    });
  }

  private async createTopics(admin: Admin, topics: string[]): Promise<void> {
    try {
      // Leaders are waited for next, through the start-up wait (kafkajs's own wait gives up after 5 s).
      const created = await admin.createTopics({
        waitForLeaders: false,
        topics: topics.map((topic) => ({
          topic,
          numPartitions: this.options.partitions ?? KAFKA_DEFAULT_PARTITIONS,
          replicationFactor: this.options.replicationFactor ?? KAFKA_DEFAULT_REPLICATION_FACTOR,
        })),
      });
      if (created) this.logger.log(`Created Kafka topics: ${topics.join(', ')}`);
    } catch (error) {
      // Another service (or replica) created some of them at the same moment, or an attempt before this one did: fine.
      if (!onlyAlreadyExists(error)) throw error;
    }
  }

  /** Resolves once every partition of every topic has a leader: right after creation, metadata lags. */
  private async topicsLed(admin: Admin, topics: string[]): Promise<void> {
    const { topics: found } = await admin.fetchTopicMetadata({ topics });
    const unled = topics.filter((name) => {
      const topic = found.find((t) => t.name === name);
      return !topic?.partitions.length || topic.partitions.some((p) => p.leader < 0);
    });
    if (unled.length) throw new KafkaNotReadyError(`Not every partition has a leader yet: ${unled.join(', ')}`);
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
      await this.duringStartUp(async (startUp) => {
        // Topics first, even with none to create: its short attempts find out whether the cluster answers,
        // before the producer's and the consumer's own, longer retries.
        await this.ensureTopics([...this.subscriptions.keys()]);
        await startUp.run('connecting the producer', () => track(this.connectedProducer()));
        if (!this.subscriptions.size) return;
        const consumer = this.kafka.consumer({
          groupId: this.options.groupId,
          sessionTimeout: this.sessionTimeoutMs,
          heartbeatInterval: this.heartbeatIntervalMs,
          // kafkajs heartbeats after each fetch: an idle consumer's fetch must come back within a heartbeat interval.
          maxWaitTimeInMs: this.heartbeatIntervalMs,
          // After a broker outage, rejoin however long it took rather than give up; after close, never.
          retry: { retries: 10, restartOnFailure: async () => !this.closed },
        });
        this.consumer = consumer;
        this.watchConsumer(consumer);
        await startUp.run('connecting the consumer', () => track(consumer.connect()));
        await startUp.run('subscribing the consumer', () => consumer.subscribe({ topics: [...this.subscriptions.keys()], fromBeginning: true }));
      });
    } catch (error) {
      await this.abandonStart(connecting);
      throw error;
    }
    const consumer = this.consumer;
    if (!consumer) return;
    this.startedJoiningAt = Date.now();
    this.logger.log(
      `Joining consumer group ${this.options.groupId} in the background (a member that died without leaving ` +
        `holds its partitions for up to its session timeout, ${this.sessionTimeoutMs} ms)`,
    );
    // Resolves once the group let it in (a failed join crashes and restarts the consumer, see retry above).
    consumer
      .run({
        autoCommit: true,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? KAFKA_DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
        eachBatch: (payload) => this.consumeBatch(payload),
      })
      .catch((error: unknown) => this.logger.error(`The Kafka consumer could not start: ${errorMessage(error)}`));
  }

  /**
   * Runs `work` with the start-up wait: `start`'s, when called from it (one
   * budget for all its steps), else one of its own. Meanwhile kafkajs's own
   * lines about a cluster that does not answer yet go to debug: the wait
   * logs one line per kind of wait instead of kafkajs's one per attempt.
   */
  private async duringStartUp(work: (startUp: StartUpWait) => Promise<void>): Promise<void> {
    if (this.startUp) return work(this.startUp);
    const startUp = kafkaStartUpWait(this.options.brokers, this.options.startTimeoutMs ?? KAFKA_DEFAULT_START_TIMEOUT_MS, this.logger);
    this.startUp = startUp;
    try {
      await work(startUp);
      startUp.done();
    } finally {
      this.startUp = undefined;
    }
  }

  /**
   * After a failed start: disconnects what it connected (or is still
   * connecting: kafkajs would go on retrying, and its sockets and timers keep
   * a process alive), again once a connect still under way ends, so `start`
   * may be called again. Bounded: a start that failed must not hang on the
   * way out.
   */
  private async abandonStart(connecting: Array<Promise<unknown>>): Promise<void> {
    const { consumer, producer } = this;
    this.consumer = undefined;
    this.producer = undefined;
    this.producerReady = undefined;
    this.started = false;
    const disconnect = () => Promise.allSettled([consumer?.disconnect(), producer?.disconnect()]);
    void Promise.allSettled(connecting).then(disconnect);
    const disconnected = disconnect();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([disconnected, new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
  }

  /** Finishes the batch in hand, commits its offsets, leaves the group, sends what was handed over, disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.catchUp.stop();
    await this.consumer?.disconnect();
    await this.outgoing.idle();
    await this.producer?.disconnect();
  }

  /** Whether the producer is connected and the consumer in its group, as kafkajs last reported. */
  health(): TransportHealth {
    return { producer: this.producerConnected, consumer: this.subscriptions.size ? this.consumerJoined : undefined };
  }

  /**
   * Resolves once the consumer has handled every message that was in its
   * assigned partitions, beyond the group's committed offsets, when it first
   * joined its group (again on a rebalance before that). With nothing
   * subscribed, at once. May never resolve (the broker is gone): bound the wait.
   */
  caughtUp(): Promise<void> {
    return this.subscriptions.size ? this.catchUp.done : Promise.resolve();
  }

  /**
   * How many messages of each partition of the subscribed topics the
   * consumer group has not committed yet: the partition's end offset minus
   * the group's committed offset (minus its start, before the group committed
   * any). A short-lived admin client with one retry, so a broker that is down
   * fails this quickly.
   */
  async consumerLag(): Promise<PartitionLag[]> {
    const topics = [...this.subscriptions.keys()];
    if (!topics.length) return [];
    const admin = this.kafka.admin({ retry: { retries: 1 } });
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
      const lags: PartitionLag[] = [];
      for (const { topic, partitions } of committed) {
        for (const end of await admin.fetchTopicOffsets(topic)) {
          const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
          const from = offset >= 0 ? offset : Number(end.low);
          lags.push({ topic, partition: end.partition, lag: Math.max(0, Number(end.high) - from) });
        }
      }
      return lags;
    } finally {
      await admin.disconnect();
    }
  }

  /** Dead letters this transport could not keep in full since it started; see DeadLetterFailures. */
  deadLetterFailures(): DeadLetterFailures {
    return { ...this.letterFailures };
  }

  /**
   * The backlog of an assignment: for each assigned partition whose end
   * offset is beyond the group's committed offset, that end offset.
   */
  private async backlogOf(assignment: Assignment): Promise<Backlog> {
    const topics = Object.keys(assignment).filter((topic) => assignment[topic].length);
    const backlog: Backlog = new Map();
    if (!topics.length) return backlog;
    const admin = this.kafka.admin({ retry: { retries: 2 } });
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
      for (const topic of topics) {
        const partitions = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const end of await admin.fetchTopicOffsets(topic)) {
          if (!assignment[topic].includes(end.partition)) continue;
          const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
          const from = offset >= 0 ? offset : Number(end.low);
          if (Number(end.high) > from) backlog.set(partitionKey(topic, end.partition), Number(end.high));
        }
      }
      return backlog;
    } finally {
      await admin.disconnect();
    }
  }

  private watchProducer(producer: Producer): void {
    producer.on(producer.events.CONNECT, () => (this.producerConnected = true));
    producer.on(producer.events.DISCONNECT, () => (this.producerConnected = false));
  }

  /** In the group from its join until a crash (it restarts and joins again), a stop or a disconnect. */
  private watchConsumer(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.consumerJoined = true;
      const partitions = Object.entries(payload.memberAssignment).map(([topic, assigned]) => `${topic} [${assigned.join(', ')}]`);
      const after = this.startedJoiningAt === undefined ? '' : ` ${Date.now() - this.startedJoiningAt} ms after it began`;
      this.startedJoiningAt = undefined;
      this.logger.log(`Joined consumer group ${this.options.groupId}${after}; partitions: ${partitions.join(', ') || 'none'}`);
      this.catchUp.joined(payload.memberAssignment);
    });
    for (const event of [consumer.events.CRASH, consumer.events.STOP, consumer.events.DISCONNECT]) {
      consumer.on(event, () => (this.consumerJoined = false));
    }
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producerReady) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        // Murmur2 on the key, as the Java client: a saga's messages land on one partition.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      this.producer = producer;
      this.watchProducer(producer);
      this.producerReady = producer.connect().catch((error) => {
        this.producerReady = undefined;
        throw error;
      });
    }
    return this.producerReady.then(() => this.producer!);
  }

  /**
   * Handles a partition's batch: the messages of one key (saga) one after
   * the other, different keys side by side, so the handler can apply many
   * sagas' messages together while each saga's stay in order. An offset is
   * resolved only once it and every message before it have been handled,
   * i.e. their database transactions committed. The member heartbeats in the
   * background meanwhile; once it cannot (a rebalance began), or the
   * consumer stops, no further message of the batch is started, and what was
   * not handled comes again.
   */
  private async consumeBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload) {
    const subscription = this.subscriptions.get(batch.topic)!;
    const { messages } = batch;
    const handled = messages.map(() => false);
    let resolved = 0;
    const chains = new Map<string, number[]>();
    messages.forEach((message, i) => {
      const key = message.key?.toString('utf8') ?? `#${i}`;
      const chain = chains.get(key);
      if (chain) chain.push(i);
      else chains.set(key, [i]);
    });
    const keepAlive = new BatchHeartbeat(heartbeat, this.heartbeatIntervalMs);
    const givenUp = () => !isRunning() || isStale() || keepAlive.failed;
    let settled: Array<PromiseSettledResult<void>>;
    try {
      settled = await Promise.allSettled(
        [...chains.values()].map(async (chain) => {
          for (const i of chain) {
            if (givenUp()) return;
            const done = await withLogContext(logContextOfMessage(messages[i]), () =>
              this.consumeMessage(batch.topic, batch.partition, messages[i], subscription, givenUp),
            );
            if (!done) return;
            handled[i] = true;
            // Only now, with the handler's transaction committed, may the offset move past it.
            while (resolved < messages.length && handled[resolved]) {
              const { offset } = messages[resolved++];
              resolveOffset(offset);
              this.catchUp.handled(batch.topic, batch.partition, offset);
            }
          }
        }),
      );
    } finally {
      await keepAlive.stop();
    }
    await commitOffsetsIfNecessary();
    // A failed heartbeat first: kafkajs rejoins the group on a rebalance error.
    if (keepAlive.failed) throw keepAlive.failure;
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Runs the handler until it succeeds, the message is dead-lettered, or the
   * batch is given up (`givenUp`); resolves true when the message is done
   * with. A dependency that is down is waited out: tried again with capped
   * backoff, however long, without counting an attempt.
   */
  private async consumeMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    { handler, options }: Subscription,
    givenUp: () => boolean,
  ): Promise<boolean> {
    let envelope: MessageEnvelope | undefined;
    const maxAttempts = this.options.maxAttempts ?? KAFKA_DEFAULT_MAX_ATTEMPTS;
    let waits = 0;
    for (let attempt = 1; ; ) {
      try {
        envelope ??= decodeMessage(message);
        await handler(envelope);
        this.outageOver();
        return true;
      } catch (error) {
        if (this.isDependencyUnavailable(error)) {
          if (givenUp()) return false;
          const delay = this.backoff(++waits);
          this.outageBegan(topic, error, delay);
          await this.pause(delay, givenUp);
          if (givenUp()) return false;
          continue;
        }
        const reason = errorMessage(error);
        if (error instanceof PermanentMessageError || attempt >= maxAttempts) {
          return this.deadLetterWaiting({ topic, partition, message, envelope, attempts: attempt, reason, options }, givenUp);
        }
        const delay = this.backoff(attempt);
        this.logger.warn(`Message ${message.offset} on ${topic} failed (attempt ${attempt}), retrying in ${delay} ms: ${reason}`);
        await sleep(delay);
        attempt++;
      }
    }
  }

  /**
   * Dead-letters the message. A sink that finds its database down is waited
   * for like a handler: the message is neither lost nor handled again from
   * the start. Resolves false when the batch is given up meanwhile (the
   * message comes again); any other failure propagates (so does it).
   */
  private async deadLetterWaiting(letter: Letter, givenUp: () => boolean): Promise<boolean> {
    for (let waits = 0; ; ) {
      try {
        await this.deadLetter(letter);
        this.outageOver();
        return true;
      } catch (error) {
        if (!this.isDependencyUnavailable(error)) throw error;
        if (givenUp()) return false;
        const delay = this.backoff(++waits);
        this.outageBegan(letter.topic, error, delay);
        await this.pause(delay, givenUp);
        if (givenUp()) return false;
      }
    }
  }

  private isDependencyUnavailable(error: unknown): boolean {
    return error instanceof DependencyUnavailableError || !!this.options.isDependencyUnavailable?.(error);
  }

  private backoff(attempt: number): number {
    const first = this.options.retryDelayMs ?? KAFKA_DEFAULT_RETRY_DELAY_MS;
    return Math.min(this.options.maxRetryDelayMs ?? KAFKA_DEFAULT_MAX_RETRY_DELAY_MS, first * 2 ** (attempt - 1));
  }

  /** Waits `ms`, or less once the batch is given up. */
  private async pause(ms: number, givenUp: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (!givenUp() && Date.now() < until) await sleep(Math.min(250, until - Date.now()));
  }

  private outageBegan(topic: string, error: unknown, delay: number): void {
    if (this.outage) return;
    const known = error instanceof DependencyUnavailableError;
    const dependency = known ? error.dependency : 'a dependency';
    this.outage = { since: Date.now(), dependency };
    this.logger.warn(
      `Consuming ${topic}: ${known ? errorMessage(error) : `a dependency is unavailable: ${errorMessage(error)}`}. Messages wait and are tried again ` +
        `(first in ${delay} ms, then at most every ${this.backoff(Infinity)} ms) until it is back, without counting attempts or dead-lettering them.`,
    );
  }

  private outageOver(): void {
    if (!this.outage) return;
    const { since, dependency } = this.outage;
    this.outage = undefined;
    this.logger.log(`${dependency} is available again after ${((Date.now() - since) / 1000).toFixed(1)} s: messages are handled again.`);
  }

  /**
   * Records the dead letter with the subscriber's sink, then copies the
   * message to `<topic>.dlq`. Neither may fail for what the message holds,
   * or its partition would never move past it: a letter the sink refuses is
   * recorded again without its decoded envelope (the raw bytes and the
   * error, storable whatever they are); a letter refused even so, or a copy
   * the broker refuses (too large, say), is logged and counted, and the
   * partition moves on. A database or broker that is unavailable propagates:
   * the message is waited on or comes again.
   */
  private async deadLetter(letter: Letter): Promise<void> {
    const { topic, partition, message, attempts, reason } = letter;
    const where = `message ${message.offset} on ${topic} [${partition}]`;
    this.logger.warn(`Dead-lettering ${where} after ${attempts} attempt(s): ${reason}`);
    const raw = rawOf(message);
    await this.recordLetter(letter.options.deadLetters, { topic, reason, attempts, envelope: letter.envelope, raw }, where);
    await this.copyToDeadLetterTopic(letter, where);
  }

  private async recordLetter(sink: DeadLetterSink, letter: DeadLetter, where: string): Promise<void> {
    try {
      await sink.record(letter);
      return;
    } catch (error) {
      if (this.isDependencyUnavailable(error) || !letter.envelope) return this.notRecorded(error, where);
      this.letterFailures.withoutEnvelope++;
      this.logger.error(`The dead letter of ${where} could not be recorded with its envelope (${errorMessage(error)}); recording its raw bytes only`);
      const { envelope: _refused, ...bare } = letter;
      try {
        await sink.record({ ...bare, reason: `${letter.reason} (recorded without its envelope, refused by the sink: ${errorMessage(error)})` });
      } catch (again) {
        this.notRecorded(again, where);
      }
    }
  }

  /** A sink that cannot record even the raw message: the .dlq copy keeps it; unless the database is down (then wait). */
  private notRecorded(error: unknown, where: string): void {
    if (this.isDependencyUnavailable(error)) throw error;
    this.letterFailures.notRecorded++;
    this.logger.error(
      `The dead letter of ${where} could not be recorded at all (${errorMessage(error)}); its copy on the dead-letter topic is what remains. Moving on.`,
    );
  }

  private async copyToDeadLetterTopic({ topic, message, attempts, reason }: Letter, where: string): Promise<void> {
    const producer = await this.connectedProducer();
    try {
      await producer.send({
        topic: topic + DLQ_SUFFIX,
        acks: -1,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: {
              ...message.headers,
              'dead-letter-reason': reason.slice(0, 2000),
              'dead-letter-attempts': String(attempts),
              'dead-letter-group': this.options.groupId,
            },
          },
        ],
      });
    } catch (error) {
      if (!refusedByBroker(error)) throw error;
      this.letterFailures.notCopied++;
      this.logger.error(`The broker refused the copy of ${where} for ${topic + DLQ_SUFFIX} (${errorMessage(error)}); the dead letter is in the table only.`);
    }
  }

  private log({ level, log }: LogEntry): void {
    // Retries are bounded on purpose (the relay retries with backoff, the inbox dedupes); not a problem here.
    if (log.message.startsWith('Limiting retries for the idempotent producer')) return;
    const text = `kafkajs ${log.message}${log.error ? `: ${log.error}` : ''}`;
    // Starting: the start-up wait says what it waits for, once per kind; kafkajs would say it on every attempt.
    if (this.startUp) {
      this.logger.debug?.(text);
      return;
    }
    // The first join: a fresh cluster answers it with retriable errors (no group coordinator until __consumer_offsets
    // exists) that kafkajs logs as errors on every attempt while it retries. Each line once, as a warning, until joined.
    if (this.startedJoiningAt !== undefined) {
      if (this.firstJoinLines.has(text)) return this.logger.debug?.(text);
      this.firstJoinLines.add(text);
      this.logger.warn(`${text} (while joining the consumer group for the first time; kafkajs tries again)`);
      return;
    }
    if (level <= logLevel.ERROR) this.logger.error(text);
    else this.logger.warn(text);
  }
}

