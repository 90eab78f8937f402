import { lintReport, lintSagas } from '@baton/cli';
import { createOrderFulfillmentSaga } from './order-fulfillment.saga';

describe('baton lint on the order fulfillment saga', () => {
  it('finds nothing, with its defaults and with options that change its timeouts', () => {
    expect(lintSagas([createOrderFulfillmentSaga()])).toEqual([]);
    expect(lintSagas([createOrderFulfillmentSaga({ paymentTimeoutMs: 1_000, replyTimeoutMs: 500, maxAttempts: 5 })])).toEqual([]);
  });

  it('passes because the completed state says why NotifyCustomer is sent fire and forget', () => {
    const { optedOut } = lintReport([createOrderFulfillmentSaga()]);

    expect(optedOut).toEqual([
      expect.objectContaining({
        rule: 'compensation/fire-and-forget',
        state: 'completed',
        optedOutAt: 'completed',
        reason: expect.stringContaining('a confirmation cannot be unsent'),
      }),
    ]);
  });

  it("stays well within the engine's limits: at most 2 commands in flight, no path of more than 100 transitions", () => {
    expect(lintSagas([createOrderFulfillmentSaga()], { maxCommandsInFlight: 2, maxTransitions: 100 })).toEqual([]);
    expect(lintSagas([createOrderFulfillmentSaga()], { maxCommandsInFlight: 1 }).map((f) => [f.rule, f.state])).toEqual([
      ['bounds/commands-in-flight', 'securing'],
    ]);
  });
});
