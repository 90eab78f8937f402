import { SagaEngine } from '@baton/core';
import { SagaTestHarness } from '@baton/testing';
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
    // The reservation may have happened: it is undone first (newest), then the authorization.
    expect(harness.sentTypes.slice(-1)).toEqual(['ReleaseStock']);
    harness.receive('StockReleased', { released: false });
    expect(harness.sentTypes.slice(-1)).toEqual(['VoidAuthorization']);
    harness.receive('AuthorizationVoided', { orderId: 'order-7', voided: true });
    expect(harness.status).toBe('compensated');
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
    return { harness, release };
  };

  it('leaves the saga stuck, saying which compensation failed and why', () => {
    const { harness, release } = stuck();
    expect(harness.status).toBe('stuck');
    expect(harness.state).toEqual({ compensating: 'undoing' });
    expect(harness.engineState.compensationFailure).toEqual({
      step: 'reserveStock.compensation',
      command: 'ReleaseStock',
      messageId: release.messageId,
      reason: 'locked by a stock count',
      attempts: 1,
    });
    harness.advance(3_600_000);
    expect(harness.status).toBe('stuck');
  });

  it('is sent again under the same message id when an operator retries it, so it is applied at most once, and the saga then ends compensated', () => {
    const { harness, release } = stuck();
    expect(harness.receive('RetryCompensation', { by: 'operator:ops' })).toBe(true);
    const releases = sentOf(harness, 'ReleaseStock');
    expect(releases).toHaveLength(2);
    expect(releases[1]).toMatchObject({ messageId: release.messageId, compensates: release.compensates, payload: release.payload });
    harness.receive('StockReleased', { released: true }, { causationId: release.messageId });
    expect(harness.status).toBe('compensated');
    expect(harness.engineState.compensationFailure).toBeUndefined();
  });

  it('is skipped when an operator resolves it by hand', () => {
    const { harness } = stuck();
    harness.receive('ResolveCompensation', { by: 'operator:ops', note: 'released in the warehouse UI' });
    expect(harness.status).toBe('compensated');
    expect(sentOf(harness, 'ReleaseStock')).toHaveLength(1);
    expect(harness.notes[harness.notes.length - 1]).toContain('operator:ops resolved ReleaseStock');
  });

  it('takes its confirmation when it arrives after the retries ran out: the saga goes on and ends compensated', () => {
    const harness = start();
    harness.receive('StockReserved', { reservationId: 'r-1' });
    harness.receive('PaymentRefused', { reason: 'card declined' });
    // ReleaseStock unanswered three times: the saga gives up on it and waits for an operator.
    harness.advance(REPLY_TIMEOUT_MS * 3 + 500 + 1_000);
    const [release] = sentOf(harness, 'ReleaseStock');
    expect(harness.status).toBe('stuck');

    // ... then the participant's answer to it arrives after all.
    expect(harness.receive('StockReleased', { released: true }, { causationId: release.messageId })).toBe(true);
    expect(harness.status).toBe('compensated');
    expect(sentOf(harness, 'ReleaseStock').map((c) => c.messageId)).toEqual([release.messageId, release.messageId, release.messageId]);
  });
});

describe('A step whose outcome is unknown', () => {
  const gaveUp = (harness: SagaTestHarness) => harness.advance(REPLY_TIMEOUT_MS * 3 + 500 + 1_000);

  it('is compensated as if it had succeeded: the undo names the command it undoes', () => {
    const harness = start();
    harness.receive('PaymentRefused', { reason: 'card declined' });
    gaveUp(harness);

    const [reserve] = sentOf(harness, 'ReserveStock');
    const [release] = sentOf(harness, 'ReleaseStock');
    expect(release).toMatchObject({ compensates: reserve.messageId, payload: { orderId: 'order-7' } });
    expect(harness.notes.join('\n')).toContain(`gave up on reserveStock (ReserveStock ${reserve.messageId}), 3 attempt(s) ran out`);
    harness.receive('StockReleased', { released: false }, { causationId: release.messageId });
    expect(harness.status).toBe('compensated');
  });

  it('records a success that arrives after the saga gave up on it as an effect that happened, undone once by the compensation armed then', () => {
    const harness = start();
    harness.receive('PaymentRefused', { reason: 'card declined' });
    gaveUp(harness);
    const [reserve] = sentOf(harness, 'ReserveStock');
    const [release] = sentOf(harness, 'ReleaseStock');

    expect(harness.receive('StockReserved', { reservationId: 'r-late' }, { causationId: reserve.messageId })).toBe(true);
    expect(harness.notes[harness.notes.length - 1]).toBe(
      `late StockReserved for reserveStock (ReserveStock ${reserve.messageId}), after the saga gave up on it: it took effect; ` +
        `ReleaseStock ${release.messageId}, armed when the saga gave up, undoes it`,
    );
    harness.receive('StockReleased', { released: true }, { causationId: release.messageId });
    expect(harness.status).toBe('compensated');
    expect(sentOf(harness, 'ReleaseStock')).toHaveLength(1);
  });

  it('also when the late success arrives after the saga ended compensated', () => {
    const harness = start();
    harness.receive('PaymentRefused', { reason: 'card declined' });
    gaveUp(harness);
    const [reserve] = sentOf(harness, 'ReserveStock');
    harness.receive('StockReleased', { released: false });
    expect(harness.status).toBe('compensated');

    expect(harness.receive('StockReserved', { reservationId: 'r-late' }, { causationId: reserve.messageId })).toBe(true);
    expect(harness.status).toBe('compensated');
    expect(harness.notes[harness.notes.length - 1]).toContain('it took effect; ReleaseStock');
  });

  it('ignores, saying so, a refusal that arrives after the saga gave up: it reports no effect', () => {
    const harness = start();
    harness.receive('PaymentRefused', { reason: 'card declined' });
    gaveUp(harness);
    const [reserve] = sentOf(harness, 'ReserveStock');
    expect(harness.receive('StockRefused', { reason: 'out of stock' }, { causationId: reserve.messageId })).toBe(true);
    expect(harness.notes[harness.notes.length - 1]).toMatch(/late StockRefused .*: it reports no effect$/);
  });

  it('of a shipment is cancelled before the authorization is voided and the stock released, so no shipment stays scheduled on a compensated order', () => {
    const harness = start();
    harness.receive('StockReserved', { reservationId: 'r-1' });
    harness.receive('PaymentAuthorized', { authorizationId: 'a-1' });
    gaveUp(harness);
    const [schedule] = sentOf(harness, 'ScheduleShipment');

    expect(harness.context.failure).toEqual({ step: 'scheduleShipment', reason: `no reply within ${REPLY_TIMEOUT_MS} ms` });
    expect(harness.sentTypes.slice(-1)).toEqual(['CancelShipment']);
    expect(sentOf(harness, 'CancelShipment')[0].compensates).toBe(schedule.messageId);
    // The shipment was scheduled after all, its answer late: recorded, undone by the cancel already sent.
    harness.receive('ShipmentScheduled', { shipmentId: 'shp-late' }, { causationId: schedule.messageId });
    harness.receive('ShipmentCancelled', { cancelled: true, shipmentId: 'shp-late' });
    harness.receive('AuthorizationVoided', { orderId: 'order-7', voided: true });
    harness.receive('StockReleased', { released: true });
    expect(harness.sentTypes).toEqual(['ReserveStock', 'AuthorizePayment', 'ScheduleShipment', 'ScheduleShipment', 'ScheduleShipment', 'CancelShipment', 'VoidAuthorization', 'ReleaseStock']);
    expect(harness.status).toBe('compensated');
  });

  it('is harmless when its reply timeout fires before the reply that was already on its way (a host restarting with overdue timers)', () => {
    // Not the last attempt: the command goes again (same id), then the reply settles it.
    const early = start();
    const [reserve] = sentOf(early, 'ReserveStock');
    early.advance(REPLY_TIMEOUT_MS);
    expect(sentOf(early, 'ReserveStock')).toHaveLength(1);
    early.advance(500);
    expect(sentOf(early, 'ReserveStock')).toHaveLength(2);
    early.receive('StockReserved', { reservationId: 'r-1' }, { causationId: reserve.messageId });
    early.receive('PaymentAuthorized', { authorizationId: 'a-1' });
    expect(early.state).toBe('shipping');

    // The last attempt: the saga gives up and undoes the step; the reply, late, is recorded and undone once.
    const last = start();
    last.receive('PaymentAuthorized', { authorizationId: 'a-1' });
    gaveUp(last);
    const [lastReserve] = sentOf(last, 'ReserveStock');
    expect(last.receive('StockReserved', { reservationId: 'r-1' }, { causationId: lastReserve.messageId })).toBe(true);
    last.receive('StockReleased', { released: true });
    last.receive('AuthorizationVoided', { orderId: 'order-7', voided: true });
    expect(last.status).toBe('compensated');
    expect(sentOf(last, 'ReleaseStock')).toHaveLength(1);
    expect(sentOf(last, 'VoidAuthorization')).toHaveLength(1);
  });
});

describe('An operator abort', () => {
  it('lets the steps in flight answer, then compensates them and ends aborted with who and why', () => {
    const harness = start();
    expect(harness.receive('AbortRequested', { reason: 'customer cancelled', by: 'operator:ops' })).toBe(true);
    harness.receive('StockReserved', { reservationId: 'r-1' });
    harness.receive('PaymentAuthorized', { authorizationId: 'a-1' });
    expect(harness.state).toEqual({ compensating: 'undoing' });
    harness.receive('AuthorizationVoided', { orderId: 'order-7', voided: true });
    harness.receive('StockReleased', { released: true });

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
