import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { HistoryEntryView } from '@baton/nest';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION, expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * An operator's reason for a retry, on the real host app and PostgreSQL:
 * the note of the history row the retry writes, for the single retry and
 * for each saga of a batch retry.
 */

let running: RunningTestApp;
const api = () => request(running.server);
const post = (path: string) => api().post(path).set('Authorization', DEV_AUTHORIZATION);
const historyOf = async (id: string): Promise<HistoryEntryView[]> => (await api().get(`/sagas/${id}/history`).expect(200)).body.items;

beforeAll(async () => {
  // The payment of an unresponsive card never answers within the test: its AuthorizePayment stays in flight to retry.
  running = await startTestApp('postgres', { ORDER_PAYMENT_TIMEOUT_MS: '600000' });
});

afterAll(async () => {
  await running?.close();
});

/** A saga whose AuthorizePayment is in flight, unanswered. */
async function waitingOrder(): Promise<string> {
  const started = await post('/sagas/order-fulfillment').send(orderFor('payment-times-out', `retry-${randomUUID()}`)).expect(202);
  const id: string = started.body.id;
  await eventually(async () => (await historyOf(id)).some((entry) => entry.event === 'StockReserved') || undefined, 60_000, 'the stock to be reserved');
  return id;
}

const retries = async (id: string) => (await historyOf(id)).filter((entry) => entry.event === 'retry');

it('records the reason of a retry as the note of its history row', async () => {
  const id = await waitingOrder();

  await post(`/sagas/${id}/retry`).send({ reason: 'payment provider was down until 18:40' }).expect(200);

  expect(await retries(id)).toEqual([
    expect.objectContaining({ event: 'retry', actor: 'operator:dev', note: 'payment provider was down until 18:40' }),
  ]);
});

it('still retries without a body, with no note', async () => {
  const id = await waitingOrder();

  await post(`/sagas/${id}/retry`).expect(200);

  const [retry] = await retries(id);
  expect(retry).toEqual(expect.objectContaining({ event: 'retry', actor: 'operator:dev' }));
  expect(retry.note).toBeUndefined();
});

it.each<[string, object]>([
  ['an empty reason', { reason: '' }],
  ['a reason that is not text', { reason: 42 }],
  ['a reason over 2000 characters', { reason: 'x'.repeat(2001) }],
])('refuses %s with a 400 naming it, and retries nothing', async (_what, body) => {
  const id = await waitingOrder();
  const before = await historyOf(id);

  const response = await post(`/sagas/${id}/retry`).send(body);

  expectProblem(response, 400, 'invalid-body');
  expect(response.body.errors).toEqual([{ field: 'reason', message: expect.any(String) }]);
  expect(await historyOf(id)).toEqual(before);
});

it("records a batch retry's reason in each saga's history", async () => {
  const ids = [await waitingOrder(), await waitingOrder()];

  const { body } = await post('/sagas/batch/retry').send({ ids, reason: 'INC-4711: provider back' }).expect(200);

  expect(body.results).toEqual(ids.map((id) => ({ id, outcome: 'done', detail: 'commands in flight sent again' })));
  for (const id of ids) expect(await retries(id)).toEqual([expect.objectContaining({ note: 'INC-4711: provider back' })]);
});
