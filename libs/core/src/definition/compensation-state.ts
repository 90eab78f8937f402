import { assign, emit } from 'xstate';
import type { ArmedCompensation, CompensableContext } from './saga-context';
import { SagaTags } from './saga-context';
import { COMMAND_EFFECT, type CommandEffect } from './saga-effect';
import type { SagaStep } from './saga-step';

const top = (context: CompensableContext): ArmedCompensation | undefined =>
  context.compensations[context.compensations.length - 1];

/** The step name the engine tracks a compensation command under. */
export const compensationStepOf = (step: string) => `${step}.compensation`;

type Args = { context: CompensableContext; event: { type: string; payload?: any } };

const pop = assign(({ context }: Args) => ({ compensations: context.compensations.slice(0, -1) }));

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
 * completed has nothing on the stack. A compensation that fails for good
 * (its retries ran out, or it was refused) leaves the saga in `failed`,
 * tagged `stuck`, with `context.compensationFailure` saying which and why,
 * until an operator sends `RetryCompensation` (send it again, as a new
 * command) or `ResolveCompensation` (done by hand: go on with the next).
 */
export function compensation<TContext extends CompensableContext>(steps: ReadonlyArray<SagaStep<TContext>>) {
  const confirmations = new Set<string>();
  for (const step of steps) {
    if (step.compensation) confirmations.add(step.compensation.confirmedBy.type);
  }
  const confirmsTop = ({ context, event }: Args) => top(context)?.confirmedBy === event.type;
  const topFailed = ({ context, event }: Args) => {
    const armed = top(context);
    return event.type === 'StepFailed' && !!armed && event.payload?.step === compensationStepOf(armed.step);
  };
  const on = Object.fromEntries(
    [...confirmations].map((type) => [type, { guard: confirmsTop, actions: pop, target: 'undoing', reenter: true }]),
  );
  return {
    tags: [SagaTags.compensating],
    initial: 'undoing',
    states: {
      undoing: {
        entry: emit(({ context }: Args): CommandEffect | { type: 'baton.none' } => {
          const next = top(context);
          if (!next) return { type: 'baton.none' };
          return {
            type: COMMAND_EFFECT,
            command: next.command,
            payload: next.payload,
            step: compensationStepOf(next.step),
            settledBy: [next.confirmedBy],
            retry: next.retry,
          };
        }),
        always: { guard: ({ context }: Args) => context.compensations.length === 0, target: 'undone' },
        on: {
          ...on,
          StepFailed: {
            guard: topFailed,
            target: 'failed',
            actions: assign(({ event }: Args) => ({
              compensationFailure: {
                step: event.payload.step,
                command: event.payload.command,
                reason: event.payload.reason,
                attempts: event.payload.attempts,
              },
            })),
          },
        },
      },
      failed: {
        tags: [SagaTags.stuck],
        on: {
          RetryCompensation: { target: 'undoing', actions: assign({ compensationFailure: undefined }) },
          ResolveCompensation: { target: 'undoing', actions: [pop, assign({ compensationFailure: undefined })] },
        },
      },
      undone: { type: 'final' as const },
    },
  } as any;
}
