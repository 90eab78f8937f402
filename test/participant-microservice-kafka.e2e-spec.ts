import { randomBytes } from 'node:crypto';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { defaultTopicNames, uuidv7, type MessageEnvelope, type PayloadOf } from '@baton/core';
import { KafkaTransport } from '@baton/kafka';
import { decodeMessage, encodeMessage } from '../libs/kafka/src/header-codec';
import { BatonServer, reply, type BatonContext } from '@baton/participant';
import { ReserveStock, StockReserved } from '@example/order-fulfillment-contracts';
import type { DataSource } from 'typeorm';
import { orderCommand, replyAnswering } from './support/envelopes';
import { TEST_KAFKA_BROKERS, deletePrefixedTopics, requireBroker } from './support/kafka-broker';
import { eventually } from './support/orders';
import { participantDatabase } from './support/participant-database';
import type { TestSchema } from './support/test-database';

/**
 * A NestJS microservice made with `NestFactory.createMicroservice` and a
 * BatonServer over the real broker (KafkaTransport): commands produced to
 * the participant's topic as the orchestrator's relay would (the same
 * headers), its replies read from the reply topic. Topics have a prefix of
 * their own, the participant tables a schema of their own.
 */

const prefix = `t${randomBytes(3).toString('hex')}.`;
const topics = defaultTopicNames({ prefix });
const commandTopic = topics.commands('inventory');
const MAX_ATTEMPTS = 3;
let schema: TestSchema;
let dataSource: DataSource;
let app: INestMicroservice;
let kafka: Kafka;
let producer: Producer;
let consumer: Consumer;
/** Every reply read from the reply topic, with its Kafka key, in the order read. */
const replies: Array<{ key: string | undefined; envelope: MessageEnvelope }> = [];
/** Every run of the handler, by order id. */
const runs: string[] = [];

@Controller()
class InventoryController {
  /** "bug-" orders throw: an unexpected exception, which Nest logs and Baton retries, then dead-letters. */
  @MessagePattern(ReserveStock)
  async reserve(@Payload() { orderId }: PayloadOf<typeof ReserveStock>, @Ctx() ctx: BatonContext) {
    runs.push(orderId);
    if (orderId.startsWith('bug-')) throw new Error('the handler has a bug');
    await ctx.tx.query(`INSERT INTO reservations (order_id, command_id) VALUES ($1, $2)`, [orderId, ctx.envelope.messageId]);
    return reply(StockReserved, { reservationId: `res-${orderId}` });
  }
}

@Module({ controllers: [InventoryController] })
class InventoryModule {}

beforeAll(async () => {
  await requireBroker();
  ({ schema, dataSource } = await participantDatabase('participant_ms_kafka'));
  kafka = new Kafka({ clientId: 'baton-test', brokers: [TEST_KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  // The orchestrator's side: it owns the reply topic.
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: topics.replies, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();

  const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
  const transport = new KafkaTransport({
    brokers: [TEST_KAFKA_BROKERS],
    groupId: `${prefix}inventory`,
    partitions: 2,
    maxAttempts: MAX_ATTEMPTS,
    retryDelayMs: 50,
    logger: quiet,
  });
  app = await NestFactory.createMicroservice(InventoryModule, {
    strategy: new BatonServer({ database: dataSource, transport, topics: { prefix }, logger: quiet }),
    logger: false,
  });
  await app.listen();

  producer = kafka.producer();
  await producer.connect();
  consumer = kafka.consumer({ groupId: `${prefix}orchestrator` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.replies], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void replies.push({ key: message.key?.toString(), envelope: decodeMessage(message) }) });
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  // Drains the commands in hand and closes the transport it manages; the database is the test's.
  await app?.close();
  if (kafka) await deletePrefixedTopics(kafka, prefix);
  await dataSource?.destroy();
  await schema?.drop();
});

const reserve = (orderId: string, sagaId = uuidv7()) =>
  orderCommand(ReserveStock, { orderId, items: [{ sku: 'BOOK-1', quantity: 1 }] }, sagaId, { replyTo: topics.replies, correlationId: uuidv7() });

async function produce(...envelopes: MessageEnvelope[]): Promise<void> {
  await producer.send({ topic: commandTopic, messages: envelopes.map(encodeMessage) });
}

function repliesTo(command: MessageEnvelope): Promise<Array<{ key: string | undefined; envelope: MessageEnvelope }>> {
  return eventually(
    async () => {
      const found = replies.filter(({ envelope }) => envelope.causationId === command.messageId);
      return found.length ? found : undefined;
    },
    60_000,
    `the reply to ${command.type} ${command.messageId}`,
  );
}

describe('A Nest microservice on BatonServer over Kafka', () => {
  it('answers the commands produced to its topic on the reply topic, keyed by saga, with the headers stamped from each command', async () => {
    const commands = ['kafka-1', 'kafka-2', 'kafka-3', 'kafka-4'].map((orderId) => reserve(orderId));
    await produce(...commands);
    for (const command of commands) {
      const [{ key, envelope }] = await repliesTo(command);
      expect(key).toBe(command.sagaId);
      expect(envelope).toEqual(replyAnswering(command, StockReserved, { reservationId: `res-${(command.payload as { orderId: string }).orderId}` }));
    }
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM reservations WHERE order_id LIKE 'kafka-%'`);
    expect(n).toBe(4);
  });

  it('delivers a command whose handler throws unexpectedly again, then dead-letters it, and answers nothing', async () => {
    const command = reserve('bug-1');
    // Behind it on the saga's partition: once answered, the broken command was given up on.
    const marker = reserve('after-bug-1', command.sagaId);
    await produce(command, marker);
    await repliesTo(marker);
    expect(runs.filter((orderId) => orderId === 'bug-1')).toHaveLength(MAX_ATTEMPTS);
    const [letter] = await dataSource.query(`SELECT consumer, topic, attempts, reason FROM participant_dead_letter WHERE message_id = $1`, [
      command.messageId,
    ]);
    expect(letter).toEqual({
      consumer: 'participant:inventory',
      topic: commandTopic,
      attempts: MAX_ATTEMPTS,
      reason: expect.stringContaining('The @MessagePattern handler of ReserveStock threw an unexpected exception'),
    });
    expect(replies.filter(({ envelope }) => envelope.causationId === command.messageId)).toEqual([]);
    expect(await dataSource.query(`SELECT 1 FROM participant_inbox WHERE message_id = $1`, [command.messageId])).toEqual([]);
  });
});
