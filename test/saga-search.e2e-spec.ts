import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventually, orderFor, type OrderScenario } from './support/orders';
import { expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * What an operator console asks of the REST API: searching sagas
 * (GET /sagas filters), counting them by status (GET /sagas/counts) and
 * acting on many at once (POST /sagas/batch/retry and /sagas/batch/abort),
 * on PostgreSQL with the in-process example participants.
 */

const OPERATOR_KEY = 'op3r4tor-search-key';
const READER_KEY = 'r34der-search-key';
const API_KEYS = `ops:${OPERATOR_KEY}:operator,dash:${READER_KEY}:reader`;
const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

let host: RunningTestApp;
/** A tag of this run, in every order id, so filters see only this suite's sagas. */
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  // Payment that never answers keeps a saga in securing.payment.authorizing for the whole suite.
  host = await startTestApp('postgres', { API_KEYS, ORDER_PAYMENT_TIMEOUT_MS: '600000' });
});

afterAll(async () => {
  await host?.close();
});

const operator = { Authorization: `Bearer ${OPERATOR_KEY}` };
const reader = { Authorization: `Bearer ${READER_KEY}` };
const get = (path: string, query: Record<string, string | number> = {}) => request(host.server).get(path).query(query);
const post = (path: string, body: object, headers: Record<string, string> = operator) =>
  request(host.server).post(path).set(headers).set('content-type', 'application/json').send(body);

async function start(orderId: string, scenario: OrderScenario = 'completes', change: (order: ReturnType<typeof orderFor>) => void = () => undefined, key?: string) {
  const order = orderFor(scenario, orderId);
  change(order);
  const request = post('/sagas/order-fulfillment', order);
  const response = await (key ? request.set('Idempotency-Key', key) : request).expect(202);
  return response.body.id as string;
}

async function waitFor(id: string, test: (saga: any) => boolean, what: string) {
  return eventually(async () => {
    const { body } = await get(`/sagas/${id}`).expect(200);
    return test(body) ? body : undefined;
  }, 30_000, `saga ${id} to be ${what}`);
}

const idsOf = async (query: Record<string, string | number>) => ((await get('/sagas', query).expect(200)).body.items as any[]).map((s) => s.id);

describe('GET /sagas filters', () => {
  const ids: Record<string, string> = {};
  let between: string;

  beforeAll(async () => {
    ids.done1 = await start(`${run}-done-1`, 'completes', () => undefined, `${run}-key-1`);
    ids.done2 = await start(`${run}-done-2`);
    await waitFor(ids.done1, (s) => s.status === 'completed', 'completed');
    await waitFor(ids.done2, (s) => s.status === 'completed', 'completed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    ids.waiting = await start(`${run}-waiting`, 'payment-times-out');
    await waitFor(ids.waiting, (s) => JSON.stringify(s.state) === JSON.stringify({ securing: { stock: 'reserved', payment: 'authorizing' } }), 'awaiting payment');
  });

  it('finds a saga by a field of its start input', async () => {
    expect(await idsOf({ 'input.orderId': `${run}-done-2` })).toEqual([ids.done2]);
    expect(await idsOf({ 'input.shippingAddress.city': 'Berlin', 'input.orderId': `${run}-waiting` })).toEqual([ids.waiting]);
    // A number matches as the number it spells.
    expect(await idsOf({ 'input.orderId': `${run}-waiting`, 'input.amountCents': '4200' })).toEqual([ids.waiting]);
    expect(await idsOf({ 'input.orderId': `${run}-waiting`, 'input.amountCents': '4201' })).toEqual([]);
  });

  it('finds sagas by the state they are in, a region of a parallel state included', async () => {
    const tagged = (query: Record<string, string>) => idsOf({ ...query, 'input.orderId': `${run}-waiting` });
    expect(await tagged({ state: 'securing.payment.authorizing' })).toEqual([ids.waiting]);
    expect(await tagged({ state: 'securing.stock.reserved' })).toEqual([ids.waiting]);
    expect(await tagged({ state: 'securing' })).toEqual([ids.waiting]);
    expect(await tagged({ state: 'securing.stock' })).toEqual([ids.waiting]);
    expect(await tagged({ state: 'securing.payment' })).toEqual([ids.waiting]);
    expect(await tagged({ state: 'securing.payment.authorized' })).toEqual([]);
    expect(await tagged({ state: 'securing.payment.authorizing.deeper' })).toEqual([]);
    expect(await tagged({ state: 'stock' })).toEqual([]);
    expect(await tagged({ state: 'shipping' })).toEqual([]);
    expect(await idsOf({ state: 'completed', 'input.orderId': `${run}-done-1` })).toEqual([ids.done1]);
  });

  it('finds sagas by start and update time, correlation id, idempotency key and definition version', async () => {
    const started = await idsOf({ startedAfter: between, limit: 500 });
    expect(started).toContain(ids.waiting);
    expect(started).not.toContain(ids.done1);
    const before = await idsOf({ startedBefore: between, limit: 500 });
    expect(before).toEqual(expect.arrayContaining([ids.done1, ids.done2]));
    expect(before).not.toContain(ids.waiting);
    expect(await idsOf({ updatedBefore: between, 'input.orderId': `${run}-done-1` })).toEqual([ids.done1]);
    expect(await idsOf({ updatedAfter: between, 'input.orderId': `${run}-done-1` })).toEqual([]);
    const saga = (await get(`/sagas/${ids.done2}`).expect(200)).body;
    expect(await idsOf({ correlationId: saga.correlationId })).toEqual([ids.done2]);
    expect(await idsOf({ key: `${run}-key-1` })).toEqual([ids.done1]);
    expect(await idsOf({ name: 'order-fulfillment', version: saga.definitionVersion, key: `${run}-key-1` })).toEqual([ids.done1]);
    expect(await idsOf({ name: 'order-fulfillment', version: saga.definitionVersion + 100, key: `${run}-key-1` })).toEqual([]);
  });

  it('combines filters with AND and pages through them, newest first', async () => {
    const extra = [];
    for (let i = 0; i < 5; i++) extra.push(await start(`${run}-page-${i}`, 'payment-times-out', (order) => (order.customerId = `${run}-pager`)));
    const query = { name: 'order-fulfillment', status: 'running', 'input.customerId': `${run}-pager`, state: 'securing', limit: 2 };
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await get('/sagas', cursor ? { ...query, cursor } : query).expect(200)).body;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s: any) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...extra].reverse());
    expect(await idsOf({ ...query, status: 'completed', limit: 50 })).toEqual([]);
  });

  it.each([
    [{ version: '1' }, 'version', /name/],
    [{ name: 'order-fulfillment', version: 'one' }, 'version', /positive integer/],
    [{ name: 'order-fulfillment', version: '0' }, 'version', /positive integer/],
    [{ startedAfter: 'yesterday' }, 'startedAfter', /ISO-8601/],
    [{ updatedBefore: '2026-13-45T99:00:00Z' }, 'updatedBefore', /ISO-8601/],
    [{ state: 'securing..payment' }, 'state', /dotted state path/],
    [{ 'input.': 'x' }, 'input.', /field of the start input/],
    [{ 'input[orderId]': 'x' }, 'input[orderId]', /field of the start input/],
    [{ status: 'sleeping' }, 'status', /one of/],
    [{ correlationId: '' }, 'correlationId', /1 to 1000/],
  ])('refuses %j with a 400 naming the parameter', async (query, parameter, detail) => {
    for (const path of ['/sagas', '/sagas/counts']) {
      const response = await get(path, query as Record<string, string>);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toEqual(expect.objectContaining({ parameter, detail: expect.stringMatching(detail) }));
    }
  });

  it('refuses a parameter given twice', async () => {
    const response = await request(host.server).get('/sagas?state=a&state=b');
    expectProblem(response, 400, 'repeated-query-parameter');
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'query.state' })]);
  });

  it('keeps the unknown-saga answer for a name no saga has', async () => {
    expectProblem(await get('/sagas', { name: 'nope' }), 400, 'unknown-saga');
  });
});

describe('GET /sagas/counts', () => {
  it('counts the sagas matching the filters by status, every status listed', async () => {
    const id = await start(`${run}-count`);
    await waitFor(id, (s) => s.status === 'completed', 'completed');
    const { body } = await get('/sagas/counts', { name: 'order-fulfillment', 'input.orderId': `${run}-count` }).expect(200);
    expect(body).toEqual({
      total: 1,
      byStatus: { running: 0, compensating: 0, completed: 1, compensated: 0, aborted: 0, stuck: 0, failed: 0, ...only(body.byStatus) },
    });
    const all = (await get('/sagas/counts').expect(200)).body;
    expect(all.total).toBe(Object.values(all.byStatus as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(all.byStatus.completed).toBeGreaterThanOrEqual(1);
  });
});

/** The statuses the API knows that the test above does not name, at 0 (so the test holds if statuses are added). */
function only(byStatus: Record<string, number>): Record<string, number> {
  const named = ['running', 'compensating', 'completed', 'compensated', 'aborted', 'stuck', 'failed'];
  return Object.fromEntries(Object.entries(byStatus).filter(([status]) => !named.includes(status)).map(([status]) => [status, 0]));
}

describe('Batch actions', () => {
  /** A declined payment with a STUCK- SKU: its release fails until an operator retries it. */
  async function stuck(orderId: string) {
    const id = await start(orderId, 'completes', (order) => {
      order.items = [{ sku: 'STUCK-LAMP', quantity: 1 }];
      order.paymentToken = 'tok_declined';
    });
    await waitFor(id, (s) => s.status === 'stuck', 'stuck');
    return id;
  }

  it('retries each saga as the single retry does, and says what became of each', async () => {
    const stuckId = await stuck(`${run}-stuck-1`);
    const doneId = await start(`${run}-retry-done`);
    await waitFor(doneId, (s) => s.status === 'completed', 'completed');
    const { body } = await post('/sagas/batch/retry', { ids: [stuckId, doneId, UNKNOWN_ID], reason: 'warehouse back up' }).expect(200);
    expect(body.results).toEqual([
      { id: stuckId, outcome: 'done', detail: 'failed compensation sent again' },
      { id: doneId, outcome: 'skipped', detail: 'already ended (completed)' },
      { id: UNKNOWN_ID, outcome: 'skipped', detail: 'not found' },
    ]);
    await waitFor(stuckId, (s) => s.status === 'compensated', 'compensated');
    const history = (await get(`/sagas/${stuckId}/history`).expect(200)).body.items;
    expect(history.filter((entry: any) => entry.kind === 'signal')).toEqual([expect.objectContaining({ event: 'RetryCompensation', actor: 'operator:ops' })]);
    const doneHistory = (await get(`/sagas/${doneId}/history`).expect(200)).body.items;
    expect(doneHistory.filter((entry: any) => entry.kind === 'signal')).toEqual([]);
  });

  it('aborts each saga as the single abort does, with the reason given', async () => {
    const waiting = await start(`${run}-abort-1`, 'payment-times-out');
    await waitFor(waiting, (s) => s.status === 'running' && JSON.stringify(s.state).includes('authorizing'), 'awaiting payment');
    const doneId = await start(`${run}-abort-done`);
    await waitFor(doneId, (s) => s.status === 'completed', 'completed');
    const { body } = await post('/sagas/batch/abort', { ids: [waiting, doneId, UNKNOWN_ID], reason: 'customer cancelled' }).expect(200);
    expect(body.results).toEqual([
      { id: waiting, outcome: 'done', detail: expect.stringMatching(/^abort requested/) },
      { id: doneId, outcome: 'skipped', detail: 'already ended (completed)' },
      { id: UNKNOWN_ID, outcome: 'skipped', detail: 'not found' },
    ]);
    const history = (await get(`/sagas/${waiting}/history`).expect(200)).body.items;
    expect(history.filter((entry: any) => entry.kind === 'signal')).toEqual([expect.objectContaining({ event: 'AbortRequested', actor: 'operator:ops' })]);
    const saga = (await get(`/sagas/${waiting}`).expect(200)).body;
    expect(saga.context.failure).toEqual({ step: 'abort', reason: 'aborted by operator:ops: customer cancelled' });
  });

  it('refuses a reader key with 403, acting on nothing', async () => {
    const waiting = await start(`${run}-reader`, 'payment-times-out');
    for (const action of ['retry', 'abort']) {
      expectProblem(await post(`/sagas/batch/${action}`, { ids: [waiting], reason: 'x' }, reader), 403, 'forbidden');
    }
    const history = (await get(`/sagas/${waiting}/history`).expect(200)).body.items;
    expect(history.filter((entry: any) => entry.kind === 'signal')).toEqual([]);
  });

  it.each([
    [{ reason: 'x' }, /"ids"/],
    [{ ids: [], reason: 'x' }, /"ids"/],
    [{ ids: Array.from({ length: 101 }, () => randomUUID()), reason: 'x' }, /1 to 100/],
    [{ ids: ['not-a-uuid'], reason: 'x' }, /not one/],
    [{ ids: [UNKNOWN_ID, UNKNOWN_ID], reason: 'x' }, /twice/],
    [{ ids: [UNKNOWN_ID] }, /"reason"/],
    [{ ids: [UNKNOWN_ID], reason: ' ' }, /"reason"/],
  ])('refuses a bad body (%#) with a 400 that says what is wrong, acting on nothing', async (body, detail) => {
    const waiting = await start(`${run}-bad-${randomUUID().slice(0, 4)}`, 'payment-times-out');
    const sent = { ...body, ids: 'ids' in body ? [waiting, ...(body.ids as string[])] : undefined };
    const response = await post('/sagas/batch/abort', 'ids' in body && (body.ids as string[]).length === 0 ? body : sent);
    expectProblem(response, 400, 'invalid-body');
    expect(response.body.detail).toMatch(detail);
    const history = (await get(`/sagas/${waiting}/history`).expect(200)).body.items;
    expect(history.filter((entry: any) => entry.kind === 'signal')).toEqual([]);
  });
});

describe('The OpenAPI document', () => {
  it('documents the search parameters, the counts and the batch actions', async () => {
    const { body: document } = await get('/docs-json').expect(200);
    const names = (path: string) => (document.paths[path].get.parameters as Array<{ name: string }>).map((p) => p.name);
    const filters = ['name', 'version', 'status', 'state', 'startedAfter', 'startedBefore', 'updatedAfter', 'updatedBefore', 'correlationId', 'key', 'input.<field>'];
    expect(names('/sagas')).toEqual(expect.arrayContaining([...filters, 'limit', 'cursor']));
    expect(names('/sagas/counts')).toEqual(expect.arrayContaining(filters));
    for (const action of ['retry', 'abort']) {
      const operation = document.paths[`/sagas/batch/${action}`].post;
      expect(operation.requestBody.content['application/json'].schema.required).toEqual(['ids', 'reason']);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400']));
    }
  });
});
