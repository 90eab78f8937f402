import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { InProcessTransport, SagaRegistry } from '@baton/core';
import { DeadLetterRepository, SagaRepository, SagaTimerRepository } from '@baton/postgres';
import type { DataSource } from 'typeorm';
import { SagaGauges, type DatabaseReadingByState } from '../libs/nest/src/metrics/saga-gauges.service';
import { migratedSchema } from './support/dead-entries';
import type { TestSchema } from './support/test-database';

/**
 * The gauges and GET /overview show counts side by side: sagas in flight,
 * the commands waiting in the outbox, where the sagas wait. Read at
 * different moments they disagree while sagas start (in flight 0, backlog
 * 6: a scrape that an operator, or a test, cannot make sense of). They are
 * read in one snapshot. Checked against the real PostgreSQL while
 * transactions like a saga's start commit alongside.
 */

const STARTS = 400;
const COMMANDS_PER_START = 2;

let schema: TestSchema;
let dataSource: DataSource;
let gauges: SagaGauges;

beforeAll(async () => {
  ({ schema, dataSource } = await migratedSchema('gauge_snapshot'));
  gauges = new SagaGauges(
    new Registry(),
    dataSource,
    new InProcessTransport(),
    new SagaRegistry(),
    new SagaRepository(dataSource),
    new SagaTimerRepository(dataSource),
    new DeadLetterRepository(dataSource),
  );
}, 60_000);

afterAll(async () => {
  await dataSource?.destroy();
  await schema?.drop();
});

/** What a saga's start commits: its row and the commands it sends, in one transaction. */
async function start(): Promise<void> {
  const sagaId = randomUUID();
  await dataSource.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO baton_saga (id, name, definition_version, status, state_value, snapshot, version, correlation_id)
       VALUES ($1, 'order', 1, 'running', '"reserving"', '{}', 1, $2)`,
      [sagaId, `order-${sagaId}`],
    );
    await tx.query(
      `INSERT INTO baton_outbox (message_id, saga_id, topic, sender, message_type, envelope)
       SELECT gen_random_uuid(), $1, 'saga.commands', 'order', 'Command' || g, '{}' FROM generate_series(1, $2) AS g`,
      [sagaId, COMMANDS_PER_START],
    );
  });
}

const running = (reading: DatabaseReadingByState) => reading.inFlight.reduce((sum, { count }) => sum + count, 0);

it('reads the sagas in flight, the backlog and where the sagas wait in one snapshot while sagas start', async () => {
  let starting = true;
  const starts = (async () => {
    try {
      // Four at a time, as concurrent requests would.
      for (let i = 0; i < STARTS; i += 4) await Promise.all([start(), start(), start(), start()]);
    } finally {
      starting = false;
    }
  })();
  const readings: DatabaseReadingByState[] = [];
  while (starting) {
    const reading = await gauges.databaseReadingByState(10);
    if (!reading) throw new Error('The database could not be read (see the log)');
    readings.push(reading);
  }
  await starts;

  const disagreeing = readings.filter(
    (reading) =>
      reading.backlog.count !== COMMANDS_PER_START * running(reading) ||
      reading.inFlightByState.reduce((sum, { count }) => sum + count, 0) !== running(reading),
  );
  expect(readings.length).toBeGreaterThan(5);
  expect(disagreeing.map((reading) => ({ inFlight: running(reading), backlog: reading.backlog.count }))).toEqual([]);

  const last = await gauges.databaseReadingByState(10);
  expect(last).toEqual(
    expect.objectContaining({
      inFlight: [{ name: 'order', status: 'running', count: STARTS }],
      backlog: expect.objectContaining({ count: COMMANDS_PER_START * STARTS }),
      inFlightByState: [{ name: 'order', status: 'running', stateValue: 'reserving', count: STARTS }],
      timers: { due: 0, overdue: 0 },
      deadLettersOpen: 0,
    }),
  );
}, 120_000);
