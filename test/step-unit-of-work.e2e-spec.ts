import { InvalidMessageError, SagaNotFoundError, SagaRegistry, defaultTopicNames, uuidv7 } from '@baton/core';
import {
  OutboxNotificationListener,
  OutboxRelay,
  OutboxRepository,
  SagaStepUnitOfWork,
  SagaTimerRepository,
  TimerPoller,
  createBatonDataSource,
} from '@baton/postgres';
import { createOrderFulfillmentSaga } from '@example/sagas';
import type { DataSource } from 'typeorm';
import { orderReply } from './support/envelopes';
import { eventually, orderFor, type OrderScenario } from './support/orders';
import { RecordingTransport } from './support/recording-transport';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * The step transaction, the relay and the timers against the real
 * PostgreSQL, without HTTP and without participants: replies are made up
 * here, so every interleaving is under the test's control.
 */

const topics = defaultTopicNames();
const registry = new SagaRegistry([createOrderFulfillmentSaga({ paymentTimeoutMs: 300 })]);

let schema: TestSchema;
const hosts: DataSource[] = [];

/** One "host": its own pool on the shared schema, as another replica would have. */
async function host(): Promise<{ dataSource: DataSource; unitOfWork: SagaStepUnitOfWork }> {
  const dataSource = await createBatonDataSource({ url: TEST_DATABASE_URL, schema: schema.name, poolSize: 5 });
  hosts.push(dataSource);
  return { dataSource, unitOfWork: new SagaStepUnitOfWork({ dataSource, registry, topics }) };
}

const reply = (sagaId: string, type: string, payload: unknown) => orderReply(sagaId, type, payload);

async function startOrder(unitOfWork: SagaStepUnitOfWork, scenario: OrderScenario = 'completes'): Promise<string> {
  const { sagaId } = await unitOfWork.start({ name: 'order-fulfillment', input: orderFor(scenario, uuidv7()) });
  return sagaId;
}

async function count(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const rows: Array<{ n: string }> = await dataSource.query(sql, params);
  return Number(rows[0].n);
}

beforeAll(async () => {
  schema = await TestSchema.create('step');
});

afterAll(async () => {
  await Promise.all(hosts.map((dataSource) => dataSource.destroy()));
  await schema.drop();
});

describe('A redelivered reply', () => {
  it('changes nothing: no new version, history row or command', async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaId = await startOrder(unitOfWork);
    const stockReserved = reply(sagaId, 'StockReserved', { reservationId: 'r-1' });
    expect(await unitOfWork.deliver(stockReserved, 'test')).toBe('applied');
    const before = await dataSource.query(`SELECT version, snapshot FROM baton_saga WHERE id = $1`, [sagaId]);
    const historyBefore = await count(dataSource, `SELECT count(*) AS n FROM baton_saga_history WHERE saga_id = $1`, [sagaId]);

    expect(await unitOfWork.deliver(stockReserved, 'test')).toBe('duplicate');

    expect(await dataSource.query(`SELECT version, snapshot FROM baton_saga WHERE id = $1`, [sagaId])).toEqual(before);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_saga_history WHERE saga_id = $1`, [sagaId])).toBe(historyBefore);
  });
});

describe('Two replies for one saga arriving at once', () => {
  it('are applied one after the other, so the join sees both and ships exactly once', async () => {
    const a = await host();
    const b = await host();
    const sagaIds = await Promise.all(Array.from({ length: 20 }, () => startOrder(a.unitOfWork)));

    await Promise.all(
      sagaIds.flatMap((sagaId) => [
        a.unitOfWork.deliver(reply(sagaId, 'StockReserved', { reservationId: `r-${sagaId}` }), 'test'),
        b.unitOfWork.deliver(reply(sagaId, 'PaymentAuthorized', { authorizationId: `a-${sagaId}` }), 'test'),
      ]),
    );

    const rows: Array<{ version: number; state_value: unknown }> = await a.dataSource.query(
      `SELECT version, state_value FROM baton_saga WHERE id = ANY($1::uuid[])`,
      [sagaIds],
    );
    expect(rows).toHaveLength(20);
    rows.forEach((row) => expect(row).toEqual({ version: 3, state_value: 'shipping' }));
    const shipments = await count(
      a.dataSource,
      `SELECT count(*) AS n FROM baton_outbox WHERE saga_id = ANY($1::uuid[]) AND message_type = 'ScheduleShipment'`,
      [sagaIds],
    );
    expect(shipments).toBe(20);
  });
});

describe('A reply for a saga that does not exist', () => {
  it('is refused and leaves no inbox record behind', async () => {
    const { dataSource, unitOfWork } = await host();
    const stray = reply(uuidv7(), 'StockReserved', { reservationId: 'r-x' });
    await expect(unitOfWork.deliver(stray, 'test')).rejects.toBeInstanceOf(SagaNotFoundError);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_inbox WHERE message_id = $1`, [stray.messageId])).toBe(0);
  });
});

describe('A reply that arrives after the saga moved on', () => {
  it('is recorded as ignored in the history and changes nothing else', async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaId = await startOrder(unitOfWork);
    await unitOfWork.deliver(reply(sagaId, 'StockReserved', { reservationId: 'r-1' }), 'test');
    expect(await unitOfWork.deliver(reply(sagaId, 'StockReserved', { reservationId: 'r-2' }), 'test')).toBe('ignored');
    const [last] = await dataSource.query(
      `SELECT kind, note FROM baton_saga_history WHERE saga_id = $1 ORDER BY id DESC LIMIT 1`,
      [sagaId],
    );
    expect(last.kind).toBe('ignored');
    expect(last.note).toContain('does not accept StockReserved');
  });
});

describe('A success that arrives after the saga gave up on its step and ended', () => {
  it('is recorded in the history as an effect undone by the compensation sent when the saga gave up, and the saga stays ended', async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaId = await startOrder(unitOfWork);
    await unitOfWork.deliver(reply(sagaId, 'StockRefused', { reason: 'out of stock' }), 'test');
    // The payment's 300 ms deadline passes without an answer: its outcome is unknown, so it is voided.
    await eventually(
      async () => {
        await unitOfWork.fireDueTimers(100);
        const voids = `SELECT count(*) AS n FROM baton_outbox WHERE saga_id = $1 AND message_type = 'VoidAuthorization'`;
        return (await count(dataSource, voids, [sagaId])) > 0 ? true : undefined;
      },
      60_000,
      'the payment timeout to fire',
    );
    const commands: Array<{ message_type: string; message_id: string; envelope: { compensates?: string } }> = await dataSource.query(
      `SELECT message_type, message_id, envelope FROM baton_outbox WHERE saga_id = $1 ORDER BY id`,
      [sagaId],
    );
    const authorize = commands.find((c) => c.message_type === 'AuthorizePayment')!;
    const voids = commands.filter((c) => c.message_type === 'VoidAuthorization');
    expect(voids).toHaveLength(1);
    expect(voids[0].envelope.compensates).toBe(authorize.message_id);
    await unitOfWork.deliver({ ...reply(sagaId, 'AuthorizationVoided', { orderId: 'x', voided: false }), version: 2, causationId: voids[0].message_id }, 'test');
    const [ended] = await dataSource.query(`SELECT status, ended_at FROM baton_saga WHERE id = $1`, [sagaId]);
    expect(ended.status).toBe('compensated');

    const late = { ...reply(sagaId, 'PaymentAuthorized', { authorizationId: 'auth-late' }), causationId: authorize.message_id };
    expect(await unitOfWork.deliver(late, 'test')).toBe('applied');

    const [after] = await dataSource.query(`SELECT status, ended_at FROM baton_saga WHERE id = $1`, [sagaId]);
    expect(after).toEqual(ended);
    const [last] = await dataSource.query(`SELECT kind, note FROM baton_saga_history WHERE saga_id = $1 ORDER BY id DESC LIMIT 1`, [sagaId]);
    expect(last.kind).toBe('message');
    expect(last.note).toBe(
      `late PaymentAuthorized for authorizePayment (AuthorizePayment ${authorize.message_id}), after the saga gave up on it: ` +
        `it took effect; VoidAuthorization ${voids[0].message_id}, armed when the saga gave up, undoes it`,
    );
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_outbox WHERE saga_id = $1`, [sagaId])).toBe(commands.length);
  });
});

describe('Inputs that arrive together', () => {
  it('share one transaction, each with its own history row and answer', async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaIds = await Promise.all(Array.from({ length: 30 }, () => startOrder(unitOfWork)));
    const results = await Promise.all(
      sagaIds.map((sagaId) => unitOfWork.deliver(reply(sagaId, 'StockReserved', { reservationId: `r-${sagaId}` }), 'test')),
    );
    expect(results).toEqual(sagaIds.map(() => 'applied'));
    const rows: Array<{ saga_id: string; tx: string }> = await dataSource.query(
      `SELECT saga_id, xmin::text AS tx FROM baton_saga_history WHERE saga_id = ANY($1::uuid[]) AND event_type = 'StockReserved'`,
      [sagaIds],
    );
    expect(rows.map((row) => row.saga_id).sort()).toEqual([...sagaIds].sort());
    // Rows written by one transaction carry its id: 30 replies took far fewer transactions than 30.
    expect(new Set(rows.map((row) => row.tx)).size).toBeLessThan(10);
  });

  it("apply one saga's messages in the order they arrived", async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaId = await startOrder(unitOfWork);
    const results = await Promise.all([
      unitOfWork.deliver(reply(sagaId, 'PaymentAuthorized', { authorizationId: 'a-1' }), 'test'),
      unitOfWork.deliver(reply(sagaId, 'StockReserved', { reservationId: 'r-1' }), 'test'),
    ]);
    expect(results).toEqual(['applied', 'applied']);
    const history: Array<{ event_type: string; saga_version: number }> = await dataSource.query(
      `SELECT event_type, saga_version FROM baton_saga_history WHERE saga_id = $1 ORDER BY id`,
      [sagaId],
    );
    expect(history).toEqual([
      { event_type: 'start', saga_version: 1 },
      { event_type: 'PaymentAuthorized', saga_version: 2 },
      { event_type: 'StockReserved', saga_version: 3 },
    ]);
    const [saga] = await dataSource.query(`SELECT version, state_value FROM baton_saga WHERE id = $1`, [sagaId]);
    expect(saga).toEqual({ version: 3, state_value: 'shipping' });
  });

  it('find a second copy of a message in the same batch a duplicate', async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaId = await startOrder(unitOfWork);
    const stockReserved = reply(sagaId, 'StockReserved', { reservationId: 'r-1' });
    const results = await Promise.all([unitOfWork.deliver(stockReserved, 'test'), unitOfWork.deliver({ ...stockReserved }, 'test')]);
    expect(results).toEqual(['applied', 'duplicate']);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_saga_history WHERE saga_id = $1`, [sagaId])).toBe(2);
  });

  it('leave out a message that cannot apply: it fails alone, leaves no inbox record, and the others are applied', async () => {
    const { dataSource, unitOfWork } = await host();
    const [good, other] = await Promise.all([startOrder(unitOfWork), startOrder(unitOfWork)]);
    const malformed = reply(other, 'StockReserved', { reservationId: 42 });
    const results = await Promise.allSettled([
      unitOfWork.deliver(reply(good, 'StockReserved', { reservationId: 'r-1' }), 'test'),
      unitOfWork.deliver(malformed, 'test'),
      unitOfWork.deliver(reply(other, 'PaymentAuthorized', { authorizationId: 'a-1' }), 'test'),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidMessageError);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_inbox WHERE message_id = $1`, [malformed.messageId])).toBe(0);
    const versions: Array<{ id: string; version: number }> = await dataSource.query(
      `SELECT id, version FROM baton_saga WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [[good, other]],
    );
    expect(versions.map((row) => row.version)).toEqual([2, 2]);
  });
});

describe('A reply applied by another host while this one waited for the saga', () => {
  it('is found in the inbox when the insert of its id fails, and changes nothing', async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaId = await startOrder(unitOfWork);
    const stockReserved = reply(sagaId, 'StockReserved', { reservationId: 'r-1' });
    // The "other host": holds the saga row, records the message as applied, commits once this host waits.
    const other = dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    await other.query(`SELECT id FROM baton_saga WHERE id = $1 FOR UPDATE`, [sagaId]);
    await other.query(`INSERT INTO baton_inbox (message_id, saga_id, message_type) VALUES ($1, $2, 'StockReserved')`, [
      stockReserved.messageId,
      sagaId,
    ]);
    const delivered = unitOfWork.deliver(stockReserved, 'test');
    await eventually(
      async () => ((await count(dataSource, `SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`)) > 0 ? true : undefined),
      60_000,
      'the step to wait for the saga row',
    );
    await other.commitTransaction();
    await other.release();

    expect(await delivered).toBe('duplicate');
    const [saga] = await dataSource.query(`SELECT version FROM baton_saga WHERE id = $1`, [sagaId]);
    expect(saga.version).toBe(1);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_saga_history WHERE saga_id = $1`, [sagaId])).toBe(1);
  });
});

describe('A payment timeout', () => {
  it('is disarmed when payment answers in time', async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaId = await startOrder(unitOfWork);
    const paymentTimers = `SELECT count(*) AS n FROM baton_timer WHERE saga_id = $1 AND timer_key LIKE 'xstate.after.paymentTimeout.%'`;
    expect(await count(dataSource, paymentTimers, [sagaId])).toBe(1);
    await unitOfWork.deliver(reply(sagaId, 'PaymentAuthorized', { authorizationId: 'a-1' }), 'test');
    expect(await count(dataSource, paymentTimers, [sagaId])).toBe(0);
  });

  it('fires exactly once per saga with two hosts polling the same timers', async () => {
    const a = await host();
    const b = await host();
    const sagaIds = await Promise.all(Array.from({ length: 200 }, () => startOrder(a.unitOfWork, 'payment-times-out')));
    const pollers = [a, b].map(
      ({ dataSource, unitOfWork }) => new TimerPoller(unitOfWork, new SagaTimerRepository(dataSource), { pollIntervalMs: 20 }),
    );
    pollers.forEach((poller) => poller.start());
    try {
      await eventually(
        async () => {
          const left = await count(
            a.dataSource,
            `SELECT count(*) AS n FROM baton_timer WHERE saga_id = ANY($1::uuid[]) AND timer_key LIKE 'xstate.%'`,
            [sagaIds],
          );
          return left === 0 ? true : undefined;
        },
        30_000,
        'every timer to fire',
      );
    } finally {
      await Promise.all(pollers.map((poller) => poller.stop()));
    }
    const fired: Array<{ saga_id: string; n: string }> = await a.dataSource.query(
      `SELECT saga_id, count(*) AS n FROM baton_saga_history
        WHERE kind = 'timer' AND event_type LIKE 'xstate.%' AND saga_id = ANY($1::uuid[]) GROUP BY saga_id`,
      [sagaIds],
    );
    expect(fired).toHaveLength(200);
    fired.forEach((row) => expect(Number(row.n)).toBe(1));
    // Payment gave up; the join still waits for stock before compensating.
    const states: Array<{ state_value: unknown }> = await a.dataSource.query(
      `SELECT state_value FROM baton_saga WHERE id = ANY($1::uuid[])`,
      [sagaIds],
    );
    states.forEach((row) => expect(row.state_value).toEqual({ securing: { stock: 'reserving', payment: 'timedOut' } }));
  });
});

describe('A due timer that can never fire', () => {
  it('is dead-lettered with the reason and does not hold up the other timers', async () => {
    const { dataSource, unitOfWork } = await host();
    const orphan = await startOrder(unitOfWork, 'payment-times-out');
    // An instance of a definition version this host does not have: its timer fails for good.
    await dataSource.query(`UPDATE baton_saga SET definition_version = 99 WHERE id = $1`, [orphan]);
    const paymentTimerOf = `saga_id = $1 AND timer_key LIKE 'xstate.%'`;
    await dataSource.query(`UPDATE baton_timer SET due_at = now() - interval '1 second' WHERE ${paymentTimerOf}`, [orphan]);
    const healthy = await startOrder(unitOfWork, 'payment-times-out');
    await dataSource.query(`UPDATE baton_timer SET due_at = now() WHERE ${paymentTimerOf}`, [healthy]);

    await unitOfWork.fireDueTimers(10);

    const [letter] = await dataSource.query(`SELECT consumer, reason FROM baton_dead_letter WHERE saga_id = $1`, [orphan]);
    expect(letter).toEqual({ consumer: 'timer', reason: expect.stringContaining('which this host does not have') });
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_timer WHERE ${paymentTimerOf}`, [orphan])).toBe(0);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_saga_history WHERE saga_id = $1 AND kind = 'timer'`, [healthy])).toBe(1);
  });
});

describe('A due timer claimed by a poller that died', () => {
  it('is passed over by the other pollers while the claim holds, and fired once it ran out', async () => {
    const { dataSource, unitOfWork } = await host();
    const sagaId = await startOrder(unitOfWork, 'payment-times-out');
    const paymentTimerOf = `saga_id = $1 AND timer_key LIKE 'xstate.%'`;
    await dataSource.query(`UPDATE baton_timer SET due_at = now() - interval '1 second' WHERE ${paymentTimerOf}`, [sagaId]);
    // The dead poller's claim, as its own statement left it.
    expect(await new SagaTimerRepository(dataSource).claimDue(10, 60_000)).toHaveLength(1);

    expect(await unitOfWork.fireDueTimers(10)).toBe(0);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_saga_history WHERE saga_id = $1 AND kind = 'timer'`, [sagaId])).toBe(0);
    // Pollers wait for the next unclaimed timer (the saga's reply timeouts, seconds away), not for the claimed one, due already.
    expect(await new SagaTimerRepository(dataSource).nextDueInMs()).toBeGreaterThan(1_000);

    await dataSource.query(`UPDATE baton_timer SET claimed_until = now() - interval '1 second' WHERE ${paymentTimerOf}`, [sagaId]);
    expect(await unitOfWork.fireDueTimers(10)).toBe(1);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_saga_history WHERE saga_id = $1 AND kind = 'timer'`, [sagaId])).toBe(1);
    expect(await count(dataSource, `SELECT count(*) AS n FROM baton_timer WHERE ${paymentTimerOf}`, [sagaId])).toBe(0);
  });
});

describe('The outbox relay', () => {
  it("publishes each saga's commands to a participant in the order they were written, with two relays competing", async () => {
    const a = await host();
    const b = await host();
    const log: RecordingTransport['published'] = [];
    const transports = [new RecordingTransport(log), new RecordingTransport(log)];
    const relays = [a, b].map(
      ({ dataSource }, i) => new OutboxRelay(new OutboxRepository(dataSource, 'baton_outbox'), transports[i], { batchSize: 7 }),
    );
    const sagaIds = await Promise.all(Array.from({ length: 30 }, () => startOrder(a.unitOfWork)));
    // Payment refused after the stock was reserved: inventory gets ReleaseStock after its ReserveStock.
    for (const sagaId of sagaIds) {
      await a.unitOfWork.deliver(reply(sagaId, 'StockReserved', { reservationId: `r-${sagaId}` }), 'test');
      await a.unitOfWork.deliver(reply(sagaId, 'PaymentRefused', { reason: 'card declined' }), 'test');
    }
    await Promise.all(relays.map((relay) => drain(relay)));

    const mine = log.filter((p) => sagaIds.includes(p.envelope.sagaId));
    expect(mine).toHaveLength(30 * 3);
    expect(transports.every((t) => t.published === log)).toBe(true);
    for (const sagaId of sagaIds) {
      const inventory = mine.filter((p) => p.envelope.sagaId === sagaId && p.topic === 'inventory.commands').map((p) => p.envelope.type);
      expect(inventory).toEqual(['ReserveStock', 'ReleaseStock']);
    }
  });

  it("holds a saga's later command to a participant back while an earlier one to it backs off, and lets its other commands go", async () => {
    const { dataSource, unitOfWork } = await host();
    const outbox = new OutboxRepository(dataSource, 'baton_outbox');
    const transport = new RecordingTransport();
    // A backoff far longer than a round of claims takes, even on a busy machine.
    const relay = new OutboxRelay(outbox, transport, { retryDelayMs: 3000 });
    await drain(relay);
    transport.published.length = 0;
    const sagaId = await startOrder(unitOfWork);
    await unitOfWork.deliver(reply(sagaId, 'StockReserved', { reservationId: 'r-1' }), 'test');
    await unitOfWork.deliver(reply(sagaId, 'PaymentRefused', { reason: 'card declined' }), 'test');
    // ReserveStock fails once and backs off; AuthorizePayment goes; ReleaseStock must wait for ReserveStock.
    transport.failNext = 1;
    await relay.publishBatch();
    expect(transport.published.map((p) => p.envelope.type)).toEqual(['AuthorizePayment']);
    expect(await relay.publishBatch()).toBe(0);
    await eventually(
      async () => ((await relay.publishBatch(), transport.published.length) >= 3 ? true : undefined),
      60_000,
      'ReserveStock to be retried after its backoff, then ReleaseStock',
    );
    expect(transport.published.map((p) => p.envelope.type)).toEqual(['AuthorizePayment', 'ReserveStock', 'ReleaseStock']);
  });

  it('publishes the commands its own host wrote right after the commit, without a claim', async () => {
    const { dataSource } = await host();
    const transport = new RecordingTransport();
    // Claims would only run every 10 minutes: whatever goes out in time was handed over.
    const relay = new OutboxRelay(new OutboxRepository(dataSource, 'baton_outbox'), transport, { idleMs: 600_000 });
    relay.start();
    try {
      const unitOfWork = new SagaStepUnitOfWork({ dataSource, registry, topics, relay });
      const sagaId = await startOrder(unitOfWork);
      await eventually(
        async () => (transport.published.filter((p) => p.envelope.sagaId === sagaId).length === 2 ? true : undefined),
        60_000,
        'the start to publish its two commands',
      );
      await eventually(
        async () => ((await count(dataSource, `SELECT count(*) AS n FROM baton_outbox WHERE saga_id = $1 AND published_at IS NULL`, [sagaId])) === 0 ? true : undefined),
        60_000,
        'its rows to be marked published',
      );
      const rows: Array<{ attempts: number }> = await dataSource.query(`SELECT attempts FROM baton_outbox WHERE saga_id = $1`, [sagaId]);
      expect(rows).toEqual([{ attempts: 1 }, { attempts: 1 }]);
    } finally {
      await relay.stop();
    }
  });

  it("leaves a command behind an unpublished one of its saga to the same participant to a claim, which keeps their order", async () => {
    const { dataSource } = await host();
    const transport = new RecordingTransport();
    const relay = new OutboxRelay(new OutboxRepository(dataSource, 'baton_outbox'), transport, { idleMs: 600_000, retryDelayMs: 300 });
    relay.start();
    try {
      const unitOfWork = new SagaStepUnitOfWork({ dataSource, registry, topics, relay });
      transport.failNext = 1; // ReserveStock fails once and backs off
      const sagaId = await startOrder(unitOfWork);
      await unitOfWork.deliver(reply(sagaId, 'StockReserved', { reservationId: 'r-1' }), 'test');
      await unitOfWork.deliver(reply(sagaId, 'PaymentRefused', { reason: 'card declined' }), 'test');
      await eventually(
        async () => (transport.published.filter((p) => p.envelope.sagaId === sagaId).length === 3 ? true : undefined),
        60_000,
        'the three commands to be published',
      );
      const inventory = transport.published.filter((p) => p.envelope.sagaId === sagaId && p.topic === 'inventory.commands');
      expect(inventory.map((p) => p.envelope.type)).toEqual(['ReserveStock', 'ReleaseStock']);
    } finally {
      await relay.stop();
    }
  });

  it('retries a failed publish after a backoff and publishes it once', async () => {
    const { dataSource, unitOfWork } = await host();
    const transport = new RecordingTransport();
    const relay = new OutboxRelay(new OutboxRepository(dataSource, 'baton_outbox'), transport, { retryDelayMs: 50 });
    await drain(relay); // earlier suites' rows out of the way
    transport.published.length = 0;
    const sagaId = await startOrder(unitOfWork);
    transport.failNext = 1;
    await drain(relay);
    const mine = transport.published.filter((p) => p.envelope.sagaId === sagaId);
    expect(mine.map((p) => p.envelope.type).sort()).toEqual(['AuthorizePayment', 'ReserveStock']);
    const [row] = await dataSource.query(
      `SELECT max(attempts) AS attempts, count(*) FILTER (WHERE published_at IS NULL) AS unpublished FROM baton_outbox WHERE saga_id = $1`,
      [sagaId],
    );
    expect(Number(row.unpublished)).toBe(0);
    expect(row.attempts).toBe(2);
  });

  it('publishes rows claimed by a relay that died once its lease has run out', async () => {
    const { dataSource, unitOfWork } = await host();
    const outbox = new OutboxRepository(dataSource, 'baton_outbox');
    const transport = new RecordingTransport();
    const relay = new OutboxRelay(outbox, transport);
    await drain(relay);
    const sagaId = await startOrder(unitOfWork);
    // The "dead" relay's claim, never published; its lease far longer than a round of claims takes, even on a busy machine.
    const { rows: claimed } = await outbox.claim(100, 3000);
    expect(claimed.map((row) => row.sagaId)).toContain(sagaId);
    expect(await relay.publishBatch()).toBe(0); // still leased
    await eventually(
      async () => ((await relay.publishBatch(), transport.published.filter((p) => p.envelope.sagaId === sagaId).length) === 2 ? true : undefined),
      60_000,
      'the rows to be published once the lease ran out',
    );
  });
});

describe('A relay in another replica', () => {
  it("is woken by the writer's NOTIFY instead of waiting for its next poll", async () => {
    const writer = await host();
    const other = await host();
    const transport = new RecordingTransport();
    const relay = new OutboxRelay(new OutboxRepository(other.dataSource, 'baton_outbox'), transport, { idleMs: 600_000 });
    await drain(relay);
    const listener = new OutboxNotificationListener(TEST_DATABASE_URL, 'baton_outbox', () => relay.wake());
    await listener.start();
    relay.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the relay's first round found nothing: now it idles
      const sagaId = await startOrder(writer.unitOfWork);
      await eventually(
        async () => (transport.published.some((p) => p.envelope.sagaId === sagaId) ? true : undefined),
        60_000,
        'the woken relay to publish',
      );
    } finally {
      await relay.stop();
      await listener.stop();
    }
  });
});

/** Publishes until the outbox has nothing more to give (waiting out short backoffs). */
async function drain(relay: OutboxRelay): Promise<void> {
  let idleRounds = 0;
  while (idleRounds < 5) {
    const published = await relay.publishBatch();
    idleRounds = published ? 0 : idleRounds + 1;
    if (!published) await new Promise((resolve) => setTimeout(resolve, 30));
  }
}
