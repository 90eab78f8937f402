import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { configureBatonHttp, type OverviewView, type SagaView } from '@baton/nest';
import { DeadLetterRepository } from '@baton/postgres';
import { OVERVIEW_OPTIONS } from '../libs/nest/src/overview/overview.options';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app.config';
import { loadExampleConfig } from '../src/config/example.config';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION } from './support/test-app';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * GET /overview on the real host app and PostgreSQL, with the sampler at
 * 200 ms: what is in flight now, grouped by where it waits, and a series
 * that grows by a sample per interval with this host's step rates.
 */

const SAMPLE_INTERVAL_MS = 200;

let app: NestExpressApplication;
let schema: TestSchema;
const api = () => request(app.getHttpServer());
const overview = async (): Promise<OverviewView> => (await api().get('/overview').expect(200)).body;

beforeAll(async () => {
  schema = await TestSchema.create('overview');
  // The payment of an unresponsive card never answers within the test: its saga stays in flight.
  const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema.name, TIMER_POLL_INTERVAL_MS: '20', ORDER_PAYMENT_TIMEOUT_MS: '600000' };
  const config = loadConfig(env);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, loadExampleConfig(env))] })
    .overrideProvider(OVERVIEW_OPTIONS)
    .useValue({ sampleIntervalMs: SAMPLE_INTERVAL_MS })
    .compile();
  app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error', 'warn'] });
  configureBatonHttp(app, { bodyLimit: config.bodyLimit });
  await app.init();
  await app.listen(0, '127.0.0.1');
});

afterAll(async () => {
  await app?.close();
  await schema?.drop();
});

it('answers what is in flight now, grouped by where it waits (one path per region), with a series of samples', async () => {
  const started = await api().post('/sagas/order-fulfillment').set('Authorization', DEV_AUTHORIZATION).send(orderFor('payment-times-out', `ov-${randomUUID()}`)).expect(202);
  await eventually(async () => {
    const history: Array<{ event: string }> = (await api().get(`/sagas/${started.body.id}/history`).expect(200)).body.items;
    return history.some((entry) => entry.event === 'StockReserved') || undefined;
  }, 60_000, 'the stock to be reserved');
  // Now it waits for a payment that never answers: its state stays, a parallel state of two regions.
  const saga: SagaView = (await api().get(`/sagas/${started.body.id}`).expect(200)).body;
  expect(saga.state).toEqual({ securing: { stock: 'reserved', payment: 'authorizing' } });
  await app.get(DeadLetterRepository).record('orchestrator', { topic: 'saga.replies', reason: 'for the overview', attempts: 1 });

  const body = await eventually(async () => {
    const answer = await overview();
    return answer.current.deadLettersOpen === 1 && answer.current.inFlight.running === 1 ? answer : undefined;
  }, 10_000, 'the overview to show the saga and the dead letter');

  expect(body).toEqual({
    at: expect.any(String),
    sampleIntervalMs: SAMPLE_INTERVAL_MS,
    current: {
      inFlight: { running: 1, compensating: 0, stuck: 0 },
      inFlightByState: [{ name: 'order-fulfillment', status: 'running', states: ['securing.payment.authorizing', 'securing.stock.reserved'], count: 1 }],
      deadLettersOpen: 1,
      outbox: { backlog: expect.any(Number), oldestAgeMs: expect.any(Number) },
      timers: { due: expect.any(Number), overdue: 0 },
    },
    series: expect.any(Array),
  });
  expect(Date.parse(body.at)).toBeGreaterThan(Date.now() - 60_000);
  expect(body.series.length).toBeGreaterThan(0);
  for (const sample of body.series) {
    expect(sample).toEqual({
      at: expect.any(String),
      stepsPerSecond: expect.any(Number),
      startedPerSecond: expect.any(Number),
      endedPerSecond: expect.any(Number),
      inFlight: expect.any(Number),
      deadLettersOpen: expect.any(Number),
      outboxBacklog: expect.any(Number),
      outboxOldestAgeMs: expect.any(Number),
      timersOverdue: expect.any(Number),
    });
  }
  // The start and the stock's reservation were this host's steps: some sample counted them.
  expect(body.series.some((sample) => sample.startedPerSecond > 0)).toBe(true);
  expect(body.series.some((sample) => sample.stepsPerSecond > 0)).toBe(true);
});

it('adds a sample every interval, oldest first, with the gauges of the database', async () => {
  const before = (await overview()).series;
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS * 5));
  const after = (await overview()).series;

  expect(after.length).toBeGreaterThanOrEqual(before.length + 3);
  const times = after.map((sample) => Date.parse(sample.at));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(after[after.length - 1]).toEqual(expect.objectContaining({ inFlight: 1, deadLettersOpen: 1, timersOverdue: 0 }));
});
