import request from 'supertest';
import type { DataSource } from 'typeorm';
import { BATON_DATA_SOURCE } from '@baton/nest';
import { eventually, orderFor } from './support/orders';
import { DEV_AUTHORIZATION, expectProblem, startTestApp, type RunningTestApp } from './support/test-app';

/**
 * Failure paths through the running host (PostgreSQL, in-process example
 * participants) and the operator's REST actions on them. The inventory
 * participant misbehaves on purpose for SKUs "FLAKY-" (first attempt of a
 * reservation fails transiently) and "STUCK-" (the first three attempts of a
 * release fail transiently: more than the saga's compensation retries).
 */

let host: RunningTestApp;

beforeAll(async () => {
  // Long enough for an answered payment to be answered first on a busy machine; the abort test waits for it to fire.
  host = await startTestApp('postgres', { ORDER_PAYMENT_TIMEOUT_MS: '4000' });
});

afterAll(async () => {
  await host?.close();
});

const post = (path: string, body: object = {}) =>
  request(host.server).post(path).set('content-type', 'application/json').set('authorization', DEV_AUTHORIZATION).send(body);

async function startOrder(orderId: string, change: (order: ReturnType<typeof orderFor>) => void = () => undefined) {
  const order = orderFor('completes', orderId);
  change(order);
  const response = await post('/sagas/order-fulfillment', order).expect(202);
  return response.body.id as string;
}

const sagaOf = async (id: string) => (await request(host.server).get(`/sagas/${id}`).expect(200)).body;
const historyOf = async (id: string) => (await request(host.server).get(`/sagas/${id}/history`).expect(200)).body.items;

async function waitForStatus(id: string, status: string) {
  let last: any;
  try {
    return await eventually(async () => {
      last = await sagaOf(id);
      return last.status === status ? last : undefined;
    }, 20_000, `saga ${id} to be ${status}`);
  } catch (error) {
    const seen = { status: last?.status, state: last?.state, timers: last?.timers, history: await historyOf(id) };
    throw new Error(`${(error as Error).message}; it is: ${JSON.stringify(seen)}`);
  }
}

/** A declined payment with a STUCK- SKU: stock is reserved, its release fails until an operator retries it. */
async function stuckOrder(orderId: string) {
  const id = await startOrder(orderId, (order) => {
    order.items = [{ sku: 'STUCK-LAMP', quantity: 1 }];
    order.paymentToken = 'tok_declined';
  });
  return waitForStatus(id, 'stuck');
}

describe('A reservation that fails transiently', () => {
  it('is retried with the same command id and the order completes, the stock reserved once', async () => {
    const id = await startOrder('flaky-1', (order) => (order.items = [{ sku: 'FLAKY-MUG', quantity: 1 }]));
    await waitForStatus(id, 'completed');
    const sends = (await historyOf(id)).flatMap((entry: any) => entry.commands).filter((c: any) => c.type === 'ReserveStock');
    expect(sends).toHaveLength(2);
    expect(sends[1]).toEqual({ ...sends[0], attempt: 2 });
  });
});

describe('A saga whose compensation fails for good', () => {
  it('waits, stuck, saying which compensation failed and why', async () => {
    const saga = await stuckOrder('stuck-1');
    expect(saga.state).toEqual({ compensating: 'undoing' });
    expect(saga.compensationFailure).toEqual({
      step: 'reserveStock.compensation',
      command: 'ReleaseStock',
      messageId: saga.compensations[0].messageId,
      reason: expect.stringContaining('locked by a stock count'),
      attempts: 3,
    });
  });

  it('completes its compensation when an operator retries it, under the same message id, releasing the stock once', async () => {
    const { id } = await stuckOrder('stuck-2');
    await post(`/sagas/${id}/retry`).expect(200);
    await waitForStatus(id, 'compensated');
    const history = await historyOf(id);
    expect(history.filter((entry: any) => entry.kind === 'signal')).toEqual([expect.objectContaining({ event: 'RetryCompensation', actor: 'operator:dev' })]);
    const releases = history.flatMap((entry: any) => entry.commands).filter((c: any) => c.type === 'ReleaseStock');
    expect(releases).toHaveLength(4);
    expect(new Set(releases.map((c: any) => c.messageId)).size).toBe(1);
    const ledger = await host.app.get<symbol, DataSource>(BATON_DATA_SOURCE).query(
      `SELECT outcome FROM example_ledger WHERE saga_id = $1 AND command_type = 'ReleaseStock'`,
      [id],
    );
    expect(ledger).toEqual([{ outcome: 'released' }]);
  });

  it('goes on without it when an operator resolves it by hand', async () => {
    const { id } = await stuckOrder('stuck-3');
    await post(`/sagas/${id}/resolve`, { note: 'released in the warehouse UI' }).expect(200);
    const saga = await waitForStatus(id, 'compensated');
    expect(saga.compensations).toEqual([]);
  });
});

describe('An operator abort', () => {
  it('compensates what was done once the steps in flight answered, and ends aborted', async () => {
    // Payment never answers: the abort takes effect when its timeout fires.
    const id = await startOrder('abort-1', (order) => (order.paymentToken = 'tok_unresponsive'));
    await post(`/sagas/${id}/abort`, { reason: 'customer cancelled' }).expect(200);
    const saga = await waitForStatus(id, 'aborted');
    expect(saga.output.failure).toEqual({ step: 'abort', reason: 'aborted by operator:dev: customer cancelled' });
  });

  it('of a saga that already ended is a 409 that says it accepts nothing now, and changes nothing', async () => {
    const id = await startOrder('abort-2');
    const done = await waitForStatus(id, 'completed');
    const response = await post(`/sagas/${id}/abort`, { reason: 'too late' });
    expectProblem(response, 409, 'not-accepted-now');
    expect(response.body.acceptedNow).toEqual([]);
    expect((await sagaOf(id)).version).toBe(done.version);
  });

  it('without a reason is a 400 naming the field', async () => {
    const id = await startOrder('abort-3', (order) => (order.paymentToken = 'tok_unresponsive'));
    const response = await post(`/sagas/${id}/abort`, {});
    expectProblem(response, 400, 'invalid-body');
    expect(response.body.errors).toEqual([{ field: 'reason', message: 'must be a non-empty string' }]);
  });
});

describe('A signal', () => {
  it('that is not one of the saga\'s signals is a 422 listing the signals', async () => {
    const id = await startOrder('signal-1', (order) => (order.paymentToken = 'tok_unresponsive'));
    const response = await post(`/sagas/${id}/signals/PaymentAuthorized`, { authorizationId: 'forged' });
    expectProblem(response, 422, 'unknown-signal');
    expect(response.body.signals).toEqual(['RetryCompensation', 'ResolveCompensation', 'AbortRequested']);
  });

  it('that the current state does not accept is a 409 listing what it accepts now', async () => {
    const id = await startOrder('signal-2', (order) => (order.paymentToken = 'tok_unresponsive'));
    const response = await post(`/sagas/${id}/signals/RetryCompensation`, { by: 'ops' });
    expectProblem(response, 409, 'not-accepted-now');
    expect(response.body.acceptedNow).toEqual(['AbortRequested']);
  });

  it('whose payload fails its schema is a 400 naming the field', async () => {
    const id = await startOrder('signal-3', (order) => (order.paymentToken = 'tok_unresponsive'));
    const response = await post(`/sagas/${id}/signals/AbortRequested`, { reason: 42, by: 'ops' });
    expectProblem(response, 400, 'invalid-input');
    expect(response.body.errors).toEqual([{ field: 'reason', message: expect.stringContaining('expected string') }]);
  });
});

describe('Retry now', () => {
  it('of a saga with nothing in flight is a 409', async () => {
    const id = await startOrder('retry-1');
    await waitForStatus(id, 'completed');
    expectProblem(await post(`/sagas/${id}/retry`), 409, 'not-accepted-now');
  });
});
