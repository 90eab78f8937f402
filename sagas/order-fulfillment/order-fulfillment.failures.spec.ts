import { SagaEngine, SagaTestHarness } from '@baton/core';
import { createOrderFulfillmentSaga } from './order-fulfillment.saga';

/**
 * The order saga when things go wrong beyond a refusal: participants that
 * fail transiently or stay silent (retries), compensations that fail
 * (operator), an operator's abort, an instance that runs away (bounds).
 */

const REPLY_TIMEOUT_MS = 1_000;
const saga = createOrderFulfillmentSaga({ paymentTimeoutMs: 60_000, replyTimeoutMs: REPLY_TIMEOUT_MS, maxAttempts: 3 });

const order = {
  orderId: 'order-7',
  customerId: 'customer-7',
  items: [{ sku: 'SKU-TEA', quantity: 1 }],
  amountCents: 990,
  currency: 'EUR',
  paymentToken: 'tok_visa',
  shippingAddress: { line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
};

const start = () => SagaTestHarness.start(saga, order);
const sentOf = (harness: SagaTestHarness, type: string) => harness.sent.filter((command) => command.type === type);
const transientFailure = (command: string) => ({ command, reason: 'warehouse down', transient: true });

describe('A command that fails transiently', () => {
  it('is sent again after a backoff, with the same message id, and the saga goes on when it succeeds', () => {
    const harness = start();
    const [first] = sentOf(harness, 'ReserveStock');

    expect(harness.receive('CommandFailed', transientFailure('ReserveStock'), { causationId: first.messageId })).toBe(true);
    expect(harness.pendingTimers.has('baton.retry.reserveStock')).toBe(true);
    harness.advance(500);

    const resent = sentOf(harness, 'ReserveStock');
    expect(resent).toHaveLength(2);
    expect(resent[1]).toMatchObject({ messageId: first.messageId, attempt: 2, payload: first.payload });
    harness.receive('StockReserved', { reservationId: 'r-1' });
    harness.receive('PaymentAuthorized', { authorizationId: 'a-1' });
    expect(harness.state).toBe('shipping');
  });

  it('backs off exponentially between attempts', () => {
    const harness = start();
    const [first] = sentOf(harness, 'ReserveStock');
    harness.receive('CommandFailed', transientFailure('ReserveStock'), { causationId: first.messageId });
    harness.advance(499);
    expect(sentOf(harness, 'ReserveStock')).toHaveLength(1);
    harness.advance(1);
    harness.receive('CommandFailed', transientFailure('ReserveStock'), { causationId: first.messageId });
    harness.advance(999);
    expect(sentOf(harness, 'ReserveStock')).toHaveLength(2);
    harness.advance(1);
    expect(sentOf(harness, 'ReserveStock')).toHaveLength(3);
  });
});

describe('A participant that does not answer', () => {
  it('gets the command again after the reply timeout, then the step fails and the saga compensates', () => {
    const harness = start();
    harness.receive('PaymentAuthorized', { authorizationId: 'a-1' });
    // Three attempts, each unanswered for a second, with backoffs of 0.5 s and 1 s between them.
    harness.advance(REPLY_TIMEOUT_MS * 3 + 500 + 1_000);

    expect(sentOf(harness, 'ReserveStock').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(sentOf(harness, 'ReserveStock').map((c) => c.messageId)).size).toBe(1);
    expect(harness.context.failure).toEqual({ step: 'reserveStock', reason: `no reply within ${REPLY_TIMEOUT_MS} ms` });
    expect(harness.state).toEqual({ compensating: 'undoing' });
    expect(sentOf(harness, 'VoidAuthorization')).toHaveLength(1);
  });

  it('is not retried once its reply came', () => {
    const harness = start();
    harness.receive('StockReserved', { reservationId: 'r-1' });
    harness.advance(REPLY_TIMEOUT_MS * 10);
    expect(sentOf(harness, 'ReserveStock')).toHaveLength(1);
  });
});

describe('A compensation that fails for good', () => {
  const stuck = () => {
    const harness = start();
    harness.receive('StockReserved', { reservationId: 'r-1' });
    harness.receive('PaymentRefused', { reason: 'card declined' });
    const [release] = sentOf(harness, 'ReleaseStock');
    harness.receive('CommandFailed', { command: 'ReleaseStock', reason: 'locked by a stock count', transient: false }, { causationId: release.messageId });
    return harness;
  };

  it('leaves the saga stuck, saying which compensation failed and why', () => {
    const harness = stuck();
    expect(harness.status).toBe('stuck');
    expect(harness.state).toEqual({ compensating: 'failed' });
    expect(harness.context.compensationFailure).toEqual({
      step: 'reserveStock.compensation',
      command: 'ReleaseStock',
      reason: 'locked by a stock count',
      attempts: 1,
    });
    harness.advance(3_600_000);
    expect(harness.status).toBe('stuck');
  });

  it('is sent again, as a new command, when an operator retries it, and the saga then ends compensated', () => {
    const harness = stuck();
    expect(harness.receive('RetryCompensation', { by: 'operator:ops' })).toBe(true);
    const releases = sentOf(harness, 'ReleaseStock');
    expect(releases).toHaveLength(2);
    expect(releases[1].messageId).not.toBe(releases[0].messageId);
    harness.receive('StockReleased', { reservationId: 'r-1' });
    expect(harness.status).toBe('compensated');
    expect(harness.context.compensationFailure).toBeUndefined();
  });

  it('is skipped when an operator resolves it by hand', () => {
    const harness = stuck();
    harness.receive('ResolveCompensation', { by: 'operator:ops', note: 'released in the warehouse UI' });
    expect(harness.status).toBe('compensated');
    expect(sentOf(harness, 'ReleaseStock')).toHaveLength(1);
  });
});

describe('An operator abort', () => {
  it('lets the steps in flight answer, then compensates them and ends aborted with who and why', () => {
    const harness = start();
    expect(harness.receive('AbortRequested', { reason: 'customer cancelled', by: 'operator:ops' })).toBe(true);
    harness.receive('StockReserved', { reservationId: 'r-1' });
    harness.receive('PaymentAuthorized', { authorizationId: 'a-1' });
    expect(harness.state).toEqual({ compensating: 'undoing' });
    harness.receive('AuthorizationVoided', { orderId: 'order-7' });
    harness.receive('StockReleased', { reservationId: 'r-1' });

    expect(harness.status).toBe('aborted');
    expect(harness.output.failure).toEqual({ step: 'abort', reason: 'aborted by operator:ops: customer cancelled' });
    expect(sentOf(harness, 'ScheduleShipment')).toHaveLength(0);
  });

  it('is not accepted once the order is being shipped', () => {
    const harness = start();
    harness.receive('StockReserved', { reservationId: 'r-1' });
    harness.receive('PaymentAuthorized', { authorizationId: 'a-1' });
    expect(harness.receive('AbortRequested', { reason: 'too late', by: 'operator:ops' })).toBe(false);
  });
});

describe('An instance that crosses its bounds', () => {
  it('is parked as failed with the reason, sending nothing more', () => {
    const engine = new SagaEngine({ random: () => 1, limits: { maxTransitions: 2 } });
    const harness = SagaTestHarness.start(saga, order, undefined, engine);
    harness.receive('StockReserved', { reservationId: 'r-1' });
    const sent = harness.sent.length;
    harness.receive('PaymentAuthorized', { authorizationId: 'a-1' });

    expect(harness.status).toBe('failed');
    expect(harness.parkedBecause).toBe('it took more than 2 transitions (a loop?)');
    expect(harness.sent).toHaveLength(sent);
    expect(harness.pendingTimers.size).toBe(0);
  });

  it('is parked when it has more commands in flight than allowed', () => {
    const engine = new SagaEngine({ limits: { maxCommandsInFlight: 1 } });
    const harness = SagaTestHarness.start(saga, order, undefined, engine);
    expect(harness.status).toBe('failed');
    expect(harness.parkedBecause).toBe('it had 2 commands in flight, more than 1');
    expect(harness.sent).toHaveLength(0);
  });
});
