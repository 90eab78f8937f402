import { Charge, ChargeRefused, Charged, Refund, Refunded, Release, Reserve, Refused, Released, Reserved, chargeStep, compensating, fixtureSaga, reserveStep } from '../fixtures/fixture-parts';
import { lintSagas } from '../lint-sagas';

const where = (findings: ReturnType<typeof lintSagas>) => findings.map((f) => [f.rule, f.state]);
const parts = (steps: any[]) => ({
  commands: [Reserve, Release, ...(steps.length > 1 ? [Charge, Refund] : [])],
  events: [Reserved, Refused, Released, ...(steps.length > 1 ? [Charged, ChargeRefused, Refunded] : [])],
  steps,
});

describe('reachability', () => {
  it('finds a parallel state whose regions all end when it has no onDone', () => {
    const reserve = reserveStep();
    const charge = chargeStep();
    const saga = fixtureSaga(
      'reachability',
      {
        initial: 'securing',
        states: {
          securing: {
            type: 'parallel',
            states: {
              stock: {
                initial: 'reserving',
                states: { reserving: { entry: reserve.send, on: { Reserved: 'ok', Refused: 'ok', StepFailed: { guard: reserve.failed, target: 'ok' } } }, ok: { type: 'final' } },
              },
              payment: {
                initial: 'charging',
                states: { charging: { entry: charge.send, on: { Charged: 'ok', ChargeRefused: 'ok', StepFailed: { guard: charge.failed, target: 'ok' } } }, ok: { type: 'final' } },
              },
            },
          },
        },
      },
      parts([reserve, charge]),
    );
    const findings = lintSagas([saga]);

    expect(where(findings)).toEqual([['reachability/dead-end', 'securing']]);
    expect(findings[0].message).toBe('the saga can stop in securing for good: securing is done, and it has no onDone');
  });

  it('finds a state that waits for a reply of a step that is not in flight there, and says so', () => {
    const reserve = reserveStep();
    const saga = fixtureSaga(
      'reachability',
      {
        initial: 'reserving',
        states: {
          reserving: { entry: reserve.send, on: { Reserved: 'reserved', Refused: 'failed', StepFailed: { guard: reserve.failed, target: 'compensating' } } },
          // Waits for Reserved again, but nothing sends the step from here.
          reserved: { on: { Reserved: 'done' } },
          done: { type: 'final' },
          compensating,
          failed: { type: 'final' },
        },
      },
      parts([reserve]),
    );
    const findings = lintSagas([saga]);

    expect(where(findings)).toEqual([
      ['reachability/dead-end', 'reserved'],
      ['reachability/unreachable', 'done'],
    ]);
    expect(findings.find((f) => f.rule === 'reachability/dead-end')!.message).toBe(
      'the saga can stop in reserved for good: reserved waits only for Reserved (a reply of step reserveStock, which is not in flight there), and no step is in flight',
    );
    expect(findings.find((f) => f.rule === 'reachability/unreachable')!.message).toBe('no path enters done: only reserved on Reserved leads there, and no path takes it');
  });

  it('reports only the highest state no path enters', () => {
    const reserve = reserveStep();
    const saga = fixtureSaga(
      'reachability',
      {
        initial: 'reserving',
        states: {
          reserving: { entry: reserve.send, on: { Reserved: 'done', Refused: 'failed', StepFailed: { guard: reserve.failed, target: 'compensating' } } },
          orphan: { initial: 'a', states: { a: { after: { 10: 'b' } }, b: { type: 'final' } }, onDone: 'done' },
          done: { type: 'final' },
          compensating,
          failed: { type: 'final' },
        },
      },
      parts([reserve]),
    );

    expect(where(lintSagas([saga]))).toEqual([['reachability/unreachable', 'orphan']]);
  });

  it('follows guards both ways, so a guarded way out is a way out', () => {
    const reserve = reserveStep();
    const saga = fixtureSaga(
      'reachability',
      {
        initial: 'reserving',
        states: {
          reserving: { entry: reserve.send, on: { Reserved: 'checking', Refused: 'failed', StepFailed: { guard: reserve.failed, target: 'compensating' } } },
          checking: { always: [{ guard: 'fresh', target: 'done' }, { guard: 'confirmed', target: 'compensating' }] },
          done: { type: 'final' },
          compensating,
          failed: { type: 'final' },
        },
      },
      parts([reserve]),
    );
    const findings = lintSagas([saga]);

    // Both guards may be false: then the saga rests in checking for good.
    expect(where(findings)).toEqual([['reachability/dead-end', 'checking']]);
  });
});
