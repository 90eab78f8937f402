import type { MessageEnvelope } from './message-envelope';

/** Handles one delivered message. Resolving acknowledges it; rejecting asks for redelivery. */
export type MessageHandler = (envelope: MessageEnvelope) => Promise<void>;

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
  /** Delivers every message published to `topic` to `handler`, at least once. */
  subscribe(topic: string, handler: MessageHandler): Promise<void>;
  close(): Promise<void>;
}

/** Topic names; configuration, with these defaults. */
export interface TopicNames {
  /** Command topic of a participant. @default `${participant}.commands` */
  commands(participant: string): string;
  /** Where participants reply to the orchestrator. @default 'saga.replies' */
  readonly replies: string;
}

export function defaultTopicNames(overrides: { prefix?: string; replies?: string } = {}): TopicNames {
  const prefix = overrides.prefix ?? '';
  return {
    commands: (participant) => `${prefix}${participant}.commands`,
    replies: overrides.replies ?? `${prefix}saga.replies`,
  };
}
