import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { HostProcess } from './support/host-process';
import { eventually, orderFor, type OrderScenario } from './support/orders';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';
import { DEV_AUTHORIZATION } from './support/test-app';

/**
 * The order saga's payment deadline with the host as real processes on
 * PostgreSQL: a timer is a row in baton_timer, not a setTimeout, so it
 * outlives a crash, fires once however many hosts poll for it, and is gone
 * once the state that armed it is left. Each test has a schema of its own.
 *
 * The payment timer is the one under test: the stock step's reply timeout
 * (10 s) is another timer of the same sagas, legitimately armed while stock
 * has not answered, so it counts only where no timer at all may fire.
 */

const PAYMENT_TIMER = `'xstate.after.paymentTimeout.%'`;

/** Payment timers still armed for the sagas in $1. */
const ARMED_PAYMENT_TIMERS = `SELECT count(*) AS n FROM baton_timer WHERE saga_id = ANY($1::uuid[]) AND timer_key LIKE ${PAYMENT_TIMER}`;
const DUE_PAYMENT_TIMERS = `${ARMED_PAYMENT_TIMERS} AND due_at <= now()`;
const ENDED_SAGAS = `SELECT count(*) AS n FROM baton_saga WHERE id = ANY($1::uuid[]) AND ended_at IS NOT NULL`;

/**
 * Per saga in $1: how it stands, how often its payment timer fired, how
 * often any timer fired, and how many timers of any kind are left.
 */
const TIMER_OUTCOMES = `
  SELECT s.status, s.state_value AS state,
         (SELECT count(*) FROM baton_saga_history h
           WHERE h.saga_id = s.id AND h.kind = 'timer' AND h.event_type LIKE ${PAYMENT_TIMER})::int AS fired,
         (SELECT count(*) FROM baton_saga_history h WHERE h.saga_id = s.id AND h.kind = 'timer')::int AS "anyFired",
         (SELECT count(*) FROM baton_timer t WHERE t.saga_id = s.id)::int AS armed
    FROM baton_saga s
   WHERE s.id = ANY($1::uuid[])`;

interface TimerOutcome {
  status: string;
  state: unknown;
  fired: number;
  anyFired: number;
  armed: number;
}

/** Starts are sent this many at a time. */
const WAVE = 50;

const schemas: TestSchema[] = [];
const clients: Client[] = [];
const hosts: HostProcess[] = [];

/** A schema of its own, hosts that run on it, and SQL against it. */
async function deployment(prefix: string) {
  const schema = await TestSchema.create(prefix);
  schemas.push(schema);
  const db = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema.name}` });
  clients.push(db);
  await db.connect();
  const count = async (sql: string, ids: string[]) => Number((await db.query<{ n: string }>(sql, [ids])).rows[0].n);
  return {
    host(env: Record<string, string>): HostProcess {
      const host = new HostProcess({
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema.name,
        ...env,
      });
      hosts.push(host);
      return host;
    },
    count,
    /** Waits until `sql` counts `expected` for the sagas in `ids`. */
    until: (sql: string, ids: string[], expected: number, what: string, timeoutMs = 60_000) =>
      eventually(async () => ((await count(sql, ids)) === expected ? true : undefined), timeoutMs, what),
    outcomes: async (ids: string[]) => (await db.query<TimerOutcome>(TIMER_OUTCOMES, [ids])).rows,
  };
}


async function startOrder(host: HostProcess, scenario: OrderScenario): Promise<string> {
  const response = await fetch(`${host.baseUrl}/sagas/order-fulfillment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: DEV_AUTHORIZATION },
    body: JSON.stringify(orderFor(scenario, `timers-${randomUUID()}`)),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

/** Starts `total` orders through `host`, WAVE concurrent requests at a time; returns their saga ids. */
async function startOrders(host: HostProcess, scenario: OrderScenario, total: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < total) {
    const wave = Math.min(WAVE, total - ids.length);
    ids.push(...(await Promise.all(Array.from({ length: wave }, () => startOrder(host, scenario)))));
  }
  return ids;
}

/** Every saga's outcome, in the fields `expected` names, is `expected`. */
function expectEvery(outcomes: TimerOutcome[], total: number, expected: Partial<TimerOutcome>): void {
  const keys = Object.keys(expected) as Array<keyof TimerOutcome>;
  const seen = outcomes.map((outcome) => Object.fromEntries(keys.map((key) => [key, outcome[key]])));
  expect(seen).toEqual(Array.from({ length: total }, () => expected));
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

afterAll(async () => {
  await Promise.all(clients.map((db) => db.end()));
  await Promise.all(schemas.map((schema) => schema.drop()));
});

describe('A host killed while 50 payment timers fall due', () => {
  it('fires each of them once after it restarts', async () => {
    const db = await deployment('timers_crash');
    const host = db.host({ ORDER_PAYMENT_TIMEOUT_MS: '2000', TIMER_POLL_INTERVAL_MS: '50' });
    await host.start();
    const ids = await startOrders(host, 'payment-times-out', 50);
    await host.kill();

    // Every deadline outlived the process that armed it, and none fired before it died.
    expect(await db.count(ARMED_PAYMENT_TIMERS, ids)).toBe(50);
    await db.until(DUE_PAYMENT_TIMERS, ids, 50, 'every payment timer to fall due while the host is down', 10_000);

    await host.start();
    await db.until(ENDED_SAGAS, ids, 50, 'every saga to end after the restart');
    expectEvery(await db.outcomes(ids), 50, { status: 'compensated', fired: 1, armed: 0 });
  }, 180_000);
});

describe('Two hosts polling the same database', () => {
  it('fire each of 200 due timers exactly once', async () => {
    const db = await deployment('timers_two_hosts');
    // No participants: nothing answers, so each saga waits at its payment deadline.
    const env = { PARTICIPANTS: 'none', ORDER_PAYMENT_TIMEOUT_MS: '1500', TIMER_POLL_INTERVAL_MS: '20' };
    const [a, b] = [db.host(env), db.host(env)];
    // One after the other: the second finds the schema migrated.
    await a.start();
    await b.start();
    const ids = await startOrders(a, 'payment-times-out', 200);

    await db.until(ARMED_PAYMENT_TIMERS, ids, 0, 'every payment timer to fire', 30_000);
    // Payment gave up; the join still waits for stock, which nobody answers.
    expectEvery(await db.outcomes(ids), 200, { state: { securing: { stock: 'reserving', payment: 'timedOut' } }, fired: 1 });
  }, 180_000);
});

describe('A timer whose state was left before it fired', () => {
  it('never fires', async () => {
    const db = await deployment('timers_left');
    // Long enough for every payment to be answered first on a busy machine: a fired timer here means one was left behind.
    const paymentTimeoutMs = 5_000;
    const host = db.host({ ORDER_PAYMENT_TIMEOUT_MS: String(paymentTimeoutMs), TIMER_POLL_INTERVAL_MS: '50' });
    await host.start();
    const ids = await startOrders(host, 'completes', 20);
    const wouldHaveFired = Date.now() + paymentTimeoutMs;

    await db.until(ENDED_SAGAS, ids, 20, 'every order to complete');
    // Two seconds past the last deadline: a timer left behind would have fired by now.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wouldHaveFired + 2000 - Date.now())));
    expectEvery(await db.outcomes(ids), 20, { status: 'completed', anyFired: 0, armed: 0 });
  }, 180_000);
});
