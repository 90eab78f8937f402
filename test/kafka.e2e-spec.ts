import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { uuidv7 } from '@baton/core';
import { encodeMessage } from '../libs/kafka/src/header-codec';
import { orderReply } from './support/envelopes';
import { HostProcess, participantsProcess } from './support/host-process';
import { TEST_KAFKA_BROKERS, brokerAsync, requireBroker } from './support/kafka-broker';
import { EXPECTED_STATUS, eventually, startOrders, type OrderScenario } from './support/orders';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * Sagas across real processes over a real broker: the host and the example
 * participants each run compiled, in their own process, with their own
 * schema, talking only through Kafka. Topics get a prefix of their own, so
 * the suite starts from empty topics on a shared broker.
 */

const prefix = `t${randomBytes(3).toString('hex')}.`;
const replyTopic = `${prefix}saga.replies`;
let hostSchema: TestSchema;
let participantSchema: TestSchema;
let host: HostProcess;
let participants: HostProcess;
let db: Client;
let producer: Producer;

beforeAll(async () => {
  await requireBroker();
  hostSchema = await TestSchema.create('kafka_host');
  participantSchema = await TestSchema.create('kafka_parts');
  const common = {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    DATABASE_URL: TEST_DATABASE_URL,
    TOPIC_PREFIX: prefix,
    KAFKA_PARTITIONS: '3',
  };
  host = new HostProcess({
    ...common,
    DATABASE_SCHEMA: hostSchema.name,
    KAFKA_GROUP_ID: `${prefix}orchestrator`,
    // Deadlines long enough to sit out a broker restart, so only the unresponsive payments time
    // out. A restart here takes up to ~20 s on a busy machine (stop, then the broker's start), and
    // the commands written meanwhile then wait for the relay's backoff (up to 12.8 s by then) and
    // the clients' reconnect (up to 10 s): a 20 s payment deadline failed about one run in two,
    // and three sends 10 s apart (the default reply timeout) ran out about one run in four.
    ORDER_PAYMENT_TIMEOUT_MS: '60000',
    ORDER_REPLY_TIMEOUT_MS: '30000',
    TIMER_POLL_INTERVAL_MS: '100',
  });
  participants = participantsProcess({
    ...common,
    DATABASE_SCHEMA: participantSchema.name,
    KAFKA_GROUP_ID: `${prefix}participants`,
    PARTICIPANT_LATENCY_MS: '5',
  });
  await host.start();
  await participants.start();
  db = new Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  const kafka = new Kafka({ clientId: 'baton-test', brokers: [TEST_KAFKA_BROKERS], logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
  await Promise.all([host?.stop(), participants?.stop()]);
  await db?.end();
  await hostSchema?.drop();
  await participantSchema?.drop();
});

async function query<T>(schema: TestSchema, sql: string, params: unknown[] = []): Promise<T[]> {
  await db.query(`SET search_path TO ${schema.name}`);
  return (await db.query(sql, params)).rows as T[];
}

/** Waits for every saga to end, then lists those that ended other than their input says. */
async function endedWrongly(started: Array<{ id: string; scenario: OrderScenario }>, timeoutMs: number) {
  const ids = started.map((s) => s.id);
  await eventually(
    async () => {
      const [{ n }] = await query<{ n: string }>(hostSchema, `SELECT count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND ended_at IS NOT NULL`, [ids]);
      return Number(n) === ids.length ? true : undefined;
    },
    timeoutMs,
    `${ids.length} sagas to end`,
  );
  const rows = await query<{ id: string; status: string; failure: unknown }>(
    hostSchema,
    `SELECT id, status, snapshot->'context'->'failure' AS failure FROM baton_saga WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return started.map((s) => ({ ...s, ...byId.get(s.id) })).filter((s) => s.status !== EXPECTED_STATUS[s.scenario]);
}

/** Commands in a participant's ledger more than once, or one saga's command type applied twice. */
async function appliedTwice() {
  return query(
    participantSchema,
    `SELECT saga_id, command_type, count(*) AS n, count(DISTINCT command_id) AS ids
       FROM example_ledger GROUP BY saga_id, command_type HAVING count(*) > 1`,
  );
}

const reply = (sagaId: string, type: string, payload: unknown, messageId?: string) =>
  encodeMessage(orderReply(sagaId, type, payload, messageId));

describe('Order sagas across processes over Kafka', () => {
  it('end as their inputs say, 500 of them, with every command applied at most once', async () => {
    const started = await startOrders(host.baseUrl, 500, 'bulk');
    expect(await endedWrongly(started, 120_000)).toEqual([]);
    expect(await appliedTwice()).toEqual([]);
  }, 180_000);

  it('change nothing when the same reply arrives twice', async () => {
    // Payment never answers this one, so the test can answer for it.
    const [{ id }] = await startOrders(host.baseUrl, 1, 'twice', ['payment-times-out']);
    await eventually(async () => {
      const [saga] = await query<{ state_value: any }>(hostSchema, `SELECT state_value FROM baton_saga WHERE id = $1`, [id]);
      return saga?.state_value?.securing?.stock === 'reserved' ? true : undefined;
    });
    const messageId = uuidv7();
    const authorized = reply(id, 'PaymentAuthorized', { authorizationId: 'auth-test' }, messageId);
    await producer.send({ topic: replyTopic, acks: -1, messages: [authorized, authorized] });

    await eventually(async () => {
      const [saga] = await query<{ status: string }>(hostSchema, `SELECT status FROM baton_saga WHERE id = $1`, [id]);
      return saga.status === 'completed' ? true : undefined;
    });
    const applied = await query(hostSchema, `SELECT kind FROM baton_saga_history WHERE message_id = $1`, [messageId]);
    expect(applied).toEqual([{ kind: 'message' }]);
    const shipments = await query(participantSchema, `SELECT 1 FROM example_ledger WHERE saga_id = $1 AND command_type = 'ScheduleShipment'`, [id]);
    expect(shipments).toHaveLength(1);
  });

  it('dead-letters a garbage reply once, with the reason, and keeps the other sagas flowing', async () => {
    const before = await query<{ n: string }>(hostSchema, `SELECT count(*) AS n FROM baton_dead_letter`);
    await producer.send({
      topic: replyTopic,
      acks: -1,
      messages: [{ key: 'garbage', value: 'this is not json {', headers: { 'message-type': 'StockReserved' } }],
    });
    const letters = await eventually(async () => {
      const rows = await query<{ consumer: string; reason: string; topic: string }>(
        hostSchema,
        `SELECT consumer, reason, topic FROM baton_dead_letter ORDER BY id DESC LIMIT 5`,
      );
      return rows.length > Number(before[0].n) ? rows : undefined;
    });
    expect(letters).toHaveLength(Number(before[0].n) + 1);
    expect(letters[0]).toMatchObject({ consumer: 'orchestrator', topic: replyTopic });
    expect(letters[0].reason).toContain('header "message-id" is missing');
    expect(letters[0].reason).toContain('the value is not JSON');
    // ... and a copy went to the reply topic's dead-letter topic.
    const admin = new Kafka({ clientId: 'baton-test', brokers: [TEST_KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(`${replyTopic}.dlq`);
    await admin.disconnect();
    expect(offsets.reduce((sum, partition) => sum + Number(partition.high), 0)).toBe(1);

    const after = await startOrders(host.baseUrl, 10, 'after-garbage', ['completes']);
    expect(await endedWrongly(after, 30_000)).toEqual([]);
  });

  it('dead-letters a malformed command at the participant, which goes on with the next', async () => {
    await producer.send({
      topic: `${prefix}inventory.commands`,
      acks: -1,
      messages: [reply(uuidv7(), 'ReserveStock', { orderId: 42 })],
    });
    const letters = await eventually(async () => {
      const rows = await query<{ consumer: string; reason: string }>(participantSchema, `SELECT consumer, reason FROM participant_dead_letter`);
      return rows.length ? rows : undefined;
    });
    expect(letters).toEqual([{ consumer: 'participant:inventory', reason: expect.stringContaining('ReserveStock payload is invalid: orderId') }]);
    const after = await startOrders(host.baseUrl, 5, 'after-bad-command', ['completes']);
    expect(await endedWrongly(after, 30_000)).toEqual([]);
  });

  it('lets a participant stopped with SIGTERM mid-run finish its batch, leave, and pick up again when restarted', async () => {
    const run = await startOrders(host.baseUrl, 100, 'sigterm', ['completes', 'payment-refused']);
    await participants.stop();
    // Nest closes the app on SIGTERM, then ends the process with the same signal.
    expect(participants.exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(participants.output.join('')).toContain('Participants stopped: commands in hand finished');
    await participants.start();
    expect(await endedWrongly(run, 60_000)).toEqual([]);
    expect(await appliedTwice()).toEqual([]);
  }, 120_000);

  it('loses no saga when the broker restarts in the middle of a run', async () => {
    const scenarios: OrderScenario[] = ['completes', 'stock-refused', 'payment-refused', 'shipment-refused'];
    const first = await startOrders(host.baseUrl, 100, 'restart-a', scenarios);
    await brokerAsync('stop');
    try {
      // Started while the broker is down: their commands wait in the outbox.
      const during = await startOrders(host.baseUrl, 20, 'restart-b', scenarios);
      first.push(...during);
    } finally {
      await brokerAsync('start');
    }
    expect(await endedWrongly(first, 120_000)).toEqual([]);
    expect(await appliedTwice()).toEqual([]);
  }, 180_000);
});
