import { assign, emit, fromPromise, sendTo, setup, transition, type AnyStateMachine, type ExecutableActionObject } from 'xstate';
import type { SagaDefinition } from '../definition/saga-definition';
import { COMMAND_EFFECT } from '../definition/saga-effect';
import type { SagaEvent } from '../definition/saga-event';
import { SagaStepError } from '../errors/saga-step.error';
import { MachineRunner } from './machine-runner';

const SAGA_ID = '01890a5d-ac96-774b-bcce-b302099a8057';

/** The runner reads only the definition's name, version and machine. */
function runnerOf(machine: AnyStateMachine): MachineRunner {
  return new MachineRunner({ name: 'runner-spec', version: 1, machine } as SagaDefinition, SAGA_ID);
}

/** Through JSON, as the host stores it. */
const stored = (persisted: unknown) => JSON.parse(JSON.stringify(persisted));

/** What `sendCommand` records. */
const effect = (n: number) => emit(() => ({ type: COMMAND_EFFECT, command: 'Ship', payload: { n } })) as any;

describe('The machine runner', () => {
  it("computes a transition exactly as XState's transition(machine, snapshot, event) does", () => {
    const machine = setup({ types: { context: {} as { n: number }, input: {} as { n: number } } }).createMachine({
      id: 'm',
      context: ({ input }) => ({ n: input.n }),
      initial: 'a',
      states: {
        a: { after: { 1_000: 'b' }, on: { Go: { target: 'b', actions: [assign({ n: ({ context }) => context.n + 1 }), effect(1)] } } },
        b: { entry: effect(2), after: { 2_000: 'a' } },
      },
    });
    const runner = runnerOf(machine);
    const current = runner.restore(stored(runner.start({ n: 1 }).persisted));

    const run = runner.send(current, { type: 'Go' })!;
    const [next, actions] = transition(machine, current, { type: 'Go' });
    const emitted = (actions as ExecutableActionObject[]).filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: unknown }).event);

    expect(run.persisted).toEqual(machine.getPersistedSnapshot(next));
    expect(run.effects).toEqual(emitted);
    expect(emitted).toHaveLength(2);
    expect(run.scheduled).toEqual([{ key: 'xstate.after.2000.m.b', delayMs: 2_000 }]);
  });

  it('runs the context factory once, when the saga starts, and never for a later event', () => {
    const factory = jest.fn(({ input }: { input: { n: number } }) => ({ n: input.n }));
    const machine = setup({ types: { events: {} as SagaEvent } }).createMachine({
      context: factory,
      initial: 'a',
      states: { a: { on: { Go: 'b' } }, b: {} },
    });
    const runner = runnerOf(machine);

    const started = runner.start({ n: 1 });
    runner.send(runner.restore(stored(started.persisted)), { type: 'Go' });

    expect(factory).toHaveBeenCalledTimes(1);
    expect(factory.mock.calls[0][0].input).toEqual({ n: 1 });
  });

  it('restores a history state from its stored snapshot and goes back to the child it remembers', () => {
    const machine = setup({ types: { events: {} as SagaEvent } }).createMachine({
      initial: 'working',
      states: {
        working: {
          initial: 'first',
          states: { first: { on: { Next: 'second' } }, second: {}, resume: { type: 'history' } },
          on: { Pause: 'paused' },
        },
        paused: { on: { Resume: 'working.resume' } },
      },
    });
    const runner = runnerOf(machine);
    let current = runner.restore(stored(runner.start({ n: 1 }).persisted));
    for (const type of ['Next', 'Pause']) current = runner.restore(stored(runner.send(current, { type })!.persisted));

    expect(runner.send(current, { type: 'Resume' })!.after.value).toEqual({ working: 'second' });
  });

  it.each([
    ['invokes an actor', { invoke: { src: fromPromise(async () => 42) } }, 'it starts a child actor (invoke or spawn)'],
    ['sends an event to an actor', { entry: sendTo(({ self }) => self, { type: 'Go' }) }, 'it sends Go to an actor'],
  ])("fails the step with a SagaStepError when the machine %s: it has no actors to run", (_what, state, problem) => {
    const runner = runnerOf(setup({ types: { events: {} as SagaEvent } }).createMachine({ initial: 'a', states: { a: state as object } }));

    const error = (() => {
      try {
        runner.start({ n: 1 });
      } catch (thrown) {
        return thrown as Error;
      }
      throw new Error('expected start to throw');
    })();

    expect(error).toBeInstanceOf(SagaStepError);
    expect(error.message).toContain(`handling start: ${problem}; a saga's machine only records effects (sagaStep, sendCommand).`);
  });
});
