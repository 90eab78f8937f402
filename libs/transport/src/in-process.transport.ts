import type { MessageEnvelope, MessageHandler, Transport } from '@baton/core';

/**
 * A transport inside one process, for the embedded default and tests.
 * `publish` hands the message to the topic's subscriber and resolves only
 * when the subscriber has handled it, so "published" means what it means on
 * Kafka: accepted by the consumer side for good. (The subscriber commits its
 * own transaction before resolving.) Each delivery gets its own copy of the
 * envelope, as a broker would deliver bytes.
 */
export class InProcessTransport implements Transport {
  private readonly handlers = new Map<string, MessageHandler>();
  private closed = false;

  async publish(topic: string, envelope: MessageEnvelope): Promise<void> {
    if (this.closed) throw new Error('The in-process transport is closed.');
    const handler = this.handlers.get(topic);
    if (!handler) {
      throw new Error(`No consumer in this process subscribes to topic "${topic}"; the message stays in the outbox.`);
    }
    await handler(structuredClone(envelope));
  }

  async subscribe(topic: string, handler: MessageHandler): Promise<void> {
    if (this.handlers.has(topic)) {
      throw new Error(`Topic "${topic}" already has a consumer in this process.`);
    }
    this.handlers.set(topic, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }
}
