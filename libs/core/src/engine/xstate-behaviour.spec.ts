import {
  assign,
  emit,
  getNextTransitions,
  initialTransition,
  setup,
  transition,
  type AnyActorScope,
  type AnyMachineSnapshot,
  type EventObject,
  type ExecutableActionObject,
  type Snapshot,
} from 'xstate';
import { errorMessage } from '../util/error-message';
import { stepLogicOf } from './machine-runner';

/*
 * What Baton relies on in XState, pinned on a tiny machine. MachineRunner
 * runs a saga's machine on XState's pure functions and reads what a run did
 * from the actions they hand back as data; StepDraft keeps `after`
 * transitions as durable timers. When an XState upgrade fails one of these,
 * its message says what changed and what in Baton breaks: fix MachineRunner
 * (or StepDraft) before taking the upgrade.
 */

/** Runs `assertion`; when it fails, the error says what changed in XState and what breaks in Baton. */
function pin(changed: string, breaks: string, assertion: () => void): void {
  try {
    assertion();
  } catch (error) {
    throw new Error(`XState changed: ${changed}\nWhat breaks in Baton: ${breaks}\n\n${errorMessage(error)}`, { cause: error });
  }
}

interface Context {
  n: number;
}

const machine = setup({
  types: { context: {} as Context, input: {} as { n: number }, events: {} as EventObject },
  delays: { slow: 5_000 },
}).createMachine({
  id: 'm',
  context: ({ input }) => ({ n: input.n }),
  initial: 'a',
  states: {
    a: {
      entry: emit({ type: 'entered-a' }),
      after: { 1_000: 'b', slow: 'b' },
      on: {
        Go: { target: 'b', actions: emit(({ context }) => ({ type: 'went', n: context.n })) },
        Stay: { actions: assign({ n: ({ context }) => context.n + 1 }) },
        Again: { target: 'a', reenter: true },
        Never: { guard: () => false, target: 'b' },
        Explode: { actions: assign(() => { throw new Error('assign exploded'); }) },
        Custom: { actions: () => { throw new Error('custom action exploded'); } },
      },
    },
    b: {
      entry: emit({ type: 'entered-b' }),
      initial: 'one',
      states: { one: { on: { Next: 'two' } }, two: {}, back: { type: 'history' } },
      on: { Leave: 'c', '*': { actions: emit({ type: 'anything' }) } },
    },
    c: { on: { Return: 'b.back', Restart: 'a' } },
  },
});

// XState types only some built-in actions by name; Baton reads every action as an ExecutableActionObject.
const started = () => initialTransition(machine, { n: 1 }) as [AnyMachineSnapshot, ExecutableActionObject[]];
const step = (snapshot: AnyMachineSnapshot, event: EventObject) => transition(machine, snapshot, event) as [AnyMachineSnapshot, ExecutableActionObject[]];
const types = (actions: readonly ExecutableActionObject[]) => actions.map((action) => action.type);
const ofType = (actions: readonly ExecutableActionObject[], type: string) =>
  actions.filter((action) => action.type === type).map((action) => action.params);
/** The delayed raises and the cancels among `actions`, in order, with the id each names. */
const timerActions = (actions: readonly ExecutableActionObject[]) =>
  actions
    .filter((action) => action.type === 'xstate.raise' || action.type === 'xstate.cancel')
    .map((action) => [action.type, (action.params as { id?: string; sendId?: string }).sendId ?? (action.params as { id?: string }).id]);
/** Through JSON and back with `restoreSnapshot`, as MachineRunner restores a stored saga (it has no child actors, so no actor scope). */
const roundTrip = (snapshot: AnyMachineSnapshot) =>
  machine.restoreSnapshot(JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot))), undefined as unknown as AnyActorScope);

const TIMERS_BREAK = "MachineRunner reads a state's `after` timers from the delayed xstate.raise actions: sagas would get no durable timers, or wrong ones";

describe('XState, as Baton relies on it', () => {
  it('hands back the `after` events of the states it enters as delayed xstate.raise actions, id and event type alike', () => {
    const [, initial] = started();
    const [inB, enteredB] = step(roundTrip(started()[0]), { type: 'Go' });
    const [inC] = step(roundTrip(inB), { type: 'Leave' });
    const [, enteredA] = step(roundTrip(inC), { type: 'Restart' });
    const [, reentered] = step(roundTrip(started()[0]), { type: 'Again' });
    const delayedRaisesOfA = [
      { event: { type: 'xstate.after.1000.m.a' }, id: 'xstate.after.1000.m.a', delay: 1_000 },
      { event: { type: 'xstate.after.slow.m.a' }, id: 'xstate.after.slow.m.a', delay: 5_000 },
    ];

    pin("initialTransition no longer returns an entered state's `after` events as xstate.raise actions with params.delay and params.id", TIMERS_BREAK, () =>
      expect(ofType(initial, 'xstate.raise')).toEqual(delayedRaisesOfA),
    );
    pin("transition no longer returns an entered state's `after` events as xstate.raise actions with params.delay and params.id", TIMERS_BREAK, () =>
      expect(ofType(enteredA, 'xstate.raise')).toEqual(delayedRaisesOfA),
    );
    pin('transition no longer returns the `after` events of a re-entered state as xstate.raise actions, after cancelling them', TIMERS_BREAK, () =>
      expect(timerActions(reentered)).toEqual([
        ['xstate.cancel', 'xstate.after.1000.m.a'],
        ['xstate.cancel', 'xstate.after.slow.m.a'],
        ['xstate.raise', 'xstate.after.1000.m.a'],
        ['xstate.raise', 'xstate.after.slow.m.a'],
      ]),
    );
    pin('entering a state without `after` now yields delayed raises', TIMERS_BREAK, () => expect(ofType(enteredB, 'xstate.raise')).toEqual([]));
  });

  it('leaves a state with `after` by an xstate.cancel action naming the delayed event it raised', () => {
    const [, actions] = step(roundTrip(started()[0]), { type: 'Go' });

    pin(
      'leaving a state no longer yields xstate.cancel actions whose params.sendId is the id of the delayed raise',
      'MachineRunner drops a delayed event raised and cancelled in the same run by that id: a saga passing through a state with `after` would keep its timer',
      () => expect(ofType(actions, 'xstate.cancel')).toEqual([{ sendId: 'xstate.after.1000.m.a' }, { sendId: 'xstate.after.slow.m.a' }]),
    );
  });

  it('does not raise the `after` events of a state that stays active, restored or not', () => {
    const [, actions] = step(roundTrip(started()[0]), { type: 'Stay' });

    pin(
      'a transition that keeps a state active (or restoring it) raises its `after` events again',
      'MachineRunner would re-schedule the durable timer on every event, pushing its deadline back',
      () => expect(types(actions)).toEqual([]),
    );
  });

  it('takes the delayed transition when its event, typed as the timer key, is sent', () => {
    const [next] = step(roundTrip(started()[0]), { type: 'xstate.after.slow.m.a' });

    pin(
      'an `after` transition no longer fires on an event whose type is the id of its delayed raise',
      'SagaEngine.fireTimer sends { type: key } for a due timer: `after` transitions would never fire',
      () => expect(next.value).toEqual({ b: 'one' }),
    );
  });

  it('hands back emitted events as xstate.emit actions carrying the event, in the order they ran', () => {
    const [, initial] = started();
    const [, actions] = step(roundTrip(started()[0]), { type: 'Go' });

    pin(
      'emit() no longer comes back as xstate.emit actions with the resolved event in params.event, in execution order',
      'MachineRunner collects the commands a saga sends (sagaStep, sendCommand) from these actions: commands would be lost or reordered',
      () => {
        expect(ofType(initial, 'xstate.emit')).toEqual([{ event: { type: 'entered-a' } }]);
        expect(ofType(actions, 'xstate.emit')).toEqual([{ event: { type: 'went', n: 1 } }, { event: { type: 'entered-b' } }]);
      },
    );
  });

  it('restores a snapshot persisted through JSON as an active instance that goes on, history included', () => {
    const [inB] = step(started()[0], { type: 'Go' });
    const [inTwo] = step(roundTrip(inB), { type: 'Next' });
    const [inC] = step(roundTrip(inTwo), { type: 'Leave' });
    const restored = roundTrip(inC);

    pin(
      'getPersistedSnapshot/restoreSnapshot (without an actor scope, for a machine with no children) no longer round-trip through JSON',
      'MachineRunner stores what getPersistedSnapshot returns and restores it with restoreSnapshot: no saga could take its next step',
      () => {
        expect(restored.status).toBe('active');
        expect(restored.value).toBe('c');
        expect(restored.context).toEqual({ n: 1 });
        expect(step(restored, { type: 'Return' })[0].value).toEqual({ b: 'two' });
      },
    );
    pin(
      'restoreSnapshot accepts a state the machine does not have',
      'MachineRunner reports a snapshot a deployed version cannot restore as a SagaRestoreError; it would run the saga from a wrong state',
      () => {
        const renamed = { ...machine.getPersistedSnapshot(inC), value: 'gone' } as unknown as Snapshot<unknown>;
        expect(() => machine.restoreSnapshot(renamed, undefined as unknown as AnyActorScope)).toThrow();
      },
    );
  });

  it('answers `can` with guards evaluated, and getNextTransitions with every event of the active states, guards aside', () => {
    const inA = roundTrip(started()[0]);
    const inB = roundTrip(step(started()[0], { type: 'Go' })[0]);

    pin(
      '`can` answers differently for an event with, without, or only with a failing guard, a transition',
      'MachineRunner answers "not accepted" (nothing changed) for an event its state does not take, and StepDraft parks a saga ' +
        'whose state does not take its StepFailed: events would be taken, dropped or parked wrongly',
      () => {
        expect(inA.can({ type: 'Go' })).toBe(true);
        expect(inA.can({ type: 'Next' })).toBe(false);
        expect(inA.can({ type: 'Never' })).toBe(false);
      },
    );
    pin(
      'getNextTransitions no longer lists the event types of the active states and their ancestors, guarded ones and `*` included',
      "StepDraft gives up on a step whose replies the machine no longer waits for (awaitedBy): it would give up on steps still awaited, or keep dead ones",
      () => {
        expect(new Set(getNextTransitions(inA).map((t) => t.eventType))).toEqual(
          new Set(['Go', 'Stay', 'Again', 'Never', 'Explode', 'Custom', 'xstate.after.1000.m.a', 'xstate.after.slow.m.a']),
        );
        expect(getNextTransitions(inB).map((t) => t.eventType)).toEqual(expect.arrayContaining(['Next', 'Leave', '*']));
      },
    );
  });

  it('surfaces what throws as Baton expects: an expression from transition, a custom action when run, a context factory in the snapshot', () => {
    const inA = roundTrip(started()[0]);
    const [, custom] = step(inA, { type: 'Custom' });
    const throwing = setup({}).createMachine({ context: () => { throw new Error('no context'); } });

    pin(
      'an assign (or guard, or emitted event) expression that throws no longer throws from transition()',
      'MachineRunner turns that throw into SagaStepError "an action threw"; a failed step would be persisted as if it had run',
      () => expect(() => step(inA, { type: 'Explode' })).toThrow('assign exploded'),
    );
    pin(
      "transition() runs a custom action itself, or no longer returns it with its function in exec",
      'MachineRunner runs the saga\'s custom actions from the actions list to fail the step when one throws: a throwing action would go unnoticed',
      () => {
        expect(custom).toHaveLength(1);
        expect(custom[0].type.startsWith('xstate.')).toBe(false);
        expect(() => custom[0].exec!(custom[0].info, custom[0].params)).toThrow('custom action exploded');
      },
    );
    pin(
      'initialTransition throws for a context factory that throws, instead of answering a snapshot in error status',
      'MachineRunner reports "the machine could not start" from that status: the error would escape unexplained',
      () => {
        const [snapshot] = initialTransition(throwing, undefined);
        expect(snapshot.status).toBe('error');
        expect((snapshot.error as Error).message).toBe('no context');
      },
    );
  });

  it('builds the initial snapshot of the logic it is given, without input, on every transition, and uses what the logic answers', () => {
    const inputs: unknown[] = [];
    const counting = setup({ types: { context: {} as Context, input: {} as { n: number } } }).createMachine({
      context: ({ input }) => {
        inputs.push(input);
        return { n: input.n };
      },
      initial: 'a',
      states: { a: { on: { Go: 'b' } }, b: {} },
    });
    const [first] = initialTransition(counting, { n: 1 });
    inputs.length = 0;
    transition(counting, first, { type: 'Go' });

    pin(
      'transition() no longer computes a throwaway initial snapshot (context factory without input) of the logic it is given, or no longer swallows its error',
      'nothing, if it stopped: MachineRunner hands XState a logic that skips that snapshot (stepLogicOf), which may then go. ' +
        'If the error now escapes: every step of a saga whose context needs its input fails',
      () => expect(inputs).toStrictEqual([undefined]),
    );

    const delegating = stepLogicOf(counting);
    inputs.length = 0;
    const [viaLogic] = initialTransition(delegating, { input: { n: 2 } });
    const [next, actions] = transition(delegating, viaLogic, { type: 'Go' });

    pin(
      'initialTransition/transition no longer answer what the given actor logic computes, with the actions it ran',
      'MachineRunner runs every saga through such a logic (stepLogicOf): sagas would not start or move',
      () => {
        expect(inputs).toStrictEqual([{ n: 2 }]);
        expect(viaLogic.value).toBe('a');
        expect(viaLogic.context).toEqual({ n: 2 });
        expect(next.value).toBe('b');
        expect(actions).toEqual([]);
      },
    );
  });
});
