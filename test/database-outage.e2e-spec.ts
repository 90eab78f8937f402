import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { HostProcess, participantsProcess } from './support/host-process';
import { TEST_KAFKA_BROKERS, requireBroker } from './support/kafka-broker';
import { EXPECTED_STATUS, eventually, orderFor, type OrderScenario } from './support/orders';
import { PrivatePostgres } from './support/private-postgres';
import { DEV_AUTHORIZATION } from './support/test-app';

/**
 * PostgreSQL crashes under a running system: the host and the example
 * participants as processes over the real broker, on a PostgreSQL cluster of
 * the test's own, which it crashes (every server process killed, as in a
 * power cut) and starts again. Meanwhile every endpoint that needs the
 * database answers 503 with Retry-After, never 500, and readiness names the
 * database and why; replies and commands wait for it instead of being
 * dead-lettered (the outage outlasts the 5 attempts a failing message used
 * to get); nothing crashes. Afterwards every saga ends as its input says.
 */

const prefix = `outage${randomBytes(3).toString('hex')}.`;
/** Longer than a failing message's retries took before it was dead-lettered (about 3 s over 5 attempts). */
const OUTAGE_MS = 12_000;
const SCENARIOS: OrderScenario[] = ['completes', 'stock-refused', 'payment-refused', 'shipment-refused'];

let postgres: PrivatePostgres;
let host: HostProcess;
let participants: HostProcess;

beforeAll(async () => {
  await requireBroker();
  postgres = await PrivatePostgres.start();
  const common = { KAFKA_BROKERS: TEST_KAFKA_BROKERS, DATABASE_URL: postgres.url, TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3' };
  host = new HostProcess({
    ...common,
    DATABASE_SCHEMA: 'host',
    KAFKA_GROUP_ID: `${prefix}orchestrator`,
    TIMER_POLL_INTERVAL_MS: '100',
    // No saga deadline near the outage: on a busy machine a payment deadline (15 s by default) could fire,
    // once the database is back, before the reply that waited out the outage is applied, and the order
    // would rightly compensate. Deadlines against late replies are the fault-injection test's subject.
    ORDER_PAYMENT_TIMEOUT_MS: '600000',
    ORDER_REPLY_TIMEOUT_MS: '600000',
  });
  participants = participantsProcess({ ...common, DATABASE_SCHEMA: 'participants', KAFKA_GROUP_ID: `${prefix}participants`, PARTICIPANT_LATENCY_MS: '200' });
  await host.start();
  await participants.start();
}, 180_000);

afterAll(async () => {
  await Promise.all([host?.stop(), participants?.stop()]);
  postgres?.destroy();
});

/** SQL on the private cluster, in one schema; a new connection each time (the server comes and goes). */
async function query<T>(schema: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: postgres.url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function start(scenario: OrderScenario, orderId: string, idempotencyKey = orderId): Promise<Response> {
  return fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION, 'idempotency-key': idempotencyKey },
    body: JSON.stringify(orderFor(scenario, orderId)),
  });
}

async function startOrders(count: number, label: string): Promise<Array<{ id: string; scenario: OrderScenario }>> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const scenario = SCENARIOS[i % SCENARIOS.length];
      const response = await start(scenario, `${label}-${i}`);
      expect(response.status).toBe(202);
      return { id: ((await response.json()) as { id: string }).id, scenario };
    }),
  );
}

interface Answer {
  request: string;
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  body: any;
}

/** What an operator, a client and a probe get while the database is down, one request of each kind. */
async function askEverything(sagaId: string, round: number): Promise<Answer[]> {
  const operator = { authorization: DEV_AUTHORIZATION, 'content-type': 'application/json' };
  const requests: Array<[string, () => Promise<Response>]> = [
    ['start', () => start('completes', `during-${round}`, 'during-the-outage')],
    ['get saga', () => fetch(`${host.baseUrl}/sagas/${sagaId}`)],
    ['list sagas', () => fetch(`${host.baseUrl}/sagas?limit=5`)],
    ['history', () => fetch(`${host.baseUrl}/sagas/${sagaId}/history`)],
    ['abort', () => fetch(`${host.baseUrl}/sagas/${sagaId}/abort`, { method: 'POST', headers: operator, body: JSON.stringify({ reason: 'test' }) })],
    ['dead letters', () => fetch(`${host.baseUrl}/dead-letters`)],
    ['ready', () => fetch(`${host.baseUrl}/health/ready`)],
  ];
  return Promise.all(
    requests.map(async ([request, send]) => {
      const response = await send();
      return {
        request,
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        contentType: response.headers.get('content-type'),
        body: await response.json(),
      };
    }),
  );
}

describe('A PostgreSQL crash under a running system', () => {
  it('is answered 503 with Retry-After everywhere, waited out by the consumers, and leaves every saga ending as its input says', async () => {
    const before = await startOrders(40, 'before');
    // Under way: some replies applied, more in flight.
    await eventually(
      async () => ((await query<{ n: string }>('host', `SELECT count(*) AS n FROM baton_saga_history WHERE kind = 'message'`))[0].n !== '0' || undefined),
      30_000,
      'replies to flow',
    );

    postgres.crash();
    const answers: Answer[] = [];
    const outageEnds = Date.now() + OUTAGE_MS;
    for (let round = 0; Date.now() < outageEnds; round++) answers.push(...(await askEverything(before[0].id, round)));
    postgres.start();

    // Back: ready again, the start refused during the outage goes through under its key, every saga ends as its input says.
    await eventually(async () => ((await fetch(`${host.baseUrl}/health/ready`)).status === 200 || undefined), 60_000, 'the host to be ready');
    const retried = await start('completes', 'during-0', 'during-the-outage');
    const after = await startOrders(8, 'after');
    const all = [...before, ...after];
    const ids = all.map((s) => s.id);
    await eventually(
      async () => {
        const [{ n }] = await query<{ n: string }>('host', `SELECT count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND ended_at IS NOT NULL`, [ids]);
        return Number(n) === ids.length || undefined;
      },
      120_000,
      `${ids.length} sagas to end`,
    );
    const statuses = new Map(
      (await query<{ id: string; status: string }>('host', `SELECT id, status FROM baton_saga WHERE id = ANY($1::uuid[])`, [ids])).map((r) => [r.id, r.status]),
    );

    const problems = answers.filter((a) => a.request !== 'ready');
    const readiness = answers.filter((a) => a.request === 'ready');
    const distinct = (values: string[]) => [...new Set(values)].sort();
    expect({
      // Every request that needs the database: a 503 problem with Retry-After, never a 500.
      answered: distinct(problems.map((a) => `${a.request}: ${a.status} ${a.body.type}, Retry-After ${a.retryAfter}, ${a.contentType}`)),
      // Readiness: 503, naming the database and the driver's reason.
      ready: distinct(readiness.map((a) => `${a.status}`)),
      database: readiness[readiness.length - 1].body.error?.database,
      retriedStart: retried.status,
      endedOtherwise: all.filter((s) => statuses.get(s.id) !== EXPECTED_STATUS[s.scenario]),
      // Nothing was dead-lettered, on either side, and neither process died.
      deadLetters: {
        host: await query('host', `SELECT consumer, reason FROM baton_dead_letter`),
        participants: await query('participants', `SELECT consumer, reason FROM participant_dead_letter`),
      },
      exits: { host: host.exit, participants: participants.exit },
    }).toEqual({
      answered: distinct(
        ['start', 'get saga', 'list sagas', 'history', 'abort', 'dead letters'].map(
          (request) => `${request}: 503 https://baton.dev/problems/database-unavailable, Retry-After 5, application/problem+json; charset=utf-8`,
        ),
      ),
      ready: ['503'],
      database: { status: 'down', message: expect.stringMatching(/^the database is unavailable: \S/) },
      retriedStart: 202,
      endedOtherwise: [],
      deadLetters: { host: [], participants: [] },
      exits: { host: undefined, participants: undefined },
    });
    // The background loops logged the outage once each, not at every round.
    const output = host.output.join('');
    for (const loop of ['timer poller', 'outbox relay (baton_outbox)']) {
      expect(output.split(`${loop}: round failed`).length - 1).toBeLessThanOrEqual(1);
    }
  }, 300_000);
});
