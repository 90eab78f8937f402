import { Release, Reserve, Refused, Released, Reserved, compensating, fixtureSaga, reserveStep } from './fixtures/fixture-parts';
import { isReason } from './opt-outs';
import { lintReport, lintSagas } from './lint-sagas';

const where = (findings: ReturnType<typeof lintSagas>) => findings.map((f) => [f.rule, f.state]);

/** The clean saga with `meta` on the machine's root and on `reserving`. */
function sagaWithMeta(rootMeta: object | undefined, reservingMeta: object | undefined) {
  const step = reserveStep();
  return fixtureSaga(
    'opt-outs',
    {
      initial: 'reserving',
      ...(rootMeta === undefined ? {} : { meta: rootMeta }),
      states: {
        reserving: {
          entry: step.send,
          on: { Reserved: 'reserved', Refused: 'failed', StepFailed: { guard: step.failed, target: 'compensating' } },
          ...(reservingMeta === undefined ? {} : { meta: reservingMeta }),
        },
        reserved: { type: 'final' },
        compensating,
        failed: { type: 'final' },
      },
    },
    { commands: [Reserve, Release], events: [Reserved, Refused, Released], steps: [step] },
  );
}

describe('An opt-out', () => {
  it.each(['a read: nothing to undo', ' padded reason '])('is a reason: %p', (reason) => {
    expect(isReason(reason)).toBe(true);
  });

  it.each(['', '  ', 'TODO', 'n/a', 'None', '-', undefined, null, 3, {}])('is no reason: %p', (reason) => {
    expect(isReason(reason)).toBe(false);
  });

  it('for a rule that does not exist is a finding, with the rule it may mean', () => {
    const findings = lintSagas([sagaWithMeta(undefined, { baton: { lint: { 'timeout/mising': 'the participant always answers' } } })]);

    expect(where(findings)).toEqual([['lint/opt-out', 'reserving']]);
    expect(findings[0].message).toBe('reserving opts out of "timeout/mising", which is no rule of baton lint (did you mean "timeout/missing"?)');
  });

  it("for one of lint's own rules is a finding", () => {
    expect(where(lintSagas([sagaWithMeta({ baton: { lint: { 'lint/opt-out-unused': 'keep it for later' } } }, undefined)]))).toEqual([['lint/opt-out', '(machine)']]);
  });

  it('that is not an object of rule ids and reasons is a finding', () => {
    expect(where(lintSagas([sagaWithMeta(undefined, { baton: { lint: 'timeout/missing' } })]))).toEqual([['lint/opt-out', 'reserving']]);
    expect(where(lintSagas([sagaWithMeta(undefined, { baton: 'lint' })]))).toEqual([['lint/opt-out', 'reserving']]);
  });

  it('for a rule that finds nothing there is a warning: the reason no longer holds', () => {
    const findings = lintSagas([sagaWithMeta(undefined, { baton: { lint: { 'timeout/missing': 'the participant always answers' } } })]);

    expect(findings).toEqual([expect.objectContaining({ rule: 'lint/opt-out-unused', severity: 'warning', state: 'reserving' })]);
  });

  it('leaves any other meta alone', () => {
    expect(lintSagas([sagaWithMeta({ owner: 'team-orders' }, { baton: { docs: 'x' } })])).toEqual([]);
  });

  it("on the machine's root covers the whole saga, and the report says where it was", () => {
    const step = reserveStep({ maxAttempts: 3 });
    const saga = fixtureSaga(
      'opt-outs',
      {
        initial: 'reserving',
        meta: { baton: { lint: { 'timeout/missing': 'the stock service answers within its SLA or not at all' } } },
        states: {
          reserving: { entry: step.send, on: { Reserved: 'reserved', Refused: 'failed', StepFailed: { guard: step.failed, target: 'compensating' } } },
          reserved: { type: 'final' },
          compensating,
          failed: { type: 'final' },
        },
      },
      { commands: [Reserve, Release], events: [Reserved, Refused, Released], steps: [step] },
    );
    const report = lintReport([saga]);

    expect(report.findings).toEqual([]);
    expect(report.optedOut).toEqual([expect.objectContaining({ rule: 'timeout/missing', state: 'reserving', optedOutAt: '(machine)' })]);
  });
});
