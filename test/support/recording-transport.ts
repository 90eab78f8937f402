import type { MessageEnvelope, Transport } from '@baton/core';

/** A transport that keeps what was published, for asserting on it; can be told to fail. */
export class RecordingTransport implements Transport {
  failNext = 0;

  /** Pass one array to several transports to see the order they published in, all together. */
  constructor(readonly published: Array<{ topic: string; envelope: MessageEnvelope }> = []) {}

  async publish(topic: string, envelope: MessageEnvelope): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('broker unavailable (simulated)');
    }
    this.published.push({ topic, envelope });
  }

  async subscribe(): Promise<void> {}

  async ensureTopics(): Promise<void> {}

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}
