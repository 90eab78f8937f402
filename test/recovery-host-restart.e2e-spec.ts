import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { HostProcess, participantsProcess } from './support/host-process';
import { TEST_KAFKA_BROKERS, requireBroker } from './support/kafka-broker';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION } from './support/test-app';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * A host killed with SIGKILL and replaced at once, as a supervisor would:
 * the host and the example participants run compiled, in processes of their
 * own, over the real broker. The dead host's consumer stays a member of the
 * group until its session times out, so the replacement cannot join before
 * then; meanwhile it must already serve HTTP (readiness says why it is not
 * ready), and replies must flow again well before the 30 s that kafkajs'
 * default session took.
 */

const prefix = `recovery${randomBytes(3).toString('hex')}.`;
let hostSchema: TestSchema;
let participantSchema: TestSchema;
let host: HostProcess;
let participants: HostProcess;
let db: Client;

beforeAll(async () => {
  await requireBroker();
  hostSchema = await TestSchema.create('recovery_host');
  participantSchema = await TestSchema.create('recovery_parts');
  const common = { KAFKA_BROKERS: TEST_KAFKA_BROKERS, DATABASE_URL: TEST_DATABASE_URL, TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3' };
  // No payment deadline near the restart: the sagas the dead host left must complete, however busy the machine.
  host = new HostProcess({ ...common, DATABASE_SCHEMA: hostSchema.name, KAFKA_GROUP_ID: `${prefix}orchestrator`, ORDER_PAYMENT_TIMEOUT_MS: '600000' });
  // Slow participants: commands are in their hands when the host dies, so replies wait for the replacement.
  participants = participantsProcess({ ...common, DATABASE_SCHEMA: participantSchema.name, KAFKA_GROUP_ID: `${prefix}participants`, PARTICIPANT_LATENCY_MS: '1500' });
  await host.start();
  await participants.start();
  db = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${hostSchema.name}` });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await Promise.all([host?.stop(), participants?.stop()]);
  await db?.end();
  await hostSchema?.drop();
  await participantSchema?.drop();
});

async function startOrders(count: number, label: string): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const response = await fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
        body: JSON.stringify(orderFor('completes', `${label}-${i}`)),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { id: string }).id;
    }),
  );
}

/** When the first reply was applied after `since` (a history row of kind message), if one was. */
async function firstReplyAppliedAfter(since: Date): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(`SELECT min(at) AS at FROM baton_saga_history WHERE kind = 'message' AND at > $1`, [since]);
  return rows[0].at ?? undefined;
}

describe('A host killed with SIGKILL and replaced at once', () => {
  it('serves HTTP before its consumer joins, says so on /health/ready, and applies replies again well within 20 s', async () => {
    const ids = await startOrders(20, 'killed');
    // The sagas are under way: their first replies were applied by this host.
    await eventually(async () => ((await firstReplyAppliedAfter(new Date(0))) ? true : undefined), 30_000, 'a first reply');

    const killedAt = new Date();
    await host.kill();
    const spawnedAt = Date.now();
    await host.start();
    const servingAfterMs = Date.now() - spawnedAt;
    const firstReady = await fetch(`${host.baseUrl}/health/ready`);
    const readiness = (await firstReady.json()) as { details?: { transport?: Record<string, unknown> } };

    const appliedAt = await eventually(() => firstReplyAppliedAfter(killedAt), 60_000, 'a reply applied by the replacement');
    const readyAt = await eventually(
      async () => ((await fetch(`${host.baseUrl}/health/ready`)).status === 200 ? Date.now() : undefined),
      60_000,
      'the replacement to be ready',
    );
    const timings = {
      servingAfterSpawnMs: servingAfterMs,
      readyAfterSpawnMs: readyAt - spawnedAt,
      replyAppliedAfterSpawnMs: appliedAt.getTime() - spawnedAt,
      replyAppliedAfterKillMs: appliedAt.getTime() - killedAt.getTime(),
    };
    console.log(`Recovery after SIGKILL: ${JSON.stringify(timings)}`);

    // Serving before the group let it in: readiness says the consumer has not joined yet.
    expect({ status: firstReady.status, transport: readiness.details?.transport }).toEqual({
      status: 503,
      transport: expect.objectContaining({ status: 'down', consumer: 'down' }),
    });
    expect(timings.replyAppliedAfterSpawnMs).toBeLessThan(20_000);
    // And every saga the dead host left in flight completes.
    await eventually(
      async () => {
        const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND status = 'completed'`, [ids]);
        return Number(rows[0].n) === ids.length ? true : undefined;
      },
      90_000,
      `${ids.length} sagas to complete`,
    );
  }, 240_000);
});
