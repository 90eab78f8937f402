import { setup } from 'xstate';
import { z } from 'zod';
import { command, event } from '../contracts/message-contract';
import { defineSaga } from '../definition/saga-definition';
import { SagaRegistry } from '../definition/saga-registry';
import type { SagaEvent } from '../definition/saga-event';
import { sendCommand } from '../definition/saga-step';
import { SagaEngine } from '../engine/saga-engine';
import { SagaNotFoundError } from '../errors/saga-not-found.error';
import { SagaVersionUnavailableError } from '../errors/saga-version-unavailable.error';
import { SignalRejectedError } from '../errors/signal-rejected.error';
import { UnknownSignalError } from '../errors/unknown-signal.error';
import type { MessageEnvelope } from '../transport/message-envelope';
import { defaultTopicNames } from '../transport/transport';
import { decideMessage, decideRetry, decideSignal, decideStart, decideTimer, type DeciderTools } from './deciders';
import type { SagaRecord } from './step-decision';

// The deciders are pure: these tests need no database, no broker, no clock.

const Ship = command('Ship', { participant: 'shipping', schema: z.object({ parcelId: z.string() }) });
const Shipped = event('Shipped', { schema: z.object({}) });
const Cancel = event('Cancel', { schema: z.object({}), signal: true });
const Input = z.object({ parcelId: z.string(), express: z.boolean().default(false) });

const machine = setup({ types: { context: {} as { parcelId: string }, input: {} as z.infer<typeof Input>, events: {} as SagaEvent } }).createMachine({
  id: 'parcel',
  context: ({ input }) => ({ parcelId: input.parcelId }),
  initial: 'shipping',
  states: {
    shipping: {
      entry: sendCommand<{ parcelId: string }, typeof Ship>(Ship, ({ context }) => ({ parcelId: context.parcelId })),
      after: { 5000: 'late' },
      on: { Shipped: 'done', Cancel: 'cancelled' },
    },
    late: { on: { Shipped: 'done' } },
    done: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
const parcel = defineSaga({ name: 'parcel', version: 1, input: Input, commands: [Ship], events: [Shipped, Cancel], machine });

const tools: DeciderTools = { engine: new SagaEngine(), registry: new SagaRegistry([parcel]), topics: defaultTopicNames({ prefix: 't.' }) };
const moment = { now: new Date('2026-11-30T12:00:00.000Z'), trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };
const SAGA_ID = '01890a5d-ac96-774b-bcce-b302099a8057';

/** The saga row a started saga's decision leaves, as a store would read it back. */
function started(): SagaRecord {
  const decision = decideStart(tools, { definition: parcel, sagaId: SAGA_ID, input: { parcelId: 'p-1' }, correlationId: 'c-1', actor: 'api', ...moment });
  return { ...JSON.parse(JSON.stringify(decision.saga)), createdAt: moment.now };
}

function reply(type: string, messageId = `m-${type}`): MessageEnvelope {
  return { messageId, type, version: 1, sagaId: SAGA_ID, sagaName: 'parcel', correlationId: 'c-1', sentAt: moment.now.toISOString(), payload: {} };
}

/** Freezes `value` and everything in it: a decider that changes its arguments throws in strict mode. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Paths of any function in `value`: a decision must be data. */
function functionsIn(value: unknown, path = '$'): string[] {
  if (typeof value === 'function') return [path];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => functionsIn(inner, `${path}.${key}`));
  return [];
}

describe('decideStart', () => {
  const decision = decideStart(tools, { definition: parcel, sagaId: SAGA_ID, input: { parcelId: 'p-1' }, correlationId: 'c-1', actor: 'api', ...moment });

  it('returns the new row, its first history row, its commands and timers as plain data', () => {
    expect(functionsIn(decision)).toEqual([]);
    expect(decision).toMatchObject({
      result: 'applied',
      row: { write: 'insert', expectedVersion: 0, ended: false },
      saga: { id: SAGA_ID, name: 'parcel', definitionVersion: 1, correlationId: 'c-1', version: 1, status: 'running', stateValue: 'shipping' },
      history: { kind: 'start', eventType: 'start', sagaVersion: 1, fromState: undefined, toState: 'shipping', actor: 'api' },
      timers: { cancel: [], schedule: [{ key: expect.stringMatching(/^xstate\.after\.5000\./), delayMs: 5000 }], trace: moment.trace },
      observation: { kind: 'start', outcome: 'applied', status: 'running', previousStatus: undefined, createdAt: moment.now, commands: ['Ship'] },
    });
  });

  it('addresses each command to its participant, caused by the saga, stamped with the moment and trace it was given', () => {
    expect(decision.commands).toEqual([
      {
        topic: 't.shipping.commands',
        participant: 'shipping',
        attempt: undefined,
        envelope: expect.objectContaining({
          type: 'Ship',
          sagaId: SAGA_ID,
          sagaName: 'parcel',
          correlationId: 'c-1',
          causationId: SAGA_ID,
          replyTo: 't.saga.replies',
          sentAt: '2026-11-30T12:00:00.000Z',
          traceparent: moment.trace.traceparent,
          payload: { parcelId: 'p-1' },
        }),
      },
    ]);
  });

  it('reports the input as the definition read it, defaults applied, for the idempotency check', () => {
    expect(decision.input).toEqual({ parcelId: 'p-1', express: false });
  });
});

describe('decideMessage', () => {
  it('applies a reply the saga waits for: the next row, checked against the version read, and an inbox record', () => {
    const saga = deepFreeze(started());
    const decision = decideMessage(tools, { saga, envelope: reply('Shipped'), actor: 'participant', seen: false, ...moment });

    expect(decision).toMatchObject({
      result: 'applied',
      row: { write: 'update', expectedVersion: 1, ended: true },
      saga: { version: 2, status: 'completed', stateValue: 'done' },
      inbox: { messageId: 'm-Shipped', sagaId: SAGA_ID, messageType: 'Shipped' },
      history: { kind: 'message', fromState: 'shipping', toState: 'done', status: 'completed' },
      observation: { previousStatus: 'running', status: 'completed', outcome: 'applied' },
    });
    expect(saga.version).toBe(1);
  });

  it('answers a message the inbox has seen as a duplicate that writes nothing', () => {
    const decision = decideMessage(tools, { saga: started(), envelope: reply('Shipped'), actor: 'participant', seen: true, ...moment });

    expect(decision).toEqual({
      result: 'duplicate',
      commands: [],
      timers: { cancel: [], schedule: [], trace: moment.trace },
      observation: { sagaId: SAGA_ID, sagaName: 'parcel', kind: 'message', eventType: 'Shipped', commands: [], outcome: 'duplicate' },
    });
  });

  it('records a message the saga has ended for as ignored, with why, and changes nothing else', () => {
    const done = decideMessage(tools, { saga: started(), envelope: reply('Shipped'), actor: 'participant', seen: false, ...moment }).saga!;
    const decision = decideMessage(tools, { saga: deepFreeze(done), envelope: reply('Shipped', 'm-again'), actor: 'participant', seen: false, ...moment });

    expect(decision.result).toBe('ignored');
    expect(decision.row).toBeUndefined();
    expect(decision.saga).toBe(done);
    expect(decision.history).toMatchObject({ kind: 'ignored', note: 'the saga already ended completed', sagaVersion: 2 });
    expect(decision.inbox).toEqual({ messageId: 'm-again', sagaId: SAGA_ID, messageType: 'Shipped' });
  });

  it('throws SagaNotFoundError, deciding nothing, for a saga that does not exist', () => {
    expect(() => decideMessage(tools, { saga: undefined, envelope: reply('Shipped'), actor: 'participant', seen: false, ...moment })).toThrow(SagaNotFoundError);
  });

  it('throws SagaVersionUnavailableError for an instance of a definition version this host does not have', () => {
    const saga = { ...started(), definitionVersion: 7 };
    expect(() => decideMessage(tools, { saga, envelope: reply('Shipped'), actor: 'participant', seen: false, ...moment })).toThrow(
      SagaVersionUnavailableError,
    );
  });
});

describe('decideTimer', () => {
  it("fires the machine's `after`: the timer goes and the saga moves", () => {
    const saga = deepFreeze(started());
    const key = decideStart(tools, { definition: parcel, sagaId: SAGA_ID, input: { parcelId: 'p-1' }, correlationId: 'c-1', actor: 'api', ...moment }).timers.schedule[0].key;
    const decision = decideTimer(tools, { saga, timerId: '41', key, ...moment });

    expect(decision).toMatchObject({ result: 'applied', saga: { stateValue: 'late' }, history: { kind: 'timer', eventType: key, actor: 'timer' } });
    expect(decision.timers.cancel[0]).toBe(key);
  });

  it('only takes the timer out when the saga has ended', () => {
    const done = decideMessage(tools, { saga: started(), envelope: reply('Shipped'), actor: 'participant', seen: false, ...moment }).saga!;
    const decision = decideTimer(tools, { saga: done, timerId: '41', key: 'xstate.after.5000.parcel.shipping', ...moment });

    expect(decision).toEqual({ result: 'ignored', saga: done, commands: [], timers: { cancel: ['xstate.after.5000.parcel.shipping'], schedule: [], trace: moment.trace } });
  });
});

describe("An operator's decisions", () => {
  it('apply a signal the state accepts, recorded in the inbox under the id they were given', () => {
    const decision = decideSignal(tools, { saga: deepFreeze(started()), type: 'Cancel', payload: {}, actor: 'ops:ana', messageId: 'op-1', ...moment });

    expect(decision).toMatchObject({
      result: 'applied',
      saga: { status: 'completed', stateValue: 'cancelled' },
      inbox: { messageId: 'op-1', messageType: 'Cancel' },
      history: { kind: 'signal', actor: 'ops:ana', messageId: 'op-1' },
    });
  });

  it('refuse a type that is not a signal of the saga, naming the signals it has', () => {
    expect(() => decideSignal(tools, { saga: started(), type: 'Shipped', payload: {}, actor: 'ops', messageId: 'op-2', ...moment })).toThrow(UnknownSignalError);
  });

  it('refuse a signal on a saga that ended, and a retry with nothing in flight', () => {
    const done = decideMessage(tools, { saga: started(), envelope: reply('Shipped'), actor: 'participant', seen: false, ...moment }).saga!;

    expect(() => decideSignal(tools, { saga: done, type: 'Cancel', payload: {}, actor: 'ops', messageId: 'op-3', ...moment })).toThrow(SignalRejectedError);
    expect(() => decideRetry(tools, { saga: done, actor: 'ops', messageId: 'op-4', ...moment })).toThrow(SignalRejectedError);
  });
});
