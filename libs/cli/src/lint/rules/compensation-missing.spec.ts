import { sagaStep, sendCommand } from '@baton/core';
import {
  Notify,
  OrderCancelled,
  Release,
  Reserve,
  Refused,
  Released,
  Reserved,
  compensating,
  fixtureSaga,
  reserveStep,
  retry,
} from '../fixtures/fixture-parts';
import { lintSagas } from '../lint-sagas';

const notify = sendCommand(Notify, ({ context }: any) => ({ orderId: context.orderId }));
const release = sendCommand(Release, ({ context }: any) => ({ orderId: context.orderId }));
const where = (findings: ReturnType<typeof lintSagas>) => findings.map((f) => [f.rule, f.state ?? `step:${f.step}`]);

/** A saga that reserves stock, with `states` added and `reserving` changed by `reserving`. */
function sagaWith(
  reserving: object,
  states: Record<string, unknown>,
  step = reserveStep(),
  { commands = [Reserve, Release, Notify], events = [Reserved, Refused, Released] }: { commands?: any[]; events?: any[] } = {},
) {
  return fixtureSaga(
    'compensations',
    {
      initial: 'reserving',
      states: {
        reserving: {
          entry: step.send,
          on: { Reserved: 'reserved', Refused: 'failed', StepFailed: { guard: step.failed, target: 'compensating' } },
          ...reserving,
        },
        reserved: { type: 'final' },
        compensating,
        failed: { type: 'final' },
        ...states,
      },
    },
    { commands, events, steps: [step] },
  );
}

describe('compensation/missing', () => {
  it('finds a step whose reason for no compensation is blank', () => {
    const step = sagaStep<any, typeof Reserve>({ name: 'reserveStock', command: Reserve, payload: () => ({ orderId: 'o' }), completedBy: [Reserved], refusedBy: [Refused], retry, noCompensation: '  ' });
    const findings = lintSagas([sagaWith({}, {}, step, { commands: [Reserve], events: [Reserved, Refused] })]);

    expect(where(findings)).toEqual([['compensation/missing', 'step:reserveStock']]);
    expect(findings[0].message).toBe('step reserveStock gives "  " as the reason it needs no compensation, which says nothing');
  });

  it('takes a step that says why it needs no compensation', () => {
    const step = sagaStep<any, typeof Reserve>({ name: 'reserveStock', command: Reserve, payload: () => ({ orderId: 'o' }), completedBy: [Reserved], refusedBy: [Refused], retry, noCompensation: 'a read: nothing to undo' });

    expect(lintSagas([sagaWith({}, {}, step, { commands: [Reserve], events: [Reserved, Refused] })])).toEqual([]);
  });

  it('finds a fire-and-forget command on a transition the saga goes on from', () => {
    const findings = lintSagas([sagaWith({ on: { Reserved: { target: 'reserved', actions: notify }, Refused: { target: 'waiting', actions: notify }, StepFailed: 'compensating' } }, { waiting: { always: 'failed' } })]);

    expect(where(findings)).toEqual([['compensation/missing', 'reserving'], ['compensation/fire-and-forget', 'reserving']]);
    expect(findings[0].message).toBe('reserving sends Notify fire and forget (sendCommand) on Refused and the saga goes on: if it compensates later, nothing undoes Notify');
    expect(findings[1].message).toBe('reserving sends Notify fire and forget (sendCommand) on Reserved as the saga ends: nothing confirms it and nothing undoes it');
  });

  it("leaves a step's compensation command sent by hand to compensation/order", () => {
    const saga = sagaWith(
      { on: { Reserved: { target: 'reserved', guard: 'confirmed' }, Refused: 'failed', StepFailed: 'compensating', OrderCancelled: 'releasing' } },
      { releasing: { entry: release, always: 'failed' } },
      reserveStep(),
      { commands: [Reserve, Release], events: [Reserved, Refused, Released, OrderCancelled] },
    );

    expect(lintSagas([saga])).toEqual([]);
  });

  it('is silenced for a whole subtree by an opt-out on an ancestor', () => {
    const saga = fixtureSaga(
      'compensations',
      {
        initial: 'notifying',
        meta: { baton: { lint: { 'compensation/missing': 'the notices are drafts nobody sees' } } },
        states: { notifying: { initial: 'first', states: { first: { entry: notify, always: 'second' }, second: { entry: notify, always: 'done' }, done: { type: 'final' } }, onDone: 'ended' }, ended: { type: 'final' } },
      },
      { commands: [Notify], events: [], steps: [] },
    );

    expect(lintSagas([saga])).toEqual([]);
  });
});
