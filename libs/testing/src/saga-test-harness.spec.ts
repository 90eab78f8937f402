import { command, defineSaga, event, sagaStep, type SagaEvent } from '@baton/core';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { SagaTestHarness } from './saga-test-harness';

const Reserve = command('Reserve', { participant: 'stock', schema: z.object({ item: z.string() }) });
const Reserved = event('Reserved', { schema: z.object({}) });
const Refused = event('Refused', { schema: z.object({}) });

const reserve = sagaStep<{ item: string }, typeof Reserve>({
  name: 'reserve',
  command: Reserve,
  payload: ({ context }) => ({ item: context.item }),
  completedBy: [Reserved],
  refusedBy: [Refused],
  retry: { maxAttempts: 2, initialDelayMs: 100, replyTimeoutMs: 1_000 },
  noCompensation: 'a test step',
});

/** Reserves; a reply stamps the context with a Date, which JSON turns into a string. */
const saga = defineSaga({
  name: 'harness',
  version: 1,
  input: z.object({ item: z.string() }),
  commands: [Reserve],
  events: [Reserved, Refused],
  steps: [reserve],
  machine: setup({ types: { context: {} as { item: string; at?: unknown }, input: {} as { item: string }, events: {} as SagaEvent } }).createMachine({
    id: 'harness',
    context: ({ input }) => ({ item: input.item }),
    initial: 'reserving',
    states: {
      reserving: { entry: reserve.send, on: { Reserved: { target: 'done', actions: assign({ at: () => new Date(0) }) }, Refused: 'done' } },
      done: { type: 'final' },
    },
  }),
});

describe('SagaTestHarness', () => {
  it('forks a run that goes on on its own: clock, timers and history copied, nothing shared after', () => {
    const harness = SagaTestHarness.start(saga, { item: 'lamp' });
    harness.advance(1_000);
    const fork = harness.fork();
    expect([fork.now, [...fork.pendingTimers], fork.sent, fork.states]).toEqual([harness.now, [...harness.pendingTimers], harness.sent, harness.states]);

    fork.advance(100);
    expect(fork.sent.map((c) => c.attempt)).toEqual([1, 2]);
    expect(harness.sent.map((c) => c.attempt)).toEqual([1]);
    expect(harness.pendingTimers.has('baton.retry.reserve')).toBe(true);

    harness.receive('Refused', {});
    expect([harness.status, fork.status]).toEqual(['completed', 'running']);
  });

  it('records each step whose snapshot would not come back the same from JSON', () => {
    const refused = SagaTestHarness.start(saga, { item: 'lamp' });
    refused.receive('Refused', {});
    expect(refused.lostInJson).toEqual([]);

    const reserved = SagaTestHarness.start(saga, { item: 'lamp' });
    reserved.receive('Reserved', {});
    expect(reserved.lostInJson).toEqual(['step 2: the snapshot at /context/at: a Date comes back as a string']);
  });
});
