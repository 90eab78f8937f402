import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { defaultTopicNames, uuidv7, type MessageEnvelope, type PayloadOf } from '@baton/core';
import { KafkaTransport } from '@baton/kafka';
import { decodeMessage, encodeMessage } from '../libs/kafka/src/header-codec';
import { ParticipantWorker, handleCommand, reply } from '@baton/participant';
import { sql } from '../libs/postgres/src/sql';
import { ReleaseStock, ReserveStock, StockReleased, StockReserved } from '@example/order-fulfillment-contracts';
import type { DataSource } from 'typeorm';
import { orderCommand } from './support/envelopes';
import { TEST_KAFKA_BROKERS, deletePrefixedTopics, requireBroker } from './support/kafka-broker';
import { eventually } from './support/orders';
import { participantDatabase } from './support/participant-database';
import type { TestSchema } from './support/test-database';

/**
 * A participant over the real broker: commands produced to its topic as the
 * orchestrator's relay would (the same headers), its replies read from the
 * reply topic. Topics have a prefix of their own.
 */

const prefix = `t${randomBytes(3).toString('hex')}.`;
const topics = defaultTopicNames({ prefix });
let schema: TestSchema;
let dataSource: DataSource;
let transport: KafkaTransport;
let participant: ParticipantWorker;
let producer: Producer;
let consumer: Consumer;
let kafka: Kafka;
/** Every reply read from the reply topic, in the order read. */
const replies: MessageEnvelope[] = [];

beforeAll(async () => {
  await requireBroker();
  ({ schema, dataSource } = await participantDatabase('participant_kafka'));

  const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
  transport = new KafkaTransport({ brokers: [TEST_KAFKA_BROKERS], groupId: `${prefix}inventory`, partitions: 2, logger: quiet });
  participant = new ParticipantWorker(dataSource, transport, {
    name: 'inventory',
    topics,
    logger: quiet,
    handlers: [
      handleCommand(ReserveStock, async ({ orderId }, { tx, envelope }) => {
        await sql(tx, `INSERT INTO reservations (order_id, command_id) VALUES ($1, $2)`, [orderId, envelope.messageId]);
        return reply(StockReserved, { reservationId: `res-${orderId}` });
      }),
      handleCommand(ReleaseStock, async (_, { compensates }) => reply(StockReleased, { released: !!compensates?.applied })),
    ],
  });
  await participant.subscribe();
  await transport.ensureTopics([participant.commandTopic, topics.replies]);
  await transport.start();
  participant.start();

  kafka = new Kafka({ clientId: 'baton-test', brokers: [TEST_KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  consumer = kafka.consumer({ groupId: `${prefix}orchestrator` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.replies], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void replies.push(decodeMessage(message)) });
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await participant?.stop();
  await transport?.close();
  // The suite's own topics go with it.
  if (kafka) await deletePrefixedTopics(kafka, prefix);
  await dataSource?.destroy();
  await schema?.drop();
});

/** A command as the orchestrator of this suite sends it: replies go to the suite's own reply topic. */
function command<C extends typeof ReserveStock | typeof ReleaseStock>(contract: C, payload: PayloadOf<C>, sagaId: string, extra: Partial<MessageEnvelope> = {}): MessageEnvelope {
  return orderCommand(contract, payload, sagaId, { replyTo: topics.replies, ...extra });
}

const reserve = (orderId: string, sagaId = uuidv7()) => command(ReserveStock, { orderId, items: [{ sku: 'BOOK-1', quantity: 1 }] }, sagaId);

async function produce(...envelopes: MessageEnvelope[]): Promise<void> {
  await producer.send({ topic: participant.commandTopic, messages: envelopes.map(encodeMessage) });
}

async function repliesTo(command: MessageEnvelope, count: number): Promise<MessageEnvelope[]> {
  return eventually(
    async () => {
      const found = replies.filter((r) => r.causationId === command.messageId);
      return found.length >= count ? found : undefined;
    },
    60_000,
    `${count} replies to ${command.type} ${command.messageId}`,
  );
}

async function reservationsOf(orderId: string): Promise<number> {
  const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM reservations WHERE order_id = $1`, [orderId]);
  return n;
}

describe('A participant on Kafka', () => {
  it('answers a command produced again under its message id with the same reply, and applies it once', async () => {
    const first = reserve('kafka-again');
    await produce(first);
    const [original] = await repliesTo(first, 1);
    await produce({ ...first, sentAt: new Date().toISOString() });
    const [, again] = await repliesTo(first, 2);
    expect(again).toEqual(original);
    expect(original).toMatchObject({ type: 'StockReserved', payload: { reservationId: 'res-kafka-again' } });
    expect(await reservationsOf('kafka-again')).toBe(1);
  });

  it('reads the compensates header: a release produced before its reservation fences it', async () => {
    const forward = reserve('kafka-fenced');
    const release = command(ReleaseStock, { orderId: 'kafka-fenced' }, forward.sagaId, { compensates: forward.messageId });
    // Behind the reservation on the saga's partition: once it is answered, the reservation was consumed.
    const marker = reserve('kafka-marker', forward.sagaId);
    await produce(release, forward, marker);
    const [released] = await repliesTo(release, 1);
    await repliesTo(marker, 1);
    expect(released.payload).toEqual({ released: false });
    expect(await reservationsOf('kafka-fenced')).toBe(0);
    expect(replies.filter((r) => r.causationId === forward.messageId)).toEqual([]);
  });
});
