import { sagaStep, sendCommand } from '@baton/core';
import { Notify, Ping, Release, Reserve, Refused, Released, Reserved, compensating, fixtureSaga, reserveStep } from '../fixtures/fixture-parts';
import { lintSagas } from '../lint-sagas';

const where = (findings: ReturnType<typeof lintSagas>) => findings.map((f) => [f.rule, f.state ?? `contract:${f.contract}`]);

/** The clean saga, with `reserving` changed, states added and contracts and steps given. */
function sagaWith(reserving: (step: ReturnType<typeof reserveStep>) => object, states: Record<string, unknown> = {}, parts: { commands?: any[]; events?: any[]; steps?: any[] } = {}) {
  const step = reserveStep();
  return fixtureSaga(
    'contracts',
    {
      initial: 'reserving',
      states: {
        reserving: {
          entry: step.send,
          on: { Reserved: 'reserved', Refused: 'failed', StepFailed: { guard: step.failed, target: 'compensating' } },
          ...reserving(step),
        },
        reserved: { type: 'final' },
        compensating,
        failed: { type: 'final' },
        ...states,
      },
    },
    { commands: [Reserve, Release], events: [Reserved, Refused, Released], steps: [step], ...parts },
  );
}

describe('contracts/undeclared', () => {
  it('finds a step the machine sends that is not in "steps", and a command sendCommand sends that is not in "commands"', () => {
    const other = sagaStep<any, typeof Reserve>({ name: 'reserveAgain', command: Reserve, payload: () => ({ orderId: 'o' }), completedBy: [Reserved], noCompensation: 'a retry of the same reservation' });
    const notify = sendCommand(Notify, () => ({ orderId: 'o' }));
    // (Notify sent fire and forget is compensation/missing, too.)
    const findings = lintSagas([sagaWith((step) => ({ entry: [step.send, other.send], exit: notify }))]).filter((f) => f.rule === 'contracts/undeclared');

    expect(where(findings)).toEqual([
      ['contracts/undeclared', 'reserving'],
      ['contracts/undeclared', 'reserving'],
    ]);
    expect(findings.map((f) => f.message)).toEqual([
      `reserving sends Reserve for step reserveAgain, which is not in the saga's "steps": the engine fails that input`,
      'reserving sends Notify, which is not in "commands": the engine fails that input',
    ]);
  });

  it('finds an event with no contract that defineSaga lets through: one whose transition has no target and no actions', () => {
    // XState leaves such a transition out of a state's ownEvents, which defineSaga checks.
    const findings = lintSagas([sagaWith(() => ({ on: { Reserved: 'reserved', Refused: 'failed', StepFailed: 'compensating', Ping: { guard: 'fresh' } } }))]);

    expect(where(findings)).toEqual([['contracts/undeclared', 'reserving']]);
    expect(findings[0].message).toBe('reserving accepts Ping, which has no contract: the engine refuses it, so the transition is never taken');
  });

  it('finds an event with no contract in a definition not made by defineSaga', () => {
    const saga = sagaWith(() => ({}));
    const byHand = { ...saga, events: new Map([...saga.events].filter(([type]) => type !== 'Refused')) };
    const findings = lintSagas([byHand]);

    expect(where(findings)).toEqual([['contracts/undeclared', 'reserving']]);
    expect(findings[0].message).toBe('reserving accepts Refused, which has no contract: the engine refuses it, so the transition is never taken');
  });
});

describe('contracts/unused', () => {
  it('finds a declared event nothing accepts and a command nothing sends', () => {
    const findings = lintSagas([sagaWith(() => ({}), {}, { commands: [Reserve, Release, Notify], events: [Reserved, Refused, Released, Ping] })]);

    expect(where(findings)).toEqual([
      ['contracts/unused', 'contract:Notify'],
      ['contracts/unused', 'contract:Ping'],
    ]);
    expect(findings[1].message).toBe('Ping is declared in "events", but no step lists it as a reply and no state accepts it');
  });
});

describe('contracts/reply-not-accepted', () => {
  it('finds a step whose StepFailed is not handled where it is awaited: the engine parks the saga', () => {
    const findings = lintSagas([sagaWith(() => ({ on: { Reserved: 'reserved', Refused: 'failed' } }))]);

    // compensating is then entered by nothing.
    expect(where(findings)).toEqual([
      ['contracts/reply-not-accepted', 'reserving'],
      ['reachability/unreachable', 'compensating'],
    ]);
    expect(findings[0].message).toBe(
      'while step reserveStock is in flight (sent by reserving) the saga can rest in reserving, which does not accept StepFailed: when the step fails for good the engine parks the saga',
    );
    expect(findings[0].fix).toBe('handle it where the step is awaited: StepFailed: { guard: reserveStock.failed, target: <the state that compensates> }');
  });

  it('finds a step sent from a state that accepts none of its replies (the engine fails the input)', () => {
    const step = reserveStep();
    const saga = fixtureSaga(
      'contracts',
      {
        initial: 'starting',
        states: {
          starting: { on: { Ping: { target: 'reserving', actions: step.send } } },
          reserving: { after: { 1_000: 'done' } },
          done: { type: 'final' },
        },
      },
      { commands: [Reserve, Release], events: [Reserved, Refused, Released, Ping], steps: [step] },
    );
    const findings = lintSagas([saga]).filter((f) => f.rule === 'contracts/reply-not-accepted');

    expect(where(findings)).toEqual([['contracts/reply-not-accepted', 'starting']]);
    expect(findings[0].message).toBe(
      'starting sends Reserve (step reserveStock), and the saga then rests in reserving, which accepts none of its replies (Reserved, Refused): the engine fails that input',
    );
  });

  it("takes a reply accepted by another region of the parallel state, while the step's own region has moved on", () => {
    const step = reserveStep();
    const saga = fixtureSaga(
      'contracts',
      {
        initial: 'securing',
        states: {
          securing: {
            type: 'parallel',
            states: {
              stock: { initial: 'reserving', states: { reserving: { entry: step.send, on: { Ping: 'waiting' } }, waiting: { type: 'final' } } },
              watch: {
                initial: 'watching',
                states: { watching: { on: { Reserved: 'seen', Refused: 'seen', StepFailed: { guard: step.failed, target: 'seen' } } }, seen: { type: 'final' } },
              },
            },
            onDone: 'done',
          },
          done: { type: 'final' },
        },
      },
      { commands: [Reserve, Release], events: [Reserved, Refused, Released, Ping], steps: [step] },
    );

    expect(lintSagas([saga])).toEqual([]);
  });
});
