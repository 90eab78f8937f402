import { BATON_ENTITIES, BATON_MIGRATIONS, SagaTimerRepository, createDataSource } from '@baton/postgres';
import type { DataSource } from 'typeorm';
import { CLAIM_DUE_TIMERS, NEXT_DUE_IN_MS } from '../libs/postgres/src/repositories/saga-timer.repository';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * The timer poller asks, at every poll, for the due timers and for when the
 * next one is due. Sagas wait on timers for long (a payment window, a
 * shipment's deadline), so most armed timers are not due, and both
 * statements must read only the due ones: a range of the due_at index, not
 * every armed timer at every poll. Checked on the statements' plans with
 * many timers armed for tomorrow and a few due, against the real
 * PostgreSQL, on a table that was never analysed.
 */

const ARMED_FOR_TOMORROW = 50_000;
const DUE = 3;

type PlanNode = { 'Node Type': string; 'Actual Rows': number; 'Shared Hit Blocks': number; 'Shared Read Blocks': number; Plans?: PlanNode[] };

let schema: TestSchema;
let dataSource: DataSource;

beforeAll(async () => {
  schema = await TestSchema.create('timer_scan');
  dataSource = await createDataSource({ url: TEST_DATABASE_URL, schema: schema.name, entities: BATON_ENTITIES, migrations: BATON_MIGRATIONS });
  await dataSource.query(`ALTER TABLE baton_timer SET (autovacuum_enabled = off)`);
  await dataSource.query(
    `INSERT INTO baton_saga (id, name, definition_version, status, state_value, snapshot, version, correlation_id)
     SELECT gen_random_uuid(), 'waiting', 1, 'running', '"waiting"', '{}', 1, 'waiting-' || g FROM generate_series(1, $1) AS g`,
    [ARMED_FOR_TOMORROW + DUE],
  );
  await dataSource.query(
    `INSERT INTO baton_timer (saga_id, timer_key, due_at)
     SELECT id, 'deadline', now() + CASE WHEN row_number() OVER (ORDER BY id) <= $1 THEN interval '-1 second' ELSE interval '1 day' END
       FROM baton_saga`,
    [DUE],
  );
}, 60_000);

afterAll(async () => {
  await dataSource?.destroy();
  await schema?.drop();
});

/** The statement's plan, run (and rolled back): rows it answered, buffers it read. */
async function run(text: string, values: unknown[]): Promise<{ rows: number; buffers: number }> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    const [{ 'QUERY PLAN': [{ Plan: plan }] }]: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }> = await runner.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
      values,
    );
    return { rows: plan['Actual Rows'], buffers: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'] };
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

it(`claims the ${DUE} due timers reading a few dozen buffers, not the ${ARMED_FOR_TOMORROW} armed for tomorrow`, async () => {
  const claim = await run(CLAIM_DUE_TIMERS, [100, 5_000]);
  expect(claim.rows).toBe(DUE);
  // Reading every armed timer's index entry and row took about 600 buffers here.
  expect(claim.buffers).toBeLessThan(60);
});

it('finds when the next timer is due reading a few buffers', async () => {
  const next = await run(NEXT_DUE_IN_MS, []);
  expect(next.rows).toBe(1);
  expect(next.buffers).toBeLessThan(30);
});

it('claims the due timers, and then waits for their claims to run out (the others are due tomorrow)', async () => {
  const timers = new SagaTimerRepository(dataSource);
  expect(await timers.nextDueInMs()).toBe(0);
  const claimed = await timers.claimDue(100, 5_000);
  expect(claimed.map((timer) => timer.timerKey)).toEqual(Array(DUE).fill('deadline'));
  expect(await timers.claimDue(100, 5_000)).toEqual([]);
  const next = await timers.nextDueInMs();
  expect(next).toBeGreaterThan(0);
  expect(next).toBeLessThanOrEqual(5_000);
});
