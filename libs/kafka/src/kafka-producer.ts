import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { BatchQueue, type Settled } from '@baton/core';

/**
 * The most messages one produce request carries. The idempotent producer has
 * one request in flight, and what is published meanwhile waits for the next:
 * this bounds how many share it. It is above what the outbox relays have in
 * flight at once with their defaults (a few hundred publishes), so a burst
 * goes out in one or two requests, and small enough that a request (and its
 * retry, when it fails whole) stays modest in size.
 */
export const PRODUCE_BATCH_MAX_MESSAGES = 1000;

/** acks -1: the leader answers once every in-sync replica has written the message, so an acknowledged message survives losing the leader. */
export const ACKS_ALL_IN_SYNC_REPLICAS = -1;

/**
 * Produce requests in flight per broker connection: one. With idempotence,
 * a request that is retried can then never land behind a later one, so a
 * saga's messages keep the order they were published in.
 */
const IDEMPOTENT_MAX_IN_FLIGHT_REQUESTS = 1;

interface Outgoing {
  topic: string;
  message: Message;
}

/**
 * The producing side of the transport: an idempotent producer, connected on
 * first use (or by `start`), with acks from all in-sync replicas, keyed so
 * that one saga's messages land on one partition. Publishes go through a
 * BatchQueue: those made while a produce request is in flight go together in
 * the next one, in the order they were made.
 */
export class KafkaProducer {
  private producer?: Producer;
  private ready?: Promise<void>;
  private connectedNow = false;
  private readonly outgoing = new BatchQueue<Outgoing, void>((batch) => this.send(batch), { maxBatchSize: PRODUCE_BATCH_MAX_MESSAGES });

  constructor(private readonly kafka: Kafka) {}

  /** Resolves once the broker acknowledged the message (all in-sync replicas). */
  publish(topic: string, message: Message): Promise<void> {
    return this.outgoing.push({ topic, message });
  }

  /** Whether the producer is connected, as kafkajs last reported. */
  get connected(): boolean {
    return this.connectedNow;
  }

  /** The producer, once connected; connects it on the first call, and again after a failed connect. */
  connect(): Promise<Producer> {
    if (!this.ready) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: IDEMPOTENT_MAX_IN_FLIGHT_REQUESTS,
        // Murmur2 on the key, as the Java client: a saga's messages land on one partition.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      this.producer = producer;
      producer.on(producer.events.CONNECT, () => (this.connectedNow = true));
      producer.on(producer.events.DISCONNECT, () => (this.connectedNow = false));
      this.ready = producer.connect().catch((error) => {
        this.ready = undefined;
        throw error;
      });
    }
    return this.ready.then(() => this.producer!);
  }

  /** Sends what was handed over, then disconnects. */
  async close(): Promise<void> {
    await this.outgoing.idle();
    await this.producer?.disconnect();
  }

  /** Forgets the producer (a start failed) and hands it over, to be disconnected; the next `connect` makes a new one. */
  abandon(): Producer | undefined {
    const { producer } = this;
    this.producer = undefined;
    this.ready = undefined;
    return producer;
  }

  /** One produce request for a batch; if it fails, every message of it fails (the relay retries them). */
  private async send(batch: Outgoing[]): Promise<Array<Settled<void>>> {
    try {
      const producer = await this.connect();
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of batch) {
        const messages = byTopic.get(topic);
        if (messages) messages.push(message);
        else byTopic.set(topic, [message]);
      }
      await producer.sendBatch({
        acks: ACKS_ALL_IN_SYNC_REPLICAS,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      return batch.map(() => ({ ok: true, value: undefined }));
    } catch (error) {
      return batch.map(() => ({ ok: false, error }));
    }
  }
}
