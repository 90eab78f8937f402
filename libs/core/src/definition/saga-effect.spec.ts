import { assign, emit } from 'xstate';
import { z } from 'zod';
import { command, event } from '../contracts/message-contract';
import { compensation } from './compensation-state';
import { effectOf } from './saga-effect';
import { sagaStep, sendCommand } from './saga-step';

const Reserve = command('Reserve', { participant: 'stock', schema: z.object({ id: z.string() }) });
const Release = command('Release', { participant: 'stock', schema: z.object({ id: z.string() }) });
const Reserved = event('Reserved', { schema: z.object({}) });
const Released = event('Released', { schema: z.object({}) });

describe('An effect action', () => {
  it("of a step's send names the step and its command, without running it", () => {
    const step = sagaStep<{ id: string }, typeof Reserve, typeof Release>({
      name: 'reserve',
      command: Reserve,
      payload: ({ context }) => ({ id: context.id }),
      completedBy: [Reserved],
      compensation: { command: Release, payload: ({ context }) => ({ id: context.id }), confirmedBy: Released },
    });

    expect(effectOf(step.send)).toEqual({ effect: 'baton.command', command: 'Reserve', step: 'reserve' });
  });

  it('of sendCommand names its command and no step', () => {
    expect(effectOf(sendCommand(Release, () => ({ id: 'x' })))).toEqual({ effect: 'baton.command', command: 'Release' });
  });

  it("of compensation()'s state asks for the armed compensations", () => {
    expect(effectOf(compensation().states.undoing.entry)).toEqual({ effect: 'baton.compensate' });
  });

  it('is not found on any other action, nor on values that are no action', () => {
    expect(effectOf(emit({ type: 'baton.command' } as any))).toBeUndefined();
    expect(effectOf(assign({}))).toBeUndefined();
    expect(effectOf('notify')).toBeUndefined();
    expect(effectOf(undefined)).toBeUndefined();
    expect(effectOf({ batonEffect: { effect: 'something else' } })).toBeUndefined();
  });
});
