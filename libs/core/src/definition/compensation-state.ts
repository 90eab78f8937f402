import { assign, emit } from 'xstate';
import type { ArmedCompensation, CompensableContext } from './saga-context';
import { SagaTags } from './saga-context';
import { COMMAND_EFFECT, type CommandEffect } from './saga-effect';
import type { SagaStep } from './saga-step';

const top = (context: CompensableContext): ArmedCompensation | undefined =>
  context.compensations[context.compensations.length - 1];

/**
 * The state that undoes every armed compensation, last armed first, one at a
 * time: it sends the newest compensation, waits for its confirmation, pops it
 * and sends the next, and reaches its final child `undone` when none is left.
 * Put it under the saga's compensating state and go on with `onDone`:
 *
 * ```ts
 * compensating: { ...compensation([reserveStock, authorizePayment]), onDone: 'compensated' }
 * ```
 *
 * Only steps that registered their compensation are undone: a step that never
 * completed has nothing on the stack.
 */
export function compensation<TContext extends CompensableContext>(steps: ReadonlyArray<SagaStep<TContext>>) {
  const confirmations = new Set<string>();
  for (const step of steps) {
    if (step.compensation) confirmations.add(step.compensation.confirmedBy.type);
  }
  const confirmsTop = ({ context, event }: { context: CompensableContext; event: { type: string } }) =>
    top(context)?.confirmedBy === event.type;
  const on = Object.fromEntries(
    [...confirmations].map((type) => [
      type,
      {
        guard: confirmsTop,
        actions: assign(({ context }: { context: CompensableContext }) => ({
          compensations: context.compensations.slice(0, -1),
        })),
        target: 'undoing',
        reenter: true,
      },
    ]),
  );
  return {
    tags: [SagaTags.compensating],
    initial: 'undoing',
    states: {
      undoing: {
        entry: emit(({ context }: { context: CompensableContext }): CommandEffect | { type: 'baton.none' } => {
          const next = top(context);
          return next ? { type: COMMAND_EFFECT, command: next.command, payload: next.payload } : { type: 'baton.none' };
        }),
        always: { guard: ({ context }: { context: CompensableContext }) => context.compensations.length === 0, target: 'undone' },
        on,
      },
      undone: { type: 'final' as const },
    },
  } as any;
}
