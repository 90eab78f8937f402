import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { HostProcess, participantsProcess } from './support/host-process';
import { TEST_KAFKA_BROKERS, requireBroker } from './support/kafka-broker';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION } from './support/test-app';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * A host that starts with timers overdue and, already on the reply topic,
 * the replies that answer them: the participants answered while the host was
 * down. The replies must be applied first (the saga goes on and completes);
 * the timers they disarm must never fire (a reply timeout would resend the
 * command, the payment deadline would compensate a paid order).
 */

const prefix = `gate${randomBytes(3).toString('hex')}.`;
const replyTopic = `${prefix}saga.replies`;
const SAGAS = 100;
let hostSchema: TestSchema;
let participantSchema: TestSchema;
let host: HostProcess;
let participants: HostProcess;
let db: Client;

beforeAll(async () => {
  await requireBroker();
  hostSchema = await TestSchema.create('gate_host');
  participantSchema = await TestSchema.create('gate_parts');
  const common = { KAFKA_BROKERS: TEST_KAFKA_BROKERS, DATABASE_URL: TEST_DATABASE_URL, TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3' };
  host = new HostProcess({
    ...common,
    DATABASE_SCHEMA: hostSchema.name,
    KAFKA_GROUP_ID: `${prefix}orchestrator`,
    // Nothing falls due by itself during the test: the test makes the timers overdue.
    ORDER_REPLY_TIMEOUT_MS: '600000',
    ORDER_PAYMENT_TIMEOUT_MS: '600000',
  });
  participants = participantsProcess({ ...common, DATABASE_SCHEMA: participantSchema.name, KAFKA_GROUP_ID: `${prefix}participants` });
  db = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${hostSchema.name}` });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await Promise.all([host?.stop(), participants?.stop()]);
  await db?.end();
  await hostSchema?.drop();
  await participantSchema?.drop();
});

async function count(sql: string, params: unknown[]): Promise<number> {
  return Number((await db.query<{ n: string }>(sql, params)).rows[0].n);
}

async function repliesOnTopic(): Promise<number> {
  const admin = new Kafka({ clientId: 'baton-test', brokers: [TEST_KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(replyTopic)).reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('A host that starts with overdue timers and their replies already on the broker', () => {
  it('applies the replies before firing timers: every saga completes and no timer fires', async () => {
    await host.start();
    const ids = await Promise.all(
      Array.from({ length: SAGAS }, async (_, i) => {
        const response = await fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
          body: JSON.stringify(orderFor('completes', `gate-${i}`)),
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    // Each saga reserves stock and authorizes payment at once: two commands out, a reply timeout and a payment deadline armed.
    await eventually(
      async () => ((await count(`SELECT count(*) AS n FROM baton_outbox WHERE saga_id = ANY($1::uuid[]) AND published_at IS NOT NULL`, [ids])) === 2 * SAGAS ? true : undefined),
      30_000,
      'the commands to be published',
    );
    await host.stop();

    // While the host is down its timers fall due, and the participants answer.
    const overdue = await db.query(`UPDATE baton_timer SET due_at = now() - interval '1 minute' WHERE saga_id = ANY($1::uuid[])`, [ids]);
    expect(overdue.rowCount).toBe(2 * SAGAS);
    await participants.start();
    await eventually(async () => ((await repliesOnTopic()) >= 2 * SAGAS ? true : undefined), 60_000, 'the replies to be on the reply topic');

    await host.start();
    await eventually(
      async () => ((await count(`SELECT count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND ended_at IS NOT NULL`, [ids])) === SAGAS ? true : undefined),
      60_000,
      'the sagas to end',
    );
    const { rows } = await db.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) GROUP BY status`,
      [ids],
    );
    const fired = await db.query<{ event_type: string }>(
      `SELECT event_type FROM baton_saga_history WHERE saga_id = ANY($1::uuid[]) AND kind = 'timer'`,
      [ids],
    );
    expect({ statuses: rows.map(({ status, n }) => `${status}: ${n}`), timersFired: fired.rows.map((row) => row.event_type) }).toEqual({
      statuses: [`completed: ${SAGAS}`],
      timersFired: [],
    });
    // The timers started because the replies were applied, not because the wait for them ran out.
    const start = await eventually(async () => host.output.join('').match(/Timers start[^\n]*/)?.[0], 30_000, 'the timers to start');
    expect(start).toContain('Timers start: the replies waiting on the broker were applied first');
  }, 240_000);
});
