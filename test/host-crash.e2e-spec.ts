import { Client } from 'pg';
import { HostProcess } from './support/host-process';
import { EXPECTED_STATUS, SCENARIOS, eventually, orderFor, type OrderScenario } from './support/orders';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';
import { DEV_AUTHORIZATION } from './support/test-app';

/**
 * The host (with its in-process participants) is killed with SIGKILL while
 * 100 sagas are in flight, then started again on the same database. Nothing
 * may be lost and nothing may happen twice.
 */

const SAGAS = 100;

let schema: TestSchema;
let db: Client;
let host: HostProcess;

beforeAll(async () => {
  schema = await TestSchema.create('crash');
  db = new Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  host = new HostProcess({
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema.name,
    // Each command takes 150 ms, so a saga needs about half a second: the kill at 300 ms lands mid-flight.
    PARTICIPANT_LATENCY_MS: '150',
    // Longer than a restart plus the dead relay's lease (5 s) on the commands it had
    // claimed, so only the orders meant to time out do.
    ORDER_PAYMENT_TIMEOUT_MS: '15000',
    TIMER_POLL_INTERVAL_MS: '50',
  });
});

afterAll(async () => {
  await host?.stop();
  await db?.end();
  await schema?.drop();
});

async function startOrder(scenario: OrderScenario, i: number): Promise<{ id: string; scenario: OrderScenario }> {
  const orderId = `crash-${i}`;
  const response = await fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': orderId, authorization: DEV_AUTHORIZATION },
    body: JSON.stringify(orderFor(scenario, orderId)),
  });
  expect(response.status).toBe(202);
  return { id: ((await response.json()) as { id: string }).id, scenario };
}

async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(`SET search_path TO ${schema.name}`), (await db.query(sql, params)).rows) as T[];
}

describe('A host killed while 100 sagas are in flight', () => {
  it('finishes every saga after a restart, losing none and applying no command twice', async () => {
    await host.start();
    const started = await Promise.all(Array.from({ length: SAGAS }, (_, i) => startOrder(SCENARIOS[i % SCENARIOS.length], i)));
    const ids = started.map((s) => s.id);
    await new Promise((resolve) => setTimeout(resolve, 300));

    await host.kill();
    const inFlight = await rows<{ n: string }>(
      `SELECT count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND ended_at IS NULL`,
      [ids],
    );
    // The kill has to land mid-flight for this test to mean anything.
    expect(Number(inFlight[0].n)).toBeGreaterThan(SAGAS / 4);

    await host.start();
    await eventually(
      async () => {
        const [{ n }] = await rows<{ n: string }>(
          `SELECT count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND ended_at IS NOT NULL`,
          [ids],
        );
        return Number(n) === SAGAS ? true : undefined;
      },
      60_000,
      'every saga to end',
    );

    // None lost: every saga ended the way its input says it must.
    const ended = await rows<{ id: string; status: string; failure: unknown }>(
      `SELECT id, status, snapshot->'context'->'failure' AS failure FROM baton_saga WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(ended.map((saga) => [saga.id, saga]));
    const wrong = started
      .map(({ id, scenario }) => ({ id, scenario, ...byId.get(id) }))
      .filter((saga) => saga.status !== EXPECTED_STATUS[saga.scenario]);
    expect(wrong).toEqual([]);

    // Nothing twice: one ledger row per command, and per saga at most one of each command type.
    await eventually(
      async () => {
        const [{ n }] = await rows<{ n: string }>(`SELECT count(*) AS n FROM baton_outbox WHERE published_at IS NULL`);
        return Number(n) === 0 ? true : undefined;
      },
      20_000,
      'the outbox to drain',
    );
    const repeatedCommands = await rows(
      `SELECT command_id, count(*) FROM example_ledger GROUP BY command_id HAVING count(*) > 1`,
    );
    expect(repeatedCommands).toEqual([]);
    const repeatedEffects = await rows(
      `SELECT saga_id, command_type, count(*) FROM example_ledger GROUP BY saga_id, command_type HAVING count(*) > 1`,
    );
    expect(repeatedEffects).toEqual([]);

    // What was done was undone: every reserved stock of a compensated order was released.
    const unreleased = await rows(
      `SELECT r.saga_id FROM example_ledger r
        JOIN baton_saga s ON s.id = r.saga_id AND s.status = 'compensated'
       WHERE r.command_type = 'ReserveStock' AND r.outcome = 'reserved'
         AND NOT EXISTS (SELECT 1 FROM example_ledger x WHERE x.saga_id = r.saga_id AND x.command_type = 'ReleaseStock')`,
    );
    expect(unreleased).toEqual([]);
    const notified = await rows<{ n: string }>(
      `SELECT count(*) AS n FROM example_ledger WHERE command_type = 'NotifyCustomer' AND saga_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(Number(notified[0].n)).toBe(started.filter((s) => s.scenario === 'completes').length);
  });
});
