import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';
import type { MessageEnvelope } from '@baton/core';
import { encodeMessage } from '../libs/kafka/src/header-codec';
import { HostProcess, participantsProcess } from './support/host-process';
import { TEST_KAFKA_BROKERS, requireBroker } from './support/kafka-broker';
import { EXPECTED_STATUS, eventually, orderFor, startOrders, type OrderScenario } from './support/orders';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';
import { DEV_AUTHORIZATION } from './support/test-app';

/**
 * Order sagas whose participants are three kinds of service, each its own
 * process with its own schema, talking to the host only through Kafka:
 * inventory is a NestJS microservice on Baton's transport strategy
 * (participants/inventory-service), payment a NestJS microservice on the
 * stock @nestjs/microservices Kafka transport with no Baton code
 * (participants/stock-payment-service), shipping and notification the
 * example participants (EXAMPLE_PARTICIPANTS=shipping,notification).
 */

const prefix = `t${randomBytes(3).toString('hex')}.`;
const replyTopic = `${prefix}saga.replies`;
const schemas: Record<'host' | 'examples' | 'inventory' | 'payment', TestSchema | undefined> = {
  host: undefined,
  examples: undefined,
  inventory: undefined,
  payment: undefined,
};
const processes: HostProcess[] = [];
let host: HostProcess;
let db: Client;
let kafka: Kafka;
let producer: Producer;
let replies: Consumer;
/** Every reply on the replies topic, in the order read: the command it answers and its message id. */
const seen: Array<{ answers: string; messageId: string }> = [];

/** A process that is ready once it has written `line`. */
const service = (entry: string, env: Record<string, string>, line: string) =>
  new HostProcess(env, join('dist', 'participants', entry, 'main.js'), async (process) => process.output.join('').includes(line));

beforeAll(async () => {
  await requireBroker();
  for (const name of Object.keys(schemas) as Array<keyof typeof schemas>) schemas[name] = await TestSchema.create(`mixed_${name}`);
  const common = { KAFKA_BROKERS: TEST_KAFKA_BROKERS, DATABASE_URL: TEST_DATABASE_URL, TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3' };
  host = new HostProcess({
    ...common,
    DATABASE_SCHEMA: schemas.host!.name,
    KAFKA_GROUP_ID: `${prefix}orchestrator`,
    // Generous: only the unresponsive payments should time out, on a busy machine too.
    ORDER_PAYMENT_TIMEOUT_MS: '30000',
    ORDER_REPLY_TIMEOUT_MS: '30000',
    TIMER_POLL_INTERVAL_MS: '100',
  });
  await host.start();
  processes.push(
    participantsProcess({
      ...common,
      DATABASE_SCHEMA: schemas.examples!.name,
      KAFKA_GROUP_ID: `${prefix}examples`,
      EXAMPLE_PARTICIPANTS: 'shipping,notification',
    }),
    service('inventory-service', { ...common, DATABASE_SCHEMA: schemas.inventory!.name, KAFKA_GROUP_ID: `${prefix}inventory` }, 'Inventory service is running'),
    service(
      'stock-payment-service',
      { ...common, DATABASE_SCHEMA: schemas.payment!.name, KAFKA_GROUP_ID: `${prefix}payment` },
      'payment service consumes',
    ),
  );
  await Promise.all(processes.map((process) => process.start()));
  db = new Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  kafka = new Kafka({ clientId: 'baton-test', brokers: [TEST_KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  replies = kafka.consumer({ groupId: `${prefix}test-reader` });
  await replies.connect();
  await replies.subscribe({ topic: replyTopic, fromBeginning: true });
  await replies.run({
    eachMessage: async ({ message }) => {
      const header = (name: string) => message.headers?.[name]?.toString();
      seen.push({ answers: header('causation-id') ?? header('kafka_correlationId') ?? '', messageId: header('message-id') ?? '' });
    },
  });
}, 180_000);

afterAll(async () => {
  await replies?.disconnect();
  await producer?.disconnect();
  await Promise.all([host, ...processes].map((process) => process?.stop()));
  await db?.end();
  for (const schema of Object.values(schemas)) await schema?.drop();
});

async function query<T>(schema: keyof typeof schemas, sql: string, params: unknown[] = []): Promise<T[]> {
  await db.query(`SET search_path TO ${schemas[schema]!.name}`);
  return (await db.query(sql, params)).rows as T[];
}

/** Waits for every saga to end, then lists those that ended other than their input says. */
async function endedWrongly(started: Array<{ id: string; scenario: OrderScenario }>, timeoutMs: number) {
  const ids = started.map((s) => s.id);
  await eventually(
    async () => {
      const [{ n }] = await query<{ n: string }>('host', `SELECT count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND ended_at IS NOT NULL`, [ids]);
      return Number(n) === ids.length ? true : undefined;
    },
    timeoutMs,
    `${ids.length} sagas to end`,
  );
  const rows = await query<{ id: string; status: string }>('host', `SELECT id, status FROM baton_saga WHERE id = ANY($1::uuid[])`, [ids]);
  const status = new Map(rows.map((row) => [row.id, row.status]));
  return started.filter((s) => status.get(s.id) !== EXPECTED_STATUS[s.scenario]).map((s) => ({ ...s, status: status.get(s.id) }));
}

/**
 * Each saga's effects per participant that do not balance: a completed saga
 * holds exactly one reservation and one authorization; a compensated one
 * released every reservation it made and voided every authorization.
 */
async function unbalanced(started: Array<{ id: string; scenario: OrderScenario }>) {
  const inventory = await query<{ saga_id: string; done: string; undone: string }>(
    'inventory',
    `SELECT saga_id::text, count(*) FILTER (WHERE outcome = 'reserved') AS done, count(*) FILTER (WHERE outcome = 'released') AS undone
       FROM example_ledger GROUP BY saga_id`,
  );
  const payment = await query<{ saga_id: string; done: string; undone: string }>(
    'payment',
    `SELECT saga_id, count(*) FILTER (WHERE outcome = 'authorized') AS done, count(*) FILTER (WHERE outcome = 'voided') AS undone
       FROM payment_ledger GROUP BY saga_id`,
  );
  const wrong: string[] = [];
  for (const [name, rows] of [['inventory', inventory], ['payment', payment]] as const) {
    const bySaga = new Map(rows.map((row) => [row.saga_id, Number(row.done) - Number(row.undone)]));
    for (const { id, scenario } of started) {
      const standing = bySaga.get(id) ?? 0;
      const expected = EXPECTED_STATUS[scenario] === 'completed' ? 1 : 0;
      if (standing !== expected) wrong.push(`${name}: saga ${id} (${scenario}) holds ${standing} effect(s), expected ${expected}`);
    }
  }
  return wrong;
}

/** A command applied twice in any participant's ledger. */
async function appliedTwice() {
  const twice = `SELECT saga_id::text, command_type, count(*) AS n FROM example_ledger GROUP BY saga_id, command_type HAVING count(*) > 1`;
  return [
    ...(await query('inventory', twice)),
    ...(await query('examples', twice)),
    ...(await query('payment', `SELECT command_id, count(*) AS n FROM payment_ledger GROUP BY command_id HAVING count(*) > 1`)),
  ];
}

/** Resolves once the host's consumer group has committed every reply on the replies topic: all were handled. */
async function hostCaughtUp(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await eventually(
      async () => {
        const ends = await admin.fetchTopicOffsets(replyTopic);
        const [committed] = await admin.fetchOffsets({ groupId: `${prefix}orchestrator`, topics: [replyTopic] });
        const at = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
        return ends.every((end) => Number(end.high) === 0 || at.get(end.partition) === Number(end.high)) ? true : undefined;
      },
      60_000,
      'the host to handle every reply',
    );
  } finally {
    await admin.disconnect();
  }
}

describe('Order sagas with a Baton-strategy participant, a stock @nestjs/microservices participant and the example participants', () => {
  let bulk: Array<{ id: string; scenario: OrderScenario }>;

  it('end as their inputs say, 200 of them, with balanced ledgers and every command applied at most once', async () => {
    bulk = await startOrders(host.baseUrl, 200, 'mixed');
    expect(await endedWrongly(bulk, 150_000)).toEqual([]);
    expect(await unbalanced(bulk)).toEqual([]);
    expect(await appliedTwice()).toEqual([]);
  }, 240_000);

  it('compensate when the stock payment handler throws: ServerKafka sends kafka_nest-err, read as a refusal with its message', async () => {
    const thrown = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const response = await fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
          body: JSON.stringify({ ...orderFor('completes', `stolen-${i}`), paymentToken: 'tok_stolen' }),
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    const started = thrown.map((id) => ({ id, scenario: 'payment-refused' as const }));
    expect(await endedWrongly(started, 60_000)).toEqual([]);
    const failures = await query<{ failure: { reason?: string } }>('host', `SELECT snapshot->'context'->'failure' AS failure FROM baton_saga WHERE id = ANY($1::uuid[])`, [
      thrown,
    ]);
    expect(failures.map((row) => row.failure.reason)).toEqual(thrown.map(() => expect.stringContaining('the card is reported stolen')));
    expect(await unbalanced(started)).toEqual([]);
  }, 120_000);

  it('change nothing when a command is delivered twice to each kind of participant: each answers it again with its recorded reply', async () => {
    const completed = bulk.find((s) => s.scenario === 'completes')!;
    const commands = await query<{ topic: string; envelope: MessageEnvelope }>(
      'host',
      `SELECT DISTINCT ON (message_type) topic, envelope FROM baton_outbox
        WHERE saga_id = $1 AND message_type IN ('ReserveStock', 'AuthorizePayment', 'ScheduleShipment') ORDER BY message_type, id`,
      [completed.id],
    );
    expect(commands.map((c) => c.envelope.type).sort()).toEqual(['AuthorizePayment', 'ReserveStock', 'ScheduleShipment']);
    const firstAnswers = new Map(commands.map(({ envelope }) => [envelope.messageId, seen.find((reply) => reply.answers === envelope.messageId)]));
    for (const [command, answer] of firstAnswers) expect({ command, answer }).toEqual({ command, answer: expect.objectContaining({ messageId: expect.any(String) }) });
    const ledgers = async () => ({
      inventory: await query('inventory', `SELECT id FROM example_ledger ORDER BY id`),
      examples: await query('examples', `SELECT id FROM example_ledger ORDER BY id`),
      payment: await query('payment', `SELECT id FROM payment_ledger ORDER BY id`),
      history: await query('host', `SELECT id FROM baton_saga_history WHERE saga_id = $1 ORDER BY id`, [completed.id]),
    });
    const before = await ledgers();

    await producer.sendBatch({ acks: -1, topicMessages: commands.map(({ topic, envelope }) => ({ topic, messages: [encodeMessage(envelope)] })) });

    // Each participant answered the copy with the reply it recorded for the command: the same message id, again.
    await eventually(
      async () => {
        const again = commands.filter(({ envelope }) => {
          const answers = seen.filter((reply) => reply.answers === envelope.messageId);
          return answers.length >= 2 && answers.every((reply) => reply.messageId === firstAnswers.get(envelope.messageId)!.messageId);
        });
        return again.length === commands.length ? true : undefined;
      },
      60_000,
      'each participant to answer the copy again',
    );
    await hostCaughtUp();
    expect(await ledgers()).toEqual(before);
    const [saga] = await query<{ status: string }>('host', `SELECT status FROM baton_saga WHERE id = $1`, [completed.id]);
    expect(saga.status).toBe('completed');
  }, 120_000);
});
