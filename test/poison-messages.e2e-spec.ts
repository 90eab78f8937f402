import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type IHeaders, type Message, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { uuidv7 } from '@baton/core';
import { encodeMessage } from '../libs/kafka/src/header-codec';
import { orderReply } from './support/envelopes';
import { HostProcess, participantsProcess } from './support/host-process';
import { TEST_KAFKA_BROKERS, requireBroker } from './support/kafka-broker';
import { eventually, orderFor } from './support/orders';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';
import { DEV_AUTHORIZATION } from './support/test-app';

/**
 * No byte sequence on a topic stops a consumer. Every topic the host and the
 * example participants consume gets a corpus of messages no consumer can
 * apply, produced with a plain Kafka client: each class of hostile content
 * (U+0000 raw and escaped, unpaired surrogates, bytes that are not UTF-8,
 * overlong forms, BOMs, empty and null values, deep nesting, 1 MB values,
 * poisoned and repeated headers), then random bytes and random header sets
 * from a seeded generator. Each becomes exactly one dead letter that keeps
 * its bytes, one copy on `<topic>.dlq`, the consumer groups' lag drains to
 * 0, and orders started behind them all complete.
 */

const SEED = Number(process.env.POISON_SEED ?? randomBytes(4).readUInt32BE());
const RANDOM_PER_TOPIC = 100;
const PARTICIPANTS = ['inventory', 'payment', 'shipping', 'notification'] as const;

const prefix = `poison${randomBytes(3).toString('hex')}.`;
const replyTopic = `${prefix}saga.replies`;
const commandTopic = (participant: string) => `${prefix}${participant}.commands`;
let hostSchema: TestSchema;
let participantSchema: TestSchema;
let host: HostProcess;
let participants: HostProcess;
let db: Client;
let kafka: Kafka;
let producer: Producer;
let admin: Admin;

beforeAll(async () => {
  await requireBroker();
  hostSchema = await TestSchema.create('poison_host');
  participantSchema = await TestSchema.create('poison_parts');
  const common = { KAFKA_BROKERS: TEST_KAFKA_BROKERS, DATABASE_URL: TEST_DATABASE_URL, TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3' };
  host = new HostProcess({ ...common, DATABASE_SCHEMA: hostSchema.name, KAFKA_GROUP_ID: `${prefix}orchestrator` });
  participants = participantsProcess({ ...common, DATABASE_SCHEMA: participantSchema.name, KAFKA_GROUP_ID: `${prefix}participants` });
  await host.start();
  await participants.start();
  db = new Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  kafka = new Kafka({ clientId: 'baton-test-poison', brokers: [TEST_KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([producer?.disconnect(), admin?.disconnect()]);
  await Promise.all([host?.stop(), participants?.stop()]);
  await db?.end();
  await hostSchema?.drop();
  await participantSchema?.drop();
});

/** mulberry32: a small seeded generator, so a failing corpus can be produced again (POISON_SEED). */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  /** Bytes that break decoders more often than uniform ones would. */
  const NASTY = [0x00, 0xff, 0xfe, 0xc0, 0xc1, 0xed, 0xa0, 0x80, 0xbf, 0xef, 0xbb, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x75];
  const bytes = (max: number) => Buffer.from(Array.from({ length: int(max + 1) }, () => (next() < 0.5 ? NASTY[int(NASTY.length)] : int(256))));
  return { int, bytes, pick: <T>(items: readonly T[]) => items[int(items.length)] };
}

/** Headers a decodable command or reply of some saga would carry, to poison one part of. */
function envelopeHeaders(type: string): IHeaders {
  return encodeMessage(orderReply(uuidv7(), type, {})).headers!;
}

/** The hostile classes, one message each; `type` names a message the topic's consumer knows. */
function classes(type: string): Array<[string, Message]> {
  const valid = envelopeHeaders(type);
  const json = (text: string): Message => ({ key: uuidv7(), value: Buffer.from(text, 'utf8'), headers: envelopeHeaders(type) });
  const bytes = (...values: number[]): Message => ({ key: uuidv7(), value: Buffer.from(values), headers: envelopeHeaders(type) });
  return [
    ['a raw U+0000 in a JSON string', bytes(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x00, 0x22, 0x7d)],
    ['an escaped U+0000', json('{"orderId":"a\\u0000b"}')],
    ['an escaped lone high surrogate', json('{"orderId":"a\\ud800b"}')],
    ['an escaped lone low surrogate in a key', json('{"\\udfff":1}')],
    ['a byte that is never UTF-8', bytes(0x7b, 0xff, 0x7d)],
    ['an overlong encoding', bytes(0x22, 0xc0, 0xaf, 0x22)],
    ['an encoded surrogate', bytes(0x22, 0xed, 0xa0, 0x80, 0x22)],
    ['a BOM before an escaped U+0000', bytes(0xef, 0xbb, 0xbf, ...Buffer.from('"\\u0000"'))],
    ['a null value (tombstone)', { key: uuidv7(), value: null, headers: envelopeHeaders(type) }],
    ['an empty value', bytes()],
    ['JSON nested 100 000 deep', json('['.repeat(100_000) + ']'.repeat(100_000))],
    ['a 900 kB value with U+0000 at its end', json(`{"blob":"${'x'.repeat(900_000)}\\u0000"}`)],
    ['U+0000 in the message-id header', { key: uuidv7(), value: '{}', headers: { ...valid, 'message-id': 'a\u0000b' } }],
    ['a saga-name header that is not UTF-8', { key: uuidv7(), value: '{}', headers: { ...valid, 'saga-name': Buffer.from([0xc3, 0x28]) } }],
    ['a repeated message-type, the last with U+0000', { key: uuidv7(), value: '{}', headers: { ...valid, 'message-type': [type, `${type}\u0000`] } }],
    ['a header value that is empty', { key: uuidv7(), value: '{}', headers: { ...valid, 'correlation-id': Buffer.alloc(0) } }],
    ['no key, no headers, binary value', { key: null, value: randomBytes(64), headers: {} }],
  ];
}

/** Random bytes under random header sets: never a uuid saga id, so nothing here can be applied. */
function randomMessages(random: ReturnType<typeof generator>, count: number): Message[] {
  const names = ['message-id', 'message-type', 'schema-version', 'saga-id', 'saga-name', 'correlation-id', 'sent-at', 'causation-id', 'compensates', 'reply-to', 'traceparent', 'x-other'];
  return Array.from({ length: count }, () => {
    const headers: IHeaders = {};
    for (let i = random.int(names.length + 1); i > 0; i--) {
      const name = random.pick(names);
      const value = random.bytes(40);
      headers[name] = name === 'saga-id' ? Buffer.concat([Buffer.from('not-a-uuid:'), value]) : value;
    }
    return { key: random.int(4) === 0 ? null : random.bytes(24), value: random.int(8) === 0 ? null : random.bytes(300), headers };
  });
}

async function rows<T>(schema: TestSchema, sql: string, params: unknown[] = []): Promise<T[]> {
  await db.query(`SET search_path TO ${schema.name}`);
  return (await db.query(sql, params)).rows as T[];
}

/** Messages the group has not committed on the topic's partitions. */
async function lag(groupId: string, topic: string): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  let behind = 0;
  for (const end of await admin.fetchTopicOffsets(topic)) {
    const offset = Number(committed.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
    behind += Number(end.high) - (offset >= 0 ? offset : Number(end.low));
  }
  return behind;
}

const messagesOn = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);

const hex = (value: Buffer | string | null | undefined) => (value === null || value === undefined ? null : Buffer.from(value).toString('hex'));

describe(`Poison messages (POISON_SEED=${SEED})`, () => {
  it('each become one dead letter that keeps its bytes, on every consumed topic, and the sagas behind them complete', async () => {
    const random = generator(SEED);
    const targets = [
      { topic: replyTopic, type: 'StockReserved', group: `${prefix}orchestrator`, schema: hostSchema, table: 'baton_dead_letter', consumer: 'orchestrator' },
      ...PARTICIPANTS.map((participant) => ({
        topic: commandTopic(participant),
        type: 'ReserveStock',
        group: `${prefix}participants`,
        schema: participantSchema,
        table: 'participant_dead_letter',
        consumer: `participant:${participant}`,
      })),
    ];
    const sent = new Map<string, Message[]>();
    for (const target of targets) {
      const messages = [...classes(target.type).map(([, message]) => message), ...randomMessages(random, RANDOM_PER_TOPIC)];
      sent.set(target.topic, messages);
      // One at a time: the 900 kB message must not share a request with others (the broker's 1 MB limit).
      for (const message of messages) await producer.send({ topic: target.topic, acks: -1, messages: [message] });
    }

    // Orders started behind the poison: their commands and replies share the poisoned partitions.
    const orders = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const response = await fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
          body: JSON.stringify(orderFor('completes', `after-poison-${i}`)),
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );

    for (const target of targets) {
      const expected = sent.get(target.topic)!;
      const letters = await eventually(
        async () => {
          const found = await rows<{ key: Buffer | null; value: Buffer | null; reason: string }>(
            target.schema,
            `SELECT raw_key AS key, raw_value AS value, reason FROM ${target.table} WHERE topic = $1 AND consumer = $2`,
            [target.topic, target.consumer],
          );
          return found.length >= expected.length ? found : undefined;
        },
        120_000,
        `${expected.length} dead letters of ${target.topic}`,
      );
      expect(letters).toHaveLength(expected.length);
      // Byte for byte what was produced.
      const sort = (pairs: Array<[string | null, string | null]>) => pairs.map((pair) => JSON.stringify(pair)).sort();
      expect(sort(letters.map((l) => [hex(l.key), hex(l.value)]))).toEqual(sort(expected.map((m) => [hex(m.key as Buffer | string | null), hex(m.value as Buffer | string | null)])));
      expect(letters.every((letter) => /malformed message: /.test(letter.reason))).toBe(true);
      await eventually(async () => ((await messagesOn(`${target.topic}.dlq`)) === expected.length ? true : undefined), 60_000, `${target.topic}.dlq`);
    }

    await eventually(
      async () => {
        const ended = await rows<{ status: string }>(hostSchema, `SELECT status FROM baton_saga WHERE id = ANY($1::uuid[]) AND ended_at IS NOT NULL`, [orders]);
        return ended.length === orders.length ? ended : undefined;
      },
      120_000,
      'the orders started behind the poison to end',
    ).then((ended) => expect(ended.map((s) => s.status)).toEqual(orders.map(() => 'completed')));

    for (const target of targets) {
      await eventually(async () => ((await lag(target.group, target.topic)) === 0 ? true : undefined), 60_000, `the lag of ${target.group} on ${target.topic}`);
    }
    // Nothing was kept in part only.
    const metrics = await (await fetch(`${host.baseUrl}/metrics`)).text();
    for (const kind of ['without_envelope', 'not_recorded', 'not_copied']) {
      expect(metrics).toContain(`baton_dead_letter_failures_total{kind="${kind}"} 0`);
    }
  }, 600_000);
});
