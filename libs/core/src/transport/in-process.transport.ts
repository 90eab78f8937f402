import type { MessageEnvelope } from './message-envelope';
import { PermanentMessageError } from './dead-letter';
import type { MessageHandler, SubscribeOptions, Transport } from './transport';

interface Subscription {
  handler: MessageHandler;
  options: SubscribeOptions;
}

/**
 * A transport inside one process, for the embedded default and tests.
 * `publish` hands the message to the topic's subscriber and resolves only
 * when the subscriber has handled it, so "published" means what it means on
 * Kafka: accepted by the consumer side for good. (The subscriber commits its
 * own transaction before resolving.) A transient failure rejects the publish,
 * and the relay retries it with backoff; a permanent one is dead-lettered.
 * Each delivery gets its own copy of the envelope, as a broker would deliver
 * bytes.
 */
export class InProcessTransport implements Transport {
  private readonly subscriptions = new Map<string, Subscription>();
  private closed = false;

  async publish(topic: string, envelope: MessageEnvelope): Promise<void> {
    if (this.closed) throw new Error('The in-process transport is closed.');
    const subscription = this.subscriptions.get(topic);
    if (!subscription) {
      throw new Error(`No consumer in this process subscribes to topic "${topic}"; the message stays in the outbox.`);
    }
    try {
      await subscription.handler(structuredClone(envelope));
    } catch (error) {
      if (!(error instanceof PermanentMessageError)) throw error;
      await subscription.options.deadLetters.record({ topic, reason: error.message, attempts: 1, envelope });
    }
  }

  async subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions): Promise<void> {
    if (this.subscriptions.has(topic)) {
      throw new Error(`Topic "${topic}" already has a consumer in this process.`);
    }
    this.subscriptions.set(topic, { handler, options });
  }

  /** Topics need no creating in process. */
  async ensureTopics(): Promise<void> {}

  /** Delivery starts with the first publish. */
  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
  }
}
