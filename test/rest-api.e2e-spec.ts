import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request, { type Response, type Test } from 'supertest';
import type { HistoryEntryView, SagaPage, SagaView } from '@baton/nest';
import { eventually, orderFor, type OrderScenario } from './support/orders';
import { DEV_AUTHORIZATION, bootTestApp } from './support/test-app';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * The REST API end to end: the real host app, in-process participants and a
 * real database, once on embedded PGlite and once on the machine's PostgreSQL.
 */

/** Long enough for an answered payment to be answered first on a busy machine, short enough for the test of one that never is. */
const PAYMENT_TIMEOUT_MS = 4_000;
const ORDERS = '/sagas/order-fulfillment';
const PROBLEM_BASE = 'https://baton.dev/problems/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** A well-formed saga id that no saga has. */
const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

// --- helpers -----------------------------------------------------------------

/** The app under test; each database's block points it at its own app before its tests run. */
let server: Server;
const api = () => request(server);
/** A POST with the development key: starting a saga needs an operator key. */
const authorizedPost = (path: string) => api().post(path).set('Authorization', DEV_AUTHORIZATION);

const newOrder = (scenario: OrderScenario = 'completes') => orderFor(scenario, `order-${randomUUID()}`);

function postOrder(body: unknown, idempotencyKey?: string): Test {
  const post = authorizedPost(ORDERS).send(body as object);
  return idempotencyKey === undefined ? post : post.set('Idempotency-Key', idempotencyKey);
}

/** Starts an order meant to end as `scenario` says, and checks it was accepted. */
async function startOrder(scenario: OrderScenario = 'completes') {
  const order = newOrder(scenario);
  const response = await postOrder(order).expect(202);
  return { id: response.body.id as string, order, response };
}

/** Polls GET /sagas/{id} until the saga has `status`; returns the saga as it is then. */
function waitForStatus(id: string, status: string): Promise<SagaView> {
  return eventually(
    async () => {
      const { body } = await api().get(`/sagas/${id}`).expect(200);
      return body.status === status ? (body as SagaView) : undefined;
    },
    60_000,
    `saga ${id} to be ${status}`,
  );
}

async function historyOf(id: string): Promise<HistoryEntryView[]> {
  const { body } = await api().get(`/sagas/${id}/history`).expect(200);
  expect(body.sagaId).toBe(id);
  return body.items;
}

const COMPENSATIONS = ['ReleaseStock', 'VoidAuthorization'];

/** The compensating commands a saga's history shows it sent, sorted (their order depends on which reply came first). */
async function compensationsSent(id: string): Promise<string[]> {
  const sent = (await historyOf(id)).flatMap((entry) => entry.commands.map((command) => command.type));
  return sent.filter((type) => COMPENSATIONS.includes(type)).sort();
}

const postText = (contentType: string, text: string) => authorizedPost(ORDERS).set('Content-Type', contentType).send(text);

async function listSagas(query: Record<string, string | number>): Promise<SagaPage> {
  return (await api().get('/sagas').query(query).expect(200)).body;
}

/** How many sagas there are: the suite starts far fewer than one page of 500. */
async function sagaCount(): Promise<number> {
  return (await listSagas({ name: 'order-fulfillment', limit: 500 })).items.length;
}

/** Sends a request that must be refused, and checks that no saga came of it. */
async function refusedWithoutStarting(send: () => Test): Promise<Response> {
  const before = await sagaCount();
  const response = await send();
  expect(await sagaCount()).toBe(before);
  return response;
}

/** An RFC 9457 problem: its media type, every field, and `instance` naming the request. */
function expectProblem(response: Response, status: number, type: string): void {
  const { pathname, search } = new URL(response.request.url);
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json\b/);
  expect(response.body).toEqual(
    expect.objectContaining({
      type: type === 'about:blank' ? type : PROBLEM_BASE + type,
      title: expect.stringMatching(/\S/),
      status,
      detail: expect.stringMatching(/\S/),
      instance: pathname + search,
    }),
  );
}

const DATABASES = [
  { database: 'embedded PGlite', prepare: async () => ({ env: {}, cleanUp: async () => undefined }) },
  {
    database: 'PostgreSQL',
    prepare: async () => {
      const schema = await TestSchema.create('rest');
      return { env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema.name }, cleanUp: () => schema.drop() };
    },
  },
];

// --- behaviour ---------------------------------------------------------------

describe.each(DATABASES)('The REST API on $database', ({ prepare }) => {
  let app: NestExpressApplication | undefined;
  let cleanUp: (() => Promise<unknown>) | undefined;

  beforeAll(async () => {
    const database = await prepare();
    cleanUp = database.cleanUp;
    ({ app } = await bootTestApp({ ...database.env, ORDER_PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS) }));
    // Listening once (rather than per request) lets tests send requests concurrently.
    await app.listen(0, '127.0.0.1');
    server = app.getHttpServer();
  });

  afterAll(async () => {
    await app?.close();
    await cleanUp?.();
  });

  describe('Starting an order', () => {
    it('answers 202 with a Location and the saga, which then completes with its reservation, authorization and shipment', async () => {
      const { id, order, response } = await startOrder('completes');

      expect(response.headers.location).toBe(`/sagas/${id}`);
      expect(response.headers['content-type']).toMatch(/^application\/json\b/);
      expect(response.body).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(UUID),
          name: 'order-fulfillment',
          definitionVersion: 1,
          status: expect.stringMatching(/^(running|completed)$/),
          state: expect.anything(),
          version: expect.any(Number),
          createdAt: expect.stringMatching(ISO_DATE),
          timers: expect.any(Array),
        }),
      );

      const saga = await waitForStatus(id, 'completed');
      expect(saga.state).toBe('completed');
      expect(saga.endedAt).toMatch(ISO_DATE);
      expect(saga.timers).toEqual([]);
      expect(saga.output).toEqual({
        orderId: order.orderId,
        reservationId: expect.stringMatching(/\S/),
        authorizationId: expect.stringMatching(/\S/),
        shipmentId: expect.stringMatching(/\S/),
      });
    });
  });

  describe('An order that cannot be fulfilled', () => {
    it('releases the reserved stock and ends compensated when the payment is refused', async () => {
      const { id } = await startOrder('payment-refused');

      const saga = await waitForStatus(id, 'compensated');
      expect(saga.context).toEqual(
        expect.objectContaining({ failure: { step: 'authorizePayment', reason: 'card declined' } }),
      );
      expect(await compensationsSent(id)).toEqual(['ReleaseStock']);
    });

    it('lists the armed payment timer while it waits, and ends compensated when payment never answers', async () => {
      const { id } = await startOrder('payment-times-out');

      const waiting = (await api().get(`/sagas/${id}`).expect(200)).body as SagaView;
      expect(waiting.status).toBe('running');
      // (Beside it, while inventory has not answered yet, the stock step's reply timeout.)
      expect(waiting.timers).toEqual(
        expect.arrayContaining([{ key: expect.stringContaining('paymentTimeout'), dueAt: expect.stringMatching(ISO_DATE) }]),
      );

      const saga = await waitForStatus(id, 'compensated');
      expect(saga.context).toEqual(
        expect.objectContaining({
          failure: { step: 'authorizePayment', reason: expect.stringContaining('did not answer') },
        }),
      );
      expect(saga.timers).toEqual([]);
      const fired = (await historyOf(id)).filter((entry) => entry.kind === 'timer');
      expect(fired).toEqual([expect.objectContaining({ event: waiting.timers![0].key, actor: 'timer' })]);
      expect(await compensationsSent(id)).toEqual(['ReleaseStock', 'VoidAuthorization']);
    });

    it.each([
      ['its stock is refused', 'stock-refused', 'reserveStock', ['VoidAuthorization']],
      ['its shipment is refused', 'shipment-refused', 'scheduleShipment', ['ReleaseStock', 'VoidAuthorization']],
    ] as const)('ends compensated when %s, undoing what was done', async (_when, scenario, failedStep, compensations) => {
      const { id } = await startOrder(scenario);

      const saga = await waitForStatus(id, 'compensated');
      expect(saga.output).toEqual(expect.objectContaining({ failure: { step: failedStep, reason: expect.any(String) } }));
      expect(await compensationsSent(id)).toEqual(compensations);
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the saga it already started, with 200, when the same key comes again with the same body', async () => {
      const order = newOrder();
      const key = `key-${randomUUID()}`;
      const first = await postOrder(order, key).expect(202);
      const before = await sagaCount();

      const again = await postOrder(order, key).expect(200);

      expect(again.body.id).toBe(first.body.id);
      expect(again.headers.location).toBe(`/sagas/${first.body.id}`);
      expect(await sagaCount()).toBe(before);
    });

    it('refuses the same key with a different body with 422, naming the saga the key started', async () => {
      const key = `key-${randomUUID()}`;
      const first = await postOrder(newOrder(), key).expect(202);

      const response = await refusedWithoutStarting(() => postOrder(newOrder(), key));

      expectProblem(response, 422, 'idempotency-key-reused');
      expect(response.body.sagaId).toBe(first.body.id);
    });

    it('starts one saga when the same key arrives several times at once', async () => {
      const order = newOrder();
      const key = `key-${randomUUID()}`;
      const before = await sagaCount();

      const responses = await Promise.all([1, 2, 3, 4].map(() => postOrder(order, key)));

      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 202]);
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      expect(await sagaCount()).toBe(before + 1);
    });
  });

  describe('Refused requests', () => {
    it.each<[string, number, string, () => Test]>([
      ['a saga name nobody defined', 404, 'unknown-saga', () => authorizedPost('/sagas/no-such-saga').send(newOrder())],
      ['input that fails the schema', 400, 'invalid-input', () => postOrder({ ...newOrder(), amountCents: -1 })],
      ['malformed JSON', 400, 'malformed-json', () => postText('application/json', '{"orderId": ')],
      ['a body over BODY_LIMIT', 413, 'body-too-large', () => postOrder({ ...newOrder(), padding: 'x'.repeat(300 * 1024) })],
      ['a text/plain body', 415, 'unsupported-media-type', () => postText('text/plain', JSON.stringify(newOrder()))],
      ['a body without Content-Type', 415, 'unsupported-media-type', () => authorizedPost(ORDERS).send(Buffer.from(JSON.stringify(newOrder())))],
      ['no body at all', 400, 'invalid-input', () => authorizedPost(ORDERS)],
      ['a latin1 body', 415, 'unsupported-encoding', () => postText('application/json; charset=latin1', '{}')],
      ['an Idempotency-Key of 300 characters', 400, 'malformed-idempotency-key', () => postOrder(newOrder(), 'k'.repeat(300))],
      ['an Idempotency-Key with a space in it', 400, 'malformed-idempotency-key', () => postOrder(newOrder(), 'two words')],
    ])('answers an order with %s with a %i %s problem and starts nothing', async (_what, status, type, send) => {
      expectProblem(await refusedWithoutStarting(send), status, type);
    });

    it('answers a body that does not decompress with a 400 problem, not a 500, and starts nothing', async () => {
      const response = await refusedWithoutStarting(() => postText('application/json', '{}').set('Content-Encoding', 'gzip'));

      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json\b/);
    });

    it('names every field that fails the schema', async () => {
      const { customerId: _missing, ...order } = newOrder();
      const invalid = {
        ...order,
        items: [{ sku: 'BOOK-1', quantity: 0 }],
        shippingAddress: { ...order.shippingAddress, country: 'Germany' },
      };

      const response = await refusedWithoutStarting(() => postOrder(invalid));

      expectProblem(response, 400, 'invalid-input');
      expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
        'customerId',
        'items.0.quantity',
        'shippingAddress.country',
      ]);
      expect(response.body.errors).toEqual(
        expect.arrayContaining([{ field: 'shippingAddress.country', message: expect.stringContaining('ISO 3166-1') }]),
      );
    });

    it.each<[string, string, number, string]>([
      ['a saga id nobody has', `/sagas/${UNKNOWN_ID}`, 404, 'saga-not-found'],
      ['a malformed saga id', '/sagas/not-a-uuid', 400, 'malformed-id'],
      ['the history of a saga id nobody has', `/sagas/${UNKNOWN_ID}/history`, 404, 'saga-not-found'],
      ['the history of a malformed saga id', '/sagas/not-a-uuid/history', 400, 'malformed-id'],
      ['a list with limit 0', '/sagas?limit=0', 400, 'invalid-limit'],
      ['a list with limit 501', '/sagas?limit=501', 400, 'invalid-limit'],
      ['a list with limit x', '/sagas?limit=x', 400, 'invalid-limit'],
      ['a list by a status no saga has', '/sagas?status=finished', 400, 'invalid-status'],
      ['a list by a saga name nobody defined', '/sagas?name=no-such-saga', 400, 'unknown-saga'],
      ['a list from a cursor this API never returned', '/sagas?cursor=garbage', 400, 'invalid-cursor'],
      ['a definition nobody wrote', '/definitions/no-such-saga', 404, 'unknown-saga'],
      ['a definition version that does not exist', '/definitions/order-fulfillment?version=2', 404, 'unknown-version'],
      ['a path no route serves', '/no-such-route', 404, 'about:blank'],
    ])('answers a request for %s (GET %s) with a %i %s problem and starts nothing', async (_what, path, status, type) => {
      expectProblem(await refusedWithoutStarting(() => api().get(path)), status, type);
    });
  });

  describe('Listing sagas', () => {
    it('pages through every saga two at a time, newest first, until nextCursor is null', async () => {
      const started: string[] = [];
      for (let i = 0; i < 5; i++) started.push((await startOrder()).id);

      const pages: SagaView[][] = [];
      let cursor: string | null = null;
      do {
        const page = await listSagas({ limit: 2, ...(cursor === null ? {} : { cursor }) });
        pages.push(page.items);
        cursor = page.nextCursor;
      } while (cursor !== null && pages.length <= 500);

      expect(cursor).toBeNull();
      expect(pages.slice(0, -1).every((page) => page.length === 2)).toBe(true);
      expect(pages[pages.length - 1].length).toBeGreaterThanOrEqual(1);
      const ids = pages.flat().map((saga) => saga.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort().reverse());
      expect(ids.filter((id) => started.includes(id))).toEqual([...started].reverse());
      expect(ids).toHaveLength(await sagaCount());
    });

    it('lists only the sagas with the status and name asked for', async () => {
      const completed = await startOrder('completes');
      const compensated = await startOrder('stock-refused');
      await waitForStatus(completed.id, 'completed');
      await waitForStatus(compensated.id, 'compensated');

      const byStatus = (await listSagas({ status: 'compensated', limit: 500 })).items;
      expect(new Set(byStatus.map((saga) => saga.status))).toEqual(new Set(['compensated']));
      expect(byStatus.map((saga) => saga.id)).toContain(compensated.id);
      expect(byStatus.map((saga) => saga.id)).not.toContain(completed.id);

      const byName = (await listSagas({ name: 'order-fulfillment', limit: 500 })).items;
      expect(new Set(byName.map((saga) => saga.name))).toEqual(new Set(['order-fulfillment']));
      expect(byName.map((saga) => saga.id)).toEqual(expect.arrayContaining([completed.id, compensated.id]));
    });
  });

  describe('Definitions', () => {
    it('lists order-fulfillment with its one version', async () => {
      const { body } = await api().get('/definitions').expect(200);

      expect(body).toEqual([{ name: 'order-fulfillment', versions: [1], latest: 1, description: expect.any(String) }]);
    });

    it('shows order-fulfillment with its input schema, commands, events and statechart', async () => {
      const { body } = await api().get('/definitions/order-fulfillment').expect(200);

      expect(body).toEqual(expect.objectContaining({ name: 'order-fulfillment', version: 1, versions: [1] }));
      expect(body.input).toEqual(
        expect.objectContaining({
          type: 'object',
          properties: expect.objectContaining({
            orderId: expect.anything(),
            items: expect.objectContaining({ type: 'array' }),
            shippingAddress: expect.objectContaining({ type: 'object' }),
          }),
          required: expect.arrayContaining(['orderId', 'customerId', 'items', 'paymentToken', 'shippingAddress']),
        }),
      );
      expect(body.commands.map(({ type, participant }: { type: string; participant: string }) => [type, participant])).toEqual([
        ['ReserveStock', 'inventory'],
        ['ReleaseStock', 'inventory'],
        ['AuthorizePayment', 'payment'],
        ['VoidAuthorization', 'payment'],
        ['ScheduleShipment', 'shipping'],
        ['CancelShipment', 'shipping'],
        ['NotifyCustomer', 'notification'],
      ]);
      expect(body.commands.every((command: { schema?: unknown }) => typeof command.schema === 'object')).toBe(true);
      expect(body.events.map((event: { type: string }) => event.type)).toEqual([
        'StockReserved',
        'StockRefused',
        'StockReleased',
        'PaymentAuthorized',
        'PaymentRefused',
        'AuthorizationVoided',
        'ShipmentScheduled',
        'ShipmentRefused',
        'ShipmentCancelled',
        'CommandFailed',
        'RetryCompensation',
        'ResolveCompensation',
        'StepFailed',
        'CompensationsCompleted',
        'AbortRequested',
      ]);
      expect(Object.keys(body.statechart.states)).toEqual(
        expect.arrayContaining(['securing', 'shipping', 'compensating', 'completed', 'compensated']),
      );
    });

    it('shows which replies answer each command: a step, its compensation, and a command sent without waiting', async () => {
      const { body } = await api().get('/definitions/order-fulfillment').expect(200);
      const commands = new Map(body.commands.map((command: { type: string }) => [command.type, command]));

      expect(commands.get('ReserveStock')).toEqual(
        expect.objectContaining({
          participant: 'inventory',
          schema: expect.objectContaining({ type: 'object' }),
          expectsReply: true,
          replies: ['StockReserved', 'StockRefused', 'CommandFailed'],
          steps: ['reserveStock'],
          completedBy: ['StockReserved'],
          refusedBy: ['StockRefused'],
          compensatedBy: ['ReleaseStock'],
          compensates: [],
          confirmedBy: [],
        }),
      );
      expect(commands.get('ReleaseStock')).toEqual(
        expect.objectContaining({
          version: 2,
          expectsReply: true,
          replies: ['StockReleased', 'CommandFailed'],
          steps: ['reserveStock'],
          completedBy: [],
          refusedBy: [],
          compensatedBy: [],
          compensates: ['ReserveStock'],
          confirmedBy: ['StockReleased'],
        }),
      );
      expect(commands.get('NotifyCustomer')).toEqual(
        expect.objectContaining({
          participant: 'notification',
          expectsReply: false,
          replies: [],
          steps: [],
          completedBy: [],
          refusedBy: [],
          compensatedBy: [],
          compensates: [],
          confirmedBy: [],
        }),
      );
      for (const [forward, undo, completed, refused, confirmed] of [
        ['AuthorizePayment', 'VoidAuthorization', 'PaymentAuthorized', 'PaymentRefused', 'AuthorizationVoided'],
        ['ScheduleShipment', 'CancelShipment', 'ShipmentScheduled', 'ShipmentRefused', 'ShipmentCancelled'],
      ]) {
        expect(commands.get(forward)).toEqual(
          expect.objectContaining({ replies: [completed, refused, 'CommandFailed'], compensatedBy: [undo], expectsReply: true }),
        );
        expect(commands.get(undo)).toEqual(expect.objectContaining({ replies: [confirmed, 'CommandFailed'], compensates: [forward] }));
      }
    });

    it('shows a version that exists when asked for it', async () => {
      const { body } = await api().get('/definitions/order-fulfillment?version=1').expect(200);

      expect(body.version).toBe(1);
    });
  });

  describe('OpenAPI', () => {
    it('documents POST /sagas/{name} with the order-fulfillment input schema', async () => {
      const { body } = await api().get('/docs-json').expect(200);

      expect(body.paths['/sagas/{name}'].post.requestBody.content['application/json'].schema).toEqual({
        oneOf: [{ $ref: '#/components/schemas/order-fulfillment-input' }],
      });
      expect(body.components.schemas['order-fulfillment-input']).toEqual(
        expect.objectContaining({ type: 'object', properties: expect.objectContaining({ orderId: expect.anything() }) }),
      );
    });
  });
});
