import { assign, raise, setup, type AnyStateMachine } from 'xstate';
import { z } from 'zod';
import { command, event } from '../contracts/message-contract';
import { SagaTags } from '../definition/saga-context';
import { defineSaga, type SagaDefinition } from '../definition/saga-definition';
import type { SagaEvent } from '../definition/saga-event';
import { sendCommand } from '../definition/saga-step';
import { InvalidMessageError } from '../errors/invalid-message.error';
import { SagaRestoreError } from '../errors/saga-restore.error';
import { SagaStepError } from '../errors/saga-step.error';
import { UnknownMessageTypeError } from '../errors/unknown-message-type.error';
import { SagaEngine } from './saga-engine';
import type { StepOutcome } from './step-outcome';

// --- fixtures: small machines, built inline ------------------------------------

const SAGA_ID = '01890a5d-ac96-774b-bcce-b302099a8057';

const Ship = command('Ship', { participant: 'shipping', schema: z.object({ parcelId: z.string() }) });
const Unship = command('Unship', { participant: 'shipping', schema: z.object({ parcelId: z.string() }) });
const Undeclared = command('Undeclared', { participant: 'nobody', schema: z.object({}) });

const Go = event('Go', { schema: z.object({}) });
const Again = event('Again', { schema: z.object({}) });
const Stay = event('Stay', { schema: z.object({}) });
const Fail = event('Fail', { schema: z.object({}) });
const Undo = event('Undo', { schema: z.object({}) });
const Undone = event('Undone', { schema: z.object({}) });
/** Version 2 paid in cents; version 1 senders still send `{ amount }` in euros. */
const Paid = event('Paid', {
  version: 2,
  schema: z.object({ amountCents: z.number().int(), note: z.string().optional() }),
  upcast: (payload, fromVersion) =>
    fromVersion === 1 ? { amountCents: Math.round((payload as { amount: number }).amount * 100) } : payload,
});

interface TestContext {
  parcelId: string;
  paid?: unknown;
}

const Input = z.object({ parcelId: z.string().default('parcel-1') });

/** `setup` with the types every machine here shares. */
const machineSetup = (delays: Record<string, number | ((args: { context: TestContext }) => number)> = {}) =>
  setup({
    types: {
      context: {} as TestContext,
      input: {} as z.infer<typeof Input>,
      events: {} as SagaEvent,
    },
    delays,
  });

function sagaOf(machine: AnyStateMachine): SagaDefinition {
  return defineSaga({
    name: 'engine-spec',
    version: 3,
    input: Input,
    commands: [Ship, Unship],
    events: [Go, Again, Stay, Fail, Undo, Undone, Paid],
    machine,
  });
}

const engine = new SagaEngine();

/** Starts `machine`, then feeds it `types` one after the other through JSON, as the host would. */
function run(machine: AnyStateMachine, ...types: string[]): StepOutcome {
  const saga = sagaOf(machine);
  let outcome = engine.start(saga, SAGA_ID, {});
  for (const type of types) outcome = receive(saga, outcome, type);
  return outcome;
}

function receive(saga: SagaDefinition, from: StepOutcome, type: string, payload: unknown = {}, version?: number) {
  const snapshot = JSON.parse(JSON.stringify(from.snapshot));
  const sentAt = version ?? saga.events.get(type)?.version ?? 1;
  return engine.receive(saga, SAGA_ID, { snapshot, runtime: from.runtime }, { type, version: sentAt, payload });
}

/** Runs `attempt` and returns what it threw. */
function thrownBy(attempt: () => unknown): Error {
  try {
    attempt();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the attempt to throw');
}

const context = ({ input }: { input: z.infer<typeof Input> }): TestContext => ({ parcelId: input.parcelId });

/** A machine with id "m" over the shared types, starting in its first state. */
function machineOf(states: Record<string, any>, delays?: Parameters<typeof machineSetup>[0]) {
  return machineSetup(delays).createMachine({ id: 'm', context, initial: Object.keys(states)[0], states });
}

const shipOnEntry = sendCommand<TestContext, typeof Ship>(Ship, ({ context }) => ({ parcelId: context.parcelId }));

// --- effects -------------------------------------------------------------------

describe('A saga step that sends commands', () => {
  const machine = machineOf({
    shipping: { entry: shipOnEntry, on: { Undo: 'undoing' } },
    undoing: { entry: [shipOnEntry, sendCommand(Unship, () => ({ parcelId: 'parcel-1' }))] },
  });

  it('collects the commands recorded on start, resolved against their contracts', () => {
    expect(run(machine).commands).toEqual([
      { messageId: expect.any(String), type: 'Ship', version: 1, participant: 'shipping', payload: { parcelId: 'parcel-1' } },
    ]);
  });

  it('collects only the commands of the transition it ran, in the order they were recorded', () => {
    expect(run(machine, 'Undo').commands.map((c) => c.type)).toEqual(['Ship', 'Unship']);
  });

  it('fails the step with a SagaStepError when the command is not declared in the contracts', () => {
    const undeclared = machineOf({ a: { entry: sendCommand(Undeclared, () => ({})) } });

    const error = thrownBy(() => run(undeclared));
    expect(error).toBeInstanceOf(SagaStepError);
    expect(error.message).toMatch(/handling start: it sends command "Undeclared", which the saga does not declare/);
  });

  it('fails the step with a SagaStepError naming the field when a payload breaks its schema', () => {
    const invalid = machineOf({ a: { on: { Go: { actions: sendCommand(Ship, () => ({ parcelId: 42 }) as any) } } } });

    const error = thrownBy(() => run(invalid, 'Go'));
    expect(error).toBeInstanceOf(SagaStepError);
    expect(error.message).toMatch(/handling Go: command Ship has an invalid payload: parcelId: /);
  });
});

describe('A saga step whose action throws', () => {
  const boom = () => {
    throw new Error('the payload function divided by zero');
  };
  const machine = machineOf({
    a: { on: { Go: { target: 'b', actions: boom }, Fail: 'c' } },
    b: {},
    c: { entry: boom },
  });

  afterEach(() => jest.useRealTimers());

  it.each([
    ['a transition action', machine, 'Go'],
    ['an entry action', machine, 'Fail'],
    ['an initial entry action, on start', machineOf({ a: { entry: boom } }), undefined],
  ])('fails with a SagaStepError that carries the cause (%s)', (_where, throwing, type) => {
    const error = thrownBy(() => (type ? run(throwing, type) : run(throwing)));

    expect(error).toBeInstanceOf(SagaStepError);
    expect(error.message).toBe(
      `Saga "engine-spec" v3 instance ${SAGA_ID}, handling ${type ?? 'start'}: ` +
        'an action threw: the payload function divided by zero',
    );
    expect((error.cause as Error).message).toBe('the payload function divided by zero');
  });

  it('lets no unhandled error escape to be rethrown later', () => {
    // XState rethrows an error nobody observed from a setTimeout; the engine must observe it.
    jest.useFakeTimers();
    thrownBy(() => run(machine, 'Go'));

    expect(jest.getTimerCount()).toBe(0);
    expect(() => jest.runAllTimers()).not.toThrow();
  });
});

describe('An event the current state does not accept', () => {
  it('is not accepted and changes nothing', () => {
    const saga = sagaOf(machineOf({ a: { after: { 1000: 'b' }, on: { Go: 'b' } }, b: { entry: shipOnEntry } }));
    const started = engine.start(saga, SAGA_ID, {});

    const outcome = receive(saga, started, 'Stay');

    expect(outcome.accepted).toBe(false);
    expect(outcome.stateValue).toBe('a');
    expect(outcome.snapshot).toEqual(started.snapshot);
    expect(outcome.commands).toEqual([]);
    expect(outcome.timers).toEqual({ schedule: [], cancel: [] });
  });
});

describe('A message that breaks the contracts', () => {
  const saga = sagaOf(machineOf({ a: { on: { Paid: 'b' } }, b: {} }));
  const started = engine.start(saga, SAGA_ID, {});

  it('of an undeclared type is rejected with an UnknownMessageTypeError listing the declared ones', () => {
    const error = thrownBy(() => receive(saga, started, 'Gone'));

    expect(error).toBeInstanceOf(UnknownMessageTypeError);
    expect(error.message).toContain('declares no message type "Gone"; it accepts: Go, Again');
  });

  it('with an invalid payload is rejected with an InvalidMessageError naming the field', () => {
    const error = thrownBy(() => receive(saga, started, 'Paid', { amountCents: 'ten' }));

    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as InvalidMessageError).issues.map((i) => i.path)).toEqual(['amountCents']);
    expect(error.message).toContain(`instance ${SAGA_ID}: Paid payload is invalid: amountCents:`);
  });

  it('as the start input is rejected with an InvalidMessageError', () => {
    const error = thrownBy(() => engine.start(saga, SAGA_ID, { parcelId: 7 }));

    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as InvalidMessageError).issues.map((i) => i.path)).toEqual(['parcelId']);
  });
});

// --- timers --------------------------------------------------------------------

describe('A state with `after` transitions', () => {
  const delays = {
    slow: 5_000,
    fromContext: ({ context }: { context: TestContext }) => context.parcelId.length * 1_000,
  };
  const machine = machineOf(
    {
      waiting: {
        after: { 1_000: { target: 'late' }, slow: { target: 'late' } },
        on: { Go: 'done', Again: { target: 'waiting', reenter: true }, Stay: { actions: assign({ paid: 'not yet' }) } },
      },
      nested: {
        after: { fromContext: 'late' },
        initial: 'inner',
        states: { inner: { on: { Go: 'other' } }, other: {} },
      },
      late: { on: { Again: 'nested' } },
      done: {},
    },
    delays,
  );
  const numeric = 'xstate.after.1000.m.waiting';
  const named = 'xstate.after.slow.m.waiting';
  const saga = sagaOf(machine);
  /** The saga after its 1000 ms timer fired: in `late`, where `Again` enters `nested`. */
  const late = () => engine.fireTimer(saga, SAGA_ID, { snapshot: engine.start(saga, SAGA_ID, {}).snapshot, runtime: engine.start(saga, SAGA_ID, {}).runtime }, numeric);

  const bothScheduled = {
    schedule: [
      { key: numeric, delayMs: 1_000 },
      { key: named, delayMs: 5_000 },
    ],
    cancel: [],
  };

  it('schedules a durable timer per delay on entry, for numeric and named delays', () => {
    expect(run(machine).timers).toEqual(bothScheduled);
  });

  it('computes a delay from the context when it is a function', () => {
    expect(receive(saga, late(), 'Again').timers).toEqual({
      schedule: [{ key: 'xstate.after.fromContext.m.nested', delayMs: 'parcel-1'.length * 1_000 }],
      cancel: [],
    });
  });

  it('cancels its timers when another event leaves the state', () => {
    const outcome = run(machine, 'Go');

    expect(outcome.stateValue).toBe('done');
    expect(outcome.timers).toEqual({ schedule: [], cancel: [numeric, named] });
  });

  it('re-schedules its timers when the state is re-entered', () => {
    expect(run(machine, 'Again').timers).toEqual(bothScheduled);
  });

  it('leaves its timers alone when an event keeps the state active', () => {
    const outcome = run(machine, 'Stay');

    expect(outcome.accepted).toBe(true);
    expect(outcome.timers).toEqual({ schedule: [], cancel: [] });
  });

  it('keeps a parent state timer armed while its children change', () => {
    const outcome = receive(saga, receive(saga, late(), 'Again'), 'Go');

    expect(outcome.stateValue).toEqual({ nested: 'other' });
    expect(outcome.timers).toEqual({ schedule: [], cancel: [] });
  });

  it('takes the delayed transition when its timer fires, cancelling the sibling timer', () => {
    const outcome = engine.fireTimer(saga, SAGA_ID, { snapshot: engine.start(saga, SAGA_ID, {}).snapshot, runtime: engine.start(saga, SAGA_ID, {}).runtime }, named);

    expect(outcome.accepted).toBe(true);
    expect(outcome.stateValue).toBe('late');
    expect(outcome.timers.cancel).toEqual([numeric, named]);
  });

  it('does not accept a timer whose state was already left', () => {
    const done = receive(saga, engine.start(saga, SAGA_ID, {}), 'Go');

    const outcome = engine.fireTimer(saga, SAGA_ID, { snapshot: done.snapshot, runtime: done.runtime }, numeric);
    expect(outcome.accepted).toBe(false);
    expect(outcome.stateValue).toBe('done');
  });
});

describe('A delayed event raised by an action', () => {
  it('is rejected with a SagaStepError saying only `after` becomes a durable timer', () => {
    const machine = machineOf({ a: { entry: raise({ type: 'Go' }, { delay: 1_000 }), on: { Go: 'b' } }, b: {} });

    const error = thrownBy(() => run(machine));
    expect(error).toBeInstanceOf(SagaStepError);
    expect(error.message).toContain('it schedules a delayed "Go"; only `after` transitions become durable timers.');
  });
});

// --- restore -------------------------------------------------------------------

describe('A snapshot naming a state the machine does not have', () => {
  it.each([
    ['a machine without timers', machineOf({ a: { on: { Go: 'b' } }, b: {} })],
    ['a machine with timers', machineOf({ a: { after: { 10: 'b' }, on: { Go: 'b' } }, b: {} })],
  ])('cannot be restored: a SagaRestoreError names the saga, its version and the instance (%s)', (_kind, machine) => {
    const saga = sagaOf(machine);
    const snapshot = { ...(engine.start(saga, SAGA_ID, {}).snapshot as object), value: 'renamedInV4' };

    const error = thrownBy(() => engine.receive(saga, SAGA_ID, { snapshot }, { type: 'Go', version: 1, payload: {} }));

    expect(error).toBeInstanceOf(SagaRestoreError);
    expect(error.message).toMatch(new RegExp(`^Saga "engine-spec" v3 instance ${SAGA_ID} cannot be restored`));
    expect(error).toMatchObject({ sagaName: 'engine-spec', sagaVersion: 3, sagaId: SAGA_ID });
  });
});

// --- status --------------------------------------------------------------------

describe('The status of a saga', () => {
  const machine = machineSetup().createMachine({
    initial: 'working',
    output: ({ context }) => ({ parcelId: context.parcelId }),
    context,
    states: {
      working: { on: { Go: 'completed', Fail: 'failed', Undo: 'compensating' } },
      compensating: {
        tags: [SagaTags.compensating],
        initial: 'undoing',
        states: { undoing: { on: { Undone: '#done' } } },
      },
      completed: { type: 'final' },
      failed: { type: 'final', tags: [SagaTags.failed] },
      compensated: { id: 'done', type: 'final', tags: [SagaTags.compensated] },
    },
  });

  it.each([
    ['running in an untagged state', [], 'running'],
    ['compensating under a state tagged compensating', ['Undo'], 'compensating'],
    ['compensated in a final state tagged compensated', ['Undo', 'Undone'], 'compensated'],
    ['failed in a final state tagged failed', ['Fail'], 'failed'],
    ['completed in an untagged final state', ['Go'], 'completed'],
  ])('is %s', (_where, types, status) => {
    expect(run(machine, ...types).status).toBe(status);
  });

  it('carries the machine output once it is done', () => {
    expect(run(machine, 'Go').output).toEqual({ parcelId: 'parcel-1' });
  });
});

// --- versions ------------------------------------------------------------------

describe('An event whose contract has moved on', () => {
  const keepPayment = assign({ paid: ({ event }: { event: SagaEvent }) => event.payload });
  const machine = machineOf({ awaiting: { on: { Paid: { target: 'paid', actions: keepPayment } } }, paid: {} });
  const saga = sagaOf(machine);
  const started = engine.start(saga, SAGA_ID, {});

  it('accepts a payload of an older version, upcast to the current one', () => {
    const outcome = receive(saga, started, 'Paid', { amount: 12.5 }, 1);

    expect(outcome.accepted).toBe(true);
    expect((outcome.context as TestContext).paid).toEqual({ amountCents: 1250 });
  });

  it('does not upcast a payload that claims the current version', () => {
    expect(thrownBy(() => receive(saga, started, 'Paid', { amount: 12.5 }, 2))).toBeInstanceOf(InvalidMessageError);
  });

  it('accepts a newer payload with an extra field, which it strips', () => {
    const outcome = receive(saga, started, 'Paid', { amountCents: 99, note: 'thanks', tipCents: 5 }, 3);

    expect(outcome.accepted).toBe(true);
    expect((outcome.context as TestContext).paid).toEqual({ amountCents: 99, note: 'thanks' });
  });
});
