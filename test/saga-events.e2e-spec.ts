import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { SagaHistoryRepository } from '@baton/postgres';
import { SagaEventsHub } from '../libs/nest/src/events/saga-events.hub';
import { EventStream } from './support/event-stream';
import { eventually, orderFor, type OrderScenario } from './support/orders';
import { PrometheusScrape } from './support/prometheus-text';
import { bootTestApp, DEV_AUTHORIZATION, expectProblem, startTestApp, type RunningTestApp } from './support/test-app';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * GET /sagas/events over real HTTP: committed steps as Server-Sent Events,
 * on PGlite (one process) and across two replicas on one PostgreSQL schema.
 */

const AUTH = { Authorization: DEV_AUTHORIZATION };

async function startOrder(server: RunningTestApp['server'], scenario: OrderScenario = 'completes'): Promise<string> {
  const response = await request(server).post('/sagas/order-fulfillment').set(AUTH).send(orderFor(scenario, `events-${randomUUID()}`));
  expect(response.status).toBe(202);
  return response.body.id as string;
}

/** The ids of a saga's history rows, in order, read from the table. */
async function historyIds(running: RunningTestApp, sagaId: string): Promise<string[]> {
  return (await running.app.get(SagaHistoryRepository).forSaga(sagaId)).map((entry) => String(entry.id));
}

const ended = (status: string) => status === 'completed' || status === 'compensated';

describe('GET /sagas/events on PGlite', () => {
  let running: RunningTestApp;
  const streams: EventStream[] = [];
  const open = async (path: string, headers: Record<string, string> = AUTH) => {
    const stream = await EventStream.open(running.server, path, headers);
    streams.push(stream);
    return stream;
  };

  beforeAll(async () => {
    running = await startTestApp('pglite');
  });

  afterEach(() => {
    for (const stream of streams.splice(0)) stream.close();
  });

  afterAll(async () => {
    await running?.close();
  });

  it('streams a started saga through to its end, in order, each event with its history entry id', async () => {
    const stream = await open('/sagas/events');
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    await stream.until((s) => s.events.find((e) => e.retry), 'the retry hint');

    const sagaId = await startOrder(running.server);
    const steps = await stream.until((s) => {
      const mine = s.steps.filter((step) => step.sagaId === sagaId);
      return mine.some((step) => ended(step.status)) && mine;
    }, `saga ${sagaId} to end on the stream`);

    expect(steps[0]).toEqual(
      expect.objectContaining({ sagaId, name: 'order-fulfillment', version: expect.any(Number), status: 'running', input: expect.objectContaining({ kind: 'start' }) }),
    );
    expect(steps.at(-1)!.status).toBe('completed');
    // The same entries as the saga's history, in its order, each event's id its entry's id.
    expect(steps.map((step) => step.historyId)).toEqual(await historyIds(running, sagaId));
    const ids = stream.events.filter((e) => e.event === 'step' && JSON.parse(e.data!).sagaId === sagaId).map((e) => e.id);
    expect(ids).toEqual(steps.map((step) => step.historyId));
    expect(steps.every((step) => 'state' in step && step.input.type)).toBe(true);
    // GET /sagas/{id}/history names each entry by the same id, so a console matches events to entries.
    const history = await request(running.server).get(`/sagas/${sagaId}/history`).set(AUTH);
    expect(history.body.items.map((entry: { id: string }) => entry.id)).toEqual(steps.map((step) => step.historyId));
  });

  it('filters by saga id (repeated or comma-separated) and by name', async () => {
    const [first, second, other] = await Promise.all([startOrder(running.server), startOrder(running.server), startOrder(running.server)]);
    // Started before the streams opened: replayed from the start of their history with Last-Event-ID 0.
    const byIds = await open(`/sagas/events?id=${first},${second}`, { ...AUTH, 'Last-Event-ID': '0' });
    const byRepeat = await open(`/sagas/events?id=${first}&id=${second}`, { ...AUTH, 'Last-Event-ID': '0' });
    const byName = await open('/sagas/events?name=order-fulfillment', { ...AUTH, 'Last-Event-ID': '0' });
    for (const stream of [byIds, byRepeat]) {
      await stream.until((s) => [first, second].every((id) => s.steps.some((step) => step.sagaId === id && ended(step.status))), 'both sagas to end');
      expect(new Set(stream.steps.map((step) => step.sagaId))).toEqual(new Set([first, second]));
    }
    await byName.until((s) => s.steps.some((step) => step.sagaId === other && ended(step.status)), 'the other saga by name');
    expect(byName.steps.every((step) => step.name === 'order-fulfillment')).toBe(true);

    const refused = await request(running.server).get('/sagas/events?id=not-a-uuid').set(AUTH);
    expectProblem(refused, 400, 'invalid-saga-id');
    const tooMany = Array.from({ length: 101 }, () => randomUUID()).join(',');
    expectProblem(await request(running.server).get(`/sagas/events?id=${tooMany}`).set(AUTH), 400, 'too-many-ids');
    expectProblem(await request(running.server).get('/sagas/events?name=nope').set(AUTH), 400, 'unknown-saga');
    expectProblem(await request(running.server).get('/sagas/events').set({ ...AUTH, 'Last-Event-ID': 'x' }), 400, 'invalid-last-event-id');
  });

  it('replays what a client missed after its Last-Event-ID, then goes on live', async () => {
    const sagaId = await startOrder(running.server);
    const all = await eventually(async () => {
      const saga = (await request(running.server).get(`/sagas/${sagaId}`).set(AUTH).expect(200)).body;
      return ended(saga.status) ? historyIds(running, sagaId) : undefined;
    }, 60_000, `saga ${sagaId} to end`);
    expect(all.length).toBeGreaterThan(2);
    // History ids grow with each step of a saga: a cursor.
    expect(all.map(BigInt)).toEqual([...all.map(BigInt)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    const stream = await open(`/sagas/events?id=${sagaId}`, { ...AUTH, 'Last-Event-ID': all[0] });
    await stream.until((s) => s.steps.length === all.length - 1 && s, 'the missed events');
    expect(stream.steps.map((step) => step.historyId)).toEqual(all.slice(1));

    const next = await startOrder(running.server);
    const live = await open(`/sagas/events?id=${sagaId},${next}`, { ...AUTH, 'Last-Event-ID': all.at(-1)! });
    await live.until((s) => s.steps.some((step) => step.sagaId === next && ended(step.status)), 'the next saga live');
    expect(live.steps.some((step) => step.sagaId === sagaId)).toBe(false);
  });

  it('tells a client that missed too much to reload', async () => {
    const hub = running.app.get(SagaEventsHub);
    const bound = hub.maxReplayedEvents;
    Object.assign(hub, { maxReplayedEvents: 2 });
    try {
      const stream = await open('/sagas/events', { ...AUTH, 'Last-Event-ID': '0' });
      const reload = await stream.until((s) => s.events.find((e) => e.event === 'reload'), 'a reload event');
      expect(JSON.parse(reload.data!)).toEqual(expect.objectContaining({ reason: 'too-many-missed' }));
      expect(stream.steps).toEqual([]);
    } finally {
      Object.assign(hub, { maxReplayedEvents: bound });
    }
  });

  it('drops a client whose socket cannot take its events, with a final event, beyond the queue cap', async () => {
    const sagas = await Promise.all(Array.from({ length: 20 }, () => startOrder(running.server)));
    await eventually(async () => {
      const statuses = await Promise.all(sagas.map(async (id) => (await request(running.server).get(`/sagas/${id}`).set(AUTH).expect(200)).body.status));
      return statuses.every(ended) || undefined;
    }, 60_000, 'the sagas to end');
    const hub = running.app.get(SagaEventsHub);
    const cap = hub.maxQueuedEvents;
    Object.assign(hub, { maxQueuedEvents: 2 });
    try {
      // A replay writes every missed event at once: far more than the socket takes before it pushes back.
      const stream = await open('/sagas/events', { ...AUTH, 'Last-Event-ID': '0' });
      await stream.until((s) => s.ended, 'the stream to be ended');
      const dropped = stream.events.find((e) => e.event === 'dropped');
      expect(JSON.parse(dropped!.data!)).toEqual(expect.objectContaining({ reason: 'too-slow' }));
      expect(stream.events.at(-1)).toBe(dropped);
      await eventually(async () => (hub.connected === 0 ? true : undefined), 10_000, 'the client to be forgotten');
    } finally {
      Object.assign(hub, { maxQueuedEvents: cap });
    }
  });

  it('counts connected clients in a gauge', async () => {
    const gauge = async () => new PrometheusScrape((await request(running.server).get('/metrics').expect(200)).text).value('baton_event_stream_clients');
    const before = await gauge();
    const stream = await open('/sagas/events');
    await eventually(async () => ((await gauge()) === (before ?? 0) + 1 ? true : undefined), 10_000, 'the gauge to count the client');
    stream.close();
    await eventually(async () => ((await gauge()) === (before ?? 0) ? true : undefined), 10_000, 'the gauge to drop the client');
  });

  it('sends a keep-alive comment on an idle stream', async () => {
    const stream = await open(`/sagas/events?id=${randomUUID()}`);
    const hub = running.app.get(SagaEventsHub);
    await stream.until((s) => s.events.some((e) => e.comment === 'keep-alive'), 'a keep-alive comment', hub.keepAliveMs + 10_000);
    expect(stream.steps).toEqual([]);
  }, 40_000);
});

describe('GET /sagas/events with API keys', () => {
  let running: RunningTestApp;

  beforeAll(async () => {
    running = await startTestApp('pglite', { API_KEYS: 'ops:events-operator-key:operator,dash:events-reader-key:reader', AUTH_READS: 'true' });
  });

  afterAll(async () => {
    await running?.close();
  });

  it('lets a reader subscribe and refuses a request without a key', async () => {
    const refused = await request(running.server).get('/sagas/events');
    expectProblem(refused, 401, 'unauthenticated');
    expectProblem(await request(running.server).get('/sagas/events').set('Authorization', 'Bearer wrong'), 401, 'unauthenticated');

    const stream = await EventStream.open(running.server, '/sagas/events', { Authorization: 'Bearer events-reader-key' });
    try {
      expect(stream.response.statusCode).toBe(200);
      const start = await request(running.server)
        .post('/sagas/order-fulfillment')
        .set('Authorization', 'Bearer events-operator-key')
        .send(orderFor('completes', `events-${randomUUID()}`))
        .expect(202);
      await stream.until((s) => s.steps.some((step) => step.sagaId === start.body.id), 'the reader to hear the start');
    } finally {
      stream.close();
    }
  });
});

describe('GET /sagas/events at shutdown', () => {
  it('ends open streams so app.close() is not held open', async () => {
    const running = await startTestApp('pglite');
    const stream = await EventStream.open(running.server, '/sagas/events', AUTH);
    await stream.until((s) => s.events.some((e) => e.retry), 'the stream to open');
    await running.close();
    await stream.until((s) => s.ended, 'the stream to end');
    expect(stream.events.some((e) => e.event === 'shutdown')).toBe(true);
  });
});

describe('GET /sagas/events across replicas on PostgreSQL', () => {
  let schema: TestSchema;
  const apps: RunningTestApp[] = [];

  beforeAll(async () => {
    schema = await TestSchema.create('events');
    // One after the other: the second finds the schema migrated.
    for (let i = 0; i < 2; i++) {
      const { app } = await bootTestApp({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema.name });
      await app.listen(0, '127.0.0.1');
      apps.push({ app, server: app.getHttpServer(), close: () => app.close() });
    }
  });

  afterAll(async () => {
    for (const running of apps) await running.close();
    await schema?.drop();
  });

  it('hears on one replica the steps committed by the other, in order', async () => {
    const [writer, reader] = apps;
    const stream = await EventStream.open(reader.server, '/sagas/events', AUTH);
    try {
      await stream.until((s) => s.events.some((e) => e.retry), 'the stream to open');
      const sagaId = await startOrder(writer.server, 'payment-refused');
      const steps = await stream.until((s) => {
        const mine = s.steps.filter((step) => step.sagaId === sagaId);
        return mine.some((step) => ended(step.status)) && mine;
      }, `saga ${sagaId}, run by the other replica, to end on the stream`);
      expect(steps.map((step) => step.historyId)).toEqual(await historyIds(writer, sagaId));
      expect(steps.at(-1)!.status).toBe('compensated');
      // Read by id from the shared table: the reader replica's repository sees the same rows.
      const rows = await reader.app.get(SagaHistoryRepository).committed(steps.map((step) => step.historyId));
      expect(rows.map((row) => row.id)).toEqual(steps.map((step) => step.historyId));
    } finally {
      stream.close();
    }
  });
});
