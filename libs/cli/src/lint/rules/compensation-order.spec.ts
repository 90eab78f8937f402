import { sendCommand } from '@baton/core';
import {
  Charge,
  ChargeRefused,
  Charged,
  OrderCancelled,
  Refund,
  Refunded,
  Release,
  Reserve,
  Refused,
  Released,
  Reserved,
  chargeStep,
  compensating,
  fixtureSaga,
  reserveStep,
} from '../fixtures/fixture-parts';
import { lintSagas } from '../lint-sagas';

const byOrder = ({ context }: any) => ({ orderId: context.orderId });
const where = (findings: ReturnType<typeof lintSagas>) => findings.map((f) => [f.rule, f.state, f.step]);
const parts = (steps: any[]) => ({
  commands: [Reserve, Release, Charge, Refund],
  events: [Reserved, Refused, Released, Charged, ChargeRefused, Refunded, OrderCancelled],
  steps,
});

/** Reserve, then charge; a cancellation after both, a refusal of the charge, or a failure of either is undone by `undo`. */
function twoSteps(undo: Record<string, unknown>) {
  const reserve = reserveStep();
  const charge = chargeStep();
  return fixtureSaga(
    'undo-by-hand',
    {
      initial: 'reserving',
      states: {
        reserving: { entry: reserve.send, on: { Reserved: 'charging', Refused: 'failed', StepFailed: { guard: reserve.failed, target: 'releasing' } } },
        charging: { entry: charge.send, on: { Charged: 'charged', ChargeRefused: 'releasing', StepFailed: { guard: charge.failed, target: 'undoingBoth' } } },
        charged: { on: { OrderCancelled: 'undoingBoth' }, after: { 60_000: 'done' } },
        ...undo,
        done: { type: 'final' },
        failed: { type: 'final' },
      },
    },
    parts([reserve, charge]),
  );
}

describe('compensation/order and compensation/not-completed', () => {
  it('take a machine that undoes newest first, only what took effect or may have', () => {
    const saga = twoSteps({
      releasing: { entry: sendCommand(Release, byOrder), always: 'failed' },
      undoingBoth: { entry: [sendCommand(Refund, byOrder), sendCommand(Release, byOrder)], always: 'failed' },
    });

    expect(lintSagas([saga])).toEqual([]);
  });

  it('take the undo of a step whose outcome is unknown (StepFailed: it may have taken effect)', () => {
    const reserve = reserveStep();
    const saga = fixtureSaga(
      'undo-by-hand',
      {
        initial: 'reserving',
        states: {
          reserving: { entry: reserve.send, on: { Reserved: 'done', Refused: 'failed', StepFailed: { guard: reserve.failed, target: 'releasing' } } },
          releasing: { entry: sendCommand(Release, byOrder), always: 'failed' },
          done: { type: 'final' },
          failed: { type: 'final' },
        },
      },
      { commands: [Reserve, Release], events: [Reserved, Refused, Released], steps: [reserve] },
    );

    expect(lintSagas([saga])).toEqual([]);
  });

  it('find an undo in two states that runs in the wrong order on one path', () => {
    const saga = twoSteps({
      releasing: { entry: sendCommand(Release, byOrder), always: 'failed' },
      undoingBoth: { entry: sendCommand(Release, byOrder), always: 'refunding' },
      refunding: { entry: sendCommand(Refund, byOrder), always: 'failed' },
    });
    const findings = lintSagas([saga]);

    expect(where(findings)).toEqual([['compensation/order', 'undoingBoth', 'reserveStock']]);
    expect(findings[0].message).toBe(
      'undoingBoth undoes step reserveStock (Release) while charge, which took effect after it, is not undone yet: compensations must run newest first',
    );
  });

  it('find an undo of a step that was never sent on some path', () => {
    const saga = twoSteps({
      releasing: { entry: [sendCommand(Refund, byOrder), sendCommand(Release, byOrder)], always: 'failed' },
      undoingBoth: { entry: [sendCommand(Refund, byOrder), sendCommand(Release, byOrder)], always: 'failed' },
    });
    const findings = lintSagas([saga]);

    // releasing is entered when reserving failed (charge never sent) and when charge was refused.
    expect(where(findings)).toEqual([['compensation/not-completed', 'releasing', 'charge']]);
    expect(findings[0].message).toBe('releasing sends Refund to undo step charge on a path where charge was never sent');
  });

  it('pass with compensation(), which undoes newest first', () => {
    const reserve = reserveStep();
    const charge = chargeStep();
    const saga = fixtureSaga(
      'engine-undoes',
      {
        initial: 'reserving',
        states: {
          reserving: { entry: reserve.send, on: { Reserved: 'charging', Refused: 'failed', StepFailed: { guard: reserve.failed, target: 'compensating' } } },
          charging: { entry: charge.send, on: { Charged: 'done', ChargeRefused: 'compensating', StepFailed: { guard: charge.failed, target: 'compensating' } } },
          compensating,
          done: { type: 'final' },
          failed: { type: 'final' },
        },
      },
      { ...parts([reserve, charge]), events: [Reserved, Refused, Released, Charged, ChargeRefused, Refunded] },
    );

    expect(lintSagas([saga])).toEqual([]);
  });
});
