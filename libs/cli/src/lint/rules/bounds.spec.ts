import { assign } from 'xstate';
import { Ping, Release, Reserve, Refused, Released, Reserved, fixtureSaga, reserveStep } from '../fixtures/fixture-parts';
import { lintSagas } from '../lint-sagas';

const where = (findings: ReturnType<typeof lintSagas>) => findings.map((f) => [f.rule, f.state]);
const parts = (step: ReturnType<typeof reserveStep>, events: any[] = []) => ({ commands: [Reserve, Release], events: [Reserved, Refused, Released, ...events], steps: [step] });

/** Reserve; when the step fails, wait and send it again, going round through `retrying`. */
function retryLoop(retrying: object) {
  const step = reserveStep();
  return fixtureSaga(
    'bounds',
    {
      initial: 'reserving',
      states: {
        reserving: { entry: step.send, on: { Reserved: 'done', Refused: 'failed', StepFailed: { guard: step.failed, target: 'retrying' } } },
        retrying: retrying,
        done: { type: 'final' },
        failed: { type: 'final' },
      },
    },
    parts(step),
  );
}

describe('bounds/unbounded-cycle', () => {
  it('finds a retry loop nothing counts, and says which transitions go round', () => {
    const findings = lintSagas([retryLoop({ after: { 1_000: 'reserving' } })]);

    expect(where(findings)).toEqual([['bounds/unbounded-cycle', 'reserving']]);
    expect(findings[0].message).toBe(
      'reserving can loop without end: reserving → retrying on StepFailed and retrying → reserving on after 1000, and none of these transitions has a guard: the engine parks the instance after maxTransitions 1000',
    );
  });

  it('takes a loop a guard bounds', () => {
    const bounded = retryLoop({
      after: { 1_000: [{ guard: 'fresh', target: 'reserving', actions: assign({}) }, { target: 'failed' }] },
    });

    expect(lintSagas([bounded])).toEqual([]);
  });

  it('does not count an event taken again without leaving the state (a targetless transition)', () => {
    const step = reserveStep();
    const saga = fixtureSaga(
      'bounds',
      {
        initial: 'reserving',
        states: {
          reserving: { entry: step.send, on: { Reserved: 'done', Refused: 'failed', StepFailed: { guard: step.failed, target: 'failed' }, Ping: { actions: assign({}) } } },
          done: { type: 'final' },
          failed: { type: 'final' },
        },
      },
      parts(step, [Ping]),
    );

    expect(lintSagas([saga])).toEqual([]);
  });
});

describe('bounds/max-transitions and bounds/commands-in-flight', () => {
  it('count what the engine counts: the start and each message, signal or timer the machine takes', () => {
    const saga = retryLoop({ after: { 1_000: [{ guard: 'fresh', target: 'reserving' }, { target: 'failed' }] } });

    // The start (1) and Reserved (2) to done; the bounded loop through retrying is left out.
    expect(lintSagas([saga], { maxTransitions: 2 })).toEqual([]);
    const findings = lintSagas([saga], { maxTransitions: 1 });
    expect(where(findings)).toEqual([['bounds/max-transitions', 'done']]);
    expect(findings[0].message).toBe(
      'the longest path that loops nowhere takes 2 transitions, and passes maxTransitions 1 in done: the engine parks the instance there',
    );
  });

  it('count one command in flight per step', () => {
    expect(lintSagas([retryLoop({ after: { 1_000: [{ guard: 'fresh', target: 'reserving' }, { target: 'failed' }] } })], { maxCommandsInFlight: 1 })).toEqual([]);
  });
});
