import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { uuidv7 } from '@baton/core';
import { SagaStepUnitOfWork } from '@baton/postgres';
import { orderReply } from './support/envelopes';
import { eventually, orderFor, type OrderScenario } from './support/orders';
import { PrometheusScrape } from './support/prometheus-text';
import { DEV_AUTHORIZATION, startKafkaTestApp, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * GET /metrics end to end: the real host on PostgreSQL, scraped before and
 * after sagas run, once with the example participants in process and once
 * with nobody consuming the commands.
 */

const SAGA = { saga: 'order-fulfillment' };
/**
 * Long enough for a saga whose payment is answered to be answered first on a
 * busy machine (a "completes" saga must not time out), short enough for the
 * test of a timer that fires.
 */
const PAYMENT_TIMEOUT_MS = 4_000;

let app: RunningTestApp;

async function scrape(): Promise<PrometheusScrape> {
  const response = await request(app.server).get('/metrics').expect(200);
  return new PrometheusScrape(response.text);
}

async function startOrder(scenario: OrderScenario, idempotencyKey?: string): Promise<string> {
  const post = request(app.server)
    .post('/sagas/order-fulfillment')
    .set('Authorization', DEV_AUTHORIZATION)
    .send(orderFor(scenario, idempotencyKey ?? `order-${randomUUID()}`));
  const response = await (idempotencyKey ? post.set('Idempotency-Key', idempotencyKey) : post);
  expect([200, 202]).toContain(response.status);
  return response.body.id;
}

function untilEnded(ids: string[]): Promise<string[]> {
  return eventually(
    async () => {
      const statuses = await Promise.all(ids.map(async (id) => (await request(app.server).get(`/sagas/${id}`).expect(200)).body.status));
      return statuses.every((status) => ['completed', 'compensated'].includes(status)) ? statuses : undefined;
    },
    60_000,
    `sagas ${ids.join(', ')} to end`,
  );
}

/** Scrapes until `ready` holds: the gauges read from the database are up to a second old. */
function scrapeUntil(ready: (scrape: PrometheusScrape) => boolean, what: string): Promise<PrometheusScrape> {
  return eventually(async () => {
    const current = await scrape();
    return ready(current) ? current : undefined;
  }, 60_000, what);
}

describe('Metrics', () => {
  describe.each(['pglite', 'postgres'] as const)('with the example participants in process, on %s', (database) => {
    beforeAll(async () => {
      app = await startTestApp(database, { ORDER_PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS) });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('are served without a key as Prometheus text, with the process metrics of Node', async () => {
      const response = await request(app.server).get('/metrics').expect(200);

      expect(response.headers['content-type']).toMatch(/^text\/plain;.*\bversion=0\.0\.4\b/);
      const metrics = new PrometheusScrape(response.text);
      expect(metrics.find('process_cpu_user_seconds_total')).toHaveLength(1);
      expect(metrics.find('nodejs_heap_size_used_bytes')).toHaveLength(1);
      // Every registered saga version starts at 0, so rates are defined from the first scrape.
      expect(metrics.value('baton_sagas_started_total', { ...SAGA, version: '1' })).toBe(0);
    });

    it('count the sagas started and how they ended, their transitions, commands, replies and step times', async () => {
      const before = await scrape();
      const key = `order-${randomUUID()}`;
      const ids = await Promise.all([
        startOrder('completes', key),
        startOrder('completes'),
        startOrder('completes'),
        startOrder('payment-refused'),
        startOrder('stock-refused'),
      ]);
      // Answered from its Idempotency-Key: no saga started, nothing counted.
      expect(await startOrder('completes', key)).toBe(ids[0]);
      await untilEnded(ids);
      // Counters move right after each step's commit, which another connection can see a moment sooner.
      const ended = (m: PrometheusScrape) =>
        m.sum('baton_sagas_completed_total', SAGA) + m.sum('baton_sagas_compensated_total', SAGA) -
        before.sum('baton_sagas_completed_total', SAGA) - before.sum('baton_sagas_compensated_total', SAGA);
      const after = await scrapeUntil((m) => ended(m) >= 5, 'the five endings to be counted');
      const moved = (name: string, labels: Record<string, string> = SAGA) => after.sum(name, labels) - before.sum(name, labels);

      expect(moved('baton_sagas_started_total')).toBe(5);
      expect(moved('baton_sagas_completed_total')).toBe(3);
      expect(moved('baton_sagas_compensated_total')).toBe(2);
      expect(moved('baton_sagas_failed_total')).toBe(0);
      expect(moved('baton_commands_sent_total', { ...SAGA, type: 'ReserveStock' })).toBe(5);
      expect(moved('baton_commands_sent_total', { ...SAGA, type: 'ReleaseStock' })).toBe(1);
      // Each of these orders moves four times: its start and three replies (stock, payment, then shipment or a compensation).
      expect(moved('baton_transitions_total')).toBe(5 * 4);
      expect(moved('baton_replies_received_total', { ...SAGA, outcome: 'applied' })).toBe(5 * 3);
      expect(moved('baton_step_duration_seconds_count', { ...SAGA, kind: 'start' })).toBe(5);
      expect(moved('baton_step_duration_seconds_count', { ...SAGA, kind: 'message' })).toBeGreaterThanOrEqual(5 * 3);
      expect(moved('baton_step_duration_seconds_sum')).toBeGreaterThan(0);
      expect(moved('baton_replies_received_total', { ...SAGA, type: 'PaymentRefused', outcome: 'applied' })).toBe(1);
      expect(moved('baton_saga_duration_seconds_count', { ...SAGA, status: 'completed' })).toBe(3);
      expect(moved('baton_saga_duration_seconds_count', { ...SAGA, status: 'compensated' })).toBe(2);
      expect(moved('baton_saga_duration_seconds_sum')).toBeGreaterThan(0);
    });

    it('count a timer that fired', async () => {
      const before = await scrape();
      await untilEnded([await startOrder('payment-times-out')]);
      const ended = (m: PrometheusScrape) => m.sum('baton_sagas_compensated_total', SAGA) - before.sum('baton_sagas_compensated_total', SAGA);
      const after = await scrapeUntil((m) => ended(m) >= 1, 'the ending to be counted');

      expect(after.sum('baton_timers_fired_total', SAGA) - before.sum('baton_timers_fired_total', SAGA)).toBe(1);
      expect(after.sum('baton_step_duration_seconds_count', { ...SAGA, kind: 'timer' })).toBeGreaterThanOrEqual(1);
    });

    it('show no sagas in flight once all ended, and no Kafka lag on the in-process transport', async () => {
      const metrics = await scrapeUntil((m) => m.sum('baton_sagas_in_flight', SAGA) === 0, 'no sagas in flight');

      expect(metrics.value('baton_sagas_in_flight', { ...SAGA, status: 'running' })).toBe(0);
      expect(metrics.find('baton_kafka_consumer_lag')).toEqual([]);
    });
  });

  describe('with nobody consuming the commands', () => {
    const N = 3;

    beforeAll(async () => {
      app = await startTestApp('postgres', { PARTICIPANTS: 'none' });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('show the commands waiting in the outbox, how old the oldest is, and the sagas in flight', async () => {
      await Promise.all(Array.from({ length: N }, () => startOrder('completes')));

      // Each order sends two commands at once (reserve stock, authorize payment); none can be published.
      const metrics = await scrapeUntil(
        (m) => m.value('baton_outbox_backlog_messages') >= 2 * N && m.value('baton_outbox_oldest_age_seconds') > 0,
        `a backlog of ${2 * N} commands`,
      );
      expect(metrics.value('baton_sagas_in_flight', { ...SAGA, status: 'running' })).toBe(N);
      expect(metrics.value('baton_timers_due')).toBe(0);
      expect(metrics.value('baton_timers_overdue')).toBe(0);
      expect(metrics.value('baton_dead_letters_open')).toBe(0);
    });

    it('count replies by what became of them: applied, duplicate or ignored', async () => {
      const sagaId = await startOrder('completes');
      const step = app.app.get(SagaStepUnitOfWork);
      const before = await scrape();

      const stockReserved = orderReply(sagaId, 'StockReserved', { reservationId: 'r-1' });
      await step.consumeReply(stockReserved);
      await step.consumeReply(stockReserved);
      // The saga waits for payment: a shipment reply is not what its state accepts.
      await step.consumeReply(orderReply(sagaId, 'ShipmentScheduled', { shipmentId: 's-1' }, uuidv7()));
      const after = await scrape();

      const moved = (type: string, outcome: string) =>
        after.sum('baton_replies_received_total', { ...SAGA, type, outcome }) -
        before.sum('baton_replies_received_total', { ...SAGA, type, outcome });
      expect(moved('StockReserved', 'applied')).toBe(1);
      expect(moved('StockReserved', 'duplicate')).toBe(1);
      expect(moved('ShipmentScheduled', 'ignored')).toBe(1);
      expect(after.sum('baton_transitions_total', SAGA) - before.sum('baton_transitions_total', SAGA)).toBe(1);
    });
  });

  describe('on Kafka', () => {
    const prefix = `metrics${randomBytes(3).toString('hex')}.`;

    beforeAll(async () => {
      app = await startKafkaTestApp(prefix);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('show the lag of the reply consumer group on each partition of the reply topic', async () => {
      const topic = `${prefix}saga.replies`;
      const metrics = await scrapeUntil((m) => m.find('baton_kafka_consumer_lag', { topic }).length === 2, 'the lag of both partitions');

      expect(metrics.find('baton_kafka_consumer_lag', { topic }).map(({ labels, value }) => [labels.partition, value]).sort()).toEqual([
        ['0', 0],
        ['1', 0],
      ]);
    });
  });
});
