import { emit } from 'xstate';
import { CompensationsCompleted } from './builtin-events';
import { SagaTags } from './saga-context';
import { COMPENSATE_EFFECT, describeEffect, type CompensateEffect } from './saga-effect';

/**
 * The state that undoes what the saga did. On entry it asks the engine to
 * run every armed compensation, newest first, one at a time: those of the
 * steps that completed, and those of the steps the saga gave up on without
 * knowing their outcome. When the last one is confirmed the engine sends
 * `CompensationsCompleted` and the state reaches its final child `undone`.
 * Put it under the saga's compensating state and go on with `onDone`:
 *
 * ```ts
 * compensating: { ...compensation(), onDone: 'compensated' }
 * ```
 *
 * A compensation that fails for good (its retries ran out, or it was
 * refused) makes the saga `stuck` until an operator sends
 * `RetryCompensation` (sent again, same message id) or `ResolveCompensation`
 * (done by hand: go on with the next one).
 */
export function compensation() {
  return {
    tags: [SagaTags.compensating],
    initial: 'undoing',
    states: {
      undoing: {
        entry: describeEffect(
          emit((): CompensateEffect => ({ type: COMPENSATE_EFFECT })),
          { effect: COMPENSATE_EFFECT },
        ),
        on: { [CompensationsCompleted.type]: { target: 'undone' } },
      },
      undone: { type: 'final' as const },
    },
  } as any;
}
