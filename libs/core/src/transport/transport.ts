import type { DeadLetterFailures, DeadLetterSink } from './dead-letter';
import type { MessageEnvelope } from './message-envelope';

/**
 * Handles one delivered message. Resolving acknowledges it; throwing
 * `PermanentMessageError` dead-letters it; any other error asks for
 * redelivery (after bounded retries a broker transport dead-letters it too).
 */
export type MessageHandler = (envelope: MessageEnvelope) => Promise<void>;

/** What a consumer passes to `Transport.subscribe` beside its handler. */
export interface SubscribeOptions {
  /** Where this consumer's dead letters go. */
  readonly deadLetters: DeadLetterSink;
  /**
   * The command this consumer's side sent under `messageId`, if it did: lets
   * a broker transport complete a reply that names only the command it
   * answers, as a stock @nestjs/microservices peer writes it
   * (docs/wire-protocol.md, "Replies from stock @nestjs/microservices
   * peers"). Without it such a reply is dead-lettered. @default none
   */
  readonly sentCommand?: (messageId: string) => Promise<MessageEnvelope | undefined>;
}

/**
 * The port between Baton and a message broker. The outbox relays publish
 * through it and consumers subscribe through it; the in-process transport
 * and the Kafka transport implement it.
 */
export interface Transport {
  /**
   * Publishes to `topic`, keyed by the envelope's saga id so one saga's
   * messages stay ordered. Resolves only once the message is durably accepted
   * (acknowledged by the broker, or handled by the in-process consumer);
   * until then the outbox row stays unpublished.
   */
  publish(topic: string, envelope: MessageEnvelope): Promise<void>;
  /** Registers `handler` for every message published to `topic`, delivered at least once. */
  subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions): Promise<void>;
  /**
   * Makes sure these topics exist (a broker transport creates missing ones
   * with its configured partitions). Call before publishing to them.
   */
  ensureTopics(topics: readonly string[]): Promise<void>;
  /** Begins delivering to the subscribed handlers. Idempotent; call after every subscribe. */
  start(): Promise<void>;
  /** Stops consuming (finishing the messages in hand) and disconnects. */
  close(): Promise<void>;
  /**
   * Whether the transport can publish and consume now, for readiness probes.
   * Optional: a transport without it (in process) is always ready.
   */
  health?(): TransportHealth;
  /**
   * How far the consumer group is behind on each partition of the subscribed
   * topics, for metrics. Optional: a transport without a broker has no lag.
   */
  consumerLag?(): Promise<PartitionLag[]>;
  /**
   * Resolves once the consumer has handled every message that was already
   * in its partitions when it joined its group: after a restart, what
   * arrived while the process was down. Work that must not overtake those
   * messages (the timer poller) waits for it, for a bounded time: it may
   * never resolve (the broker is gone). With several replicas each resolves
   * for the partitions assigned to it. Optional: a transport without a
   * broker (in process) has no such backlog.
   */
  caughtUp?(): Promise<void>;
  /**
   * Dead letters the transport could not keep in full since it started, for
   * metrics. Optional: the in-process transport lets a failing sink fail the
   * publish instead (the outbox keeps the message).
   */
  deadLetterFailures?(): DeadLetterFailures;
}

/** What `Transport.health` reports. */
export interface TransportHealth {
  /** The producer is connected. */
  producer: boolean;
  /** The consumer has joined its group; undefined when nothing is subscribed (there is no consumer). */
  consumer: boolean | undefined;
}

/** Messages on one partition that the consumer group has not committed yet. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/** Topic names; configuration, with these defaults. */
export interface TopicNames {
  /** Command topic of a participant. @default `${participant}.commands` */
  commands(participant: string): string;
  /** Where participants reply to the orchestrator. @default `${prefix}saga.replies` */
  readonly replies: string;
}

/** The topic names Baton uses unless configured otherwise: `prefix` goes in front of every name, `replies` replaces the replies topic's own name. */
export function defaultTopicNames(overrides: { prefix?: string; replies?: string } = {}): TopicNames {
  const prefix = overrides.prefix ?? '';
  return {
    commands: (participant) => `${prefix}${participant}.commands`,
    replies: `${prefix}${overrides.replies ?? 'saga.replies'}`,
  };
}
