import { setup, type AnyStateMachine } from 'xstate';
import { z } from 'zod';
import { command, event } from '../contracts/message-contract';
import type { SagaEvent } from './saga-event';
import { SagaDefinitionError } from '../errors/saga-definition.error';
import { defineSaga, type SagaDefinitionOptions } from './saga-definition';
import { SagaRegistry } from './saga-registry';

// --- fixtures ------------------------------------------------------------------

const Ship = command('Ship', { participant: 'shipping', schema: z.object({ parcelId: z.string() }) });
const Shipped = event('Shipped', { schema: z.object({ trackingId: z.string() }) });
const Lost = event('Lost', { schema: z.object({}) });

const machine = setup({ types: { events: {} as SagaEvent } }).createMachine({
  initial: 'shipping',
  states: {
    shipping: { on: { Shipped: 'done', Lost: 'done' } },
    done: { type: 'final' },
  },
});

const valid: SagaDefinitionOptions<{ parcelId: string }> = {
  name: 'parcel-delivery',
  version: 1,
  input: z.object({ parcelId: z.string() }),
  commands: [Ship],
  events: [Shipped, Lost],
  machine,
};

function define(overrides: Partial<SagaDefinitionOptions<unknown>>) {
  return () => defineSaga({ ...valid, ...overrides } as SagaDefinitionOptions<unknown>);
}

function sagaAt(name: string, version: number) {
  return defineSaga({ ...valid, name, version });
}

// --- defineSaga ----------------------------------------------------------------

describe('A saga definition', () => {
  it('keeps its name, version and contracts, indexed by type', () => {
    const saga = defineSaga(valid);

    expect(saga).toMatchObject({ name: 'parcel-delivery', version: 1, machine });
    expect([...saga.commands.keys()]).toEqual(['Ship']);
    expect(saga.events.get('Shipped')).toBe(Shipped);
    expect(Object.isFrozen(saga)).toBe(true);
  });

  it.each(['a', 'order-fulfillment', 'refund2-v2'])('accepts the kebab-case name "%s"', (name) => {
    expect(define({ name })().name).toBe(name);
  });

  const notKebab = ['OrderFulfillment', 'order_fulfillment', 'order--fulfillment', '-order', 'order-', '2order', 'a b', ''];
  it.each(notKebab)('rejects the name "%s", which is not kebab-case', (name) => {
    expect(define({ name })).toThrow(SagaDefinitionError);
    expect(define({ name })).toThrow(`Saga "${name}" v1: the name must be kebab-case (e.g. "order-fulfillment").`);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects the version %s', (version) => {
    expect(define({ version })).toThrow(SagaDefinitionError);
    expect(define({ version })).toThrow(`Saga "parcel-delivery": version must be an integer >= 1, got ${version}.`);
  });

  it('rejects a command declared twice', () => {
    expect(define({ commands: [Ship, Ship] })).toThrow('Saga "parcel-delivery" v1: command "Ship" is declared twice.');
  });

  it('rejects an event declared twice, even under two contract versions', () => {
    const ShippedV2 = event('Shipped', { version: 2, schema: z.object({ trackingId: z.string() }) });

    expect(define({ events: [Shipped, Lost, ShippedV2] })).toThrow('event "Shipped" is declared twice.');
  });

  it('rejects a machine that reacts to an event with no contract, naming the event', () => {
    expect(define({ events: [Shipped] })).toThrow(
      'Saga "parcel-delivery" v1: the machine reacts to events with no contract: Lost. Declare them in "events".',
    );
  });

  it('finds an undeclared event in a nested state, such as a typo in an `on:` key', () => {
    const nested = setup({ types: { events: {} as SagaEvent } }).createMachine({
      initial: 'outer',
      states: {
        outer: {
          initial: 'inner',
          states: { inner: { on: { Shipped: 'done', Shiped: 'done' } }, done: {} },
        },
      },
    });

    expect(define({ machine: nested })).toThrow(/no contract: Shiped\./);
  });

  it('does not count delayed, eventless and done transitions as events, declaring only those the engine handles', () => {
    const internal: AnyStateMachine = setup({ types: { events: {} as SagaEvent } }).createMachine({
      initial: 'waiting',
      states: {
        waiting: { after: { 1_000: 'working' } },
        working: {
          initial: 'step',
          states: { step: { always: 'finished' }, finished: { type: 'final' } },
          onDone: 'done',
        },
        done: { type: 'final' },
      },
    });

    expect([...define({ machine: internal, events: [] })().events.keys()]).toEqual(['CommandFailed', 'RetryCompensation', 'ResolveCompensation']);
  });
});

// --- SagaRegistry --------------------------------------------------------------

describe('A saga registry', () => {
  const v1 = sagaAt('parcel-delivery', 1);
  const v2 = sagaAt('parcel-delivery', 2);
  const v10 = sagaAt('parcel-delivery', 10);
  const refund = sagaAt('refund', 1);

  it('starts new sagas on the newest version, whatever order the versions were registered in', () => {
    const registry = new SagaRegistry([v10, v1, refund, v2]);

    expect(registry.latest('parcel-delivery')).toBe(v10);
    expect(registry.latest('refund')).toBe(refund);
  });

  it('restores a running saga with exactly the version it started on', () => {
    const registry = new SagaRegistry([v1, v2]);

    expect(registry.get('parcel-delivery', 1)).toBe(v1);
    expect(registry.get('parcel-delivery', 2)).toBe(v2);
  });

  it('knows nothing of a name or version it was not given', () => {
    const registry = new SagaRegistry([v1]);

    expect(registry.latest('refund')).toBeUndefined();
    expect(registry.get('parcel-delivery', 2)).toBeUndefined();
    expect(registry.get('refund', 1)).toBeUndefined();
    expect(registry.versions('refund')).toEqual([]);
  });

  it('refuses the same name and version twice', () => {
    const registry = new SagaRegistry([v1]);

    expect(() => registry.register(sagaAt('parcel-delivery', 1))).toThrow(SagaDefinitionError);
    expect(() => registry.register(v1)).toThrow('Saga "parcel-delivery" v1: is registered twice.');
    expect(registry.get('parcel-delivery', 1)).toBe(v1);
  });

  it('lists its names and versions in order', () => {
    const registry = new SagaRegistry();
    [refund, v10, v2, v1].forEach((saga) => registry.register(saga));

    expect(registry.names()).toEqual(['parcel-delivery', 'refund']);
    expect(registry.versions('parcel-delivery')).toEqual([1, 2, 10]);
    expect(registry.all()).toHaveLength(4);
    expect(registry.all()).toEqual(expect.arrayContaining([v1, v2, v10, refund]));
  });
});
