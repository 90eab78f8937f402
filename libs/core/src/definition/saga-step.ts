import { assign, emit } from 'xstate';
import type { CommandContract, EventContract, PayloadOf } from '../contracts/message-contract';
import type { RetryPolicy } from './retry-policy';
import type { CompensableContext, SagaFailure } from './saga-context';
import { COMMAND_EFFECT, describeEffect, type CommandEffect } from './saga-effect';

/** What an action's payload function sees: the saga's context and the event being handled. */
export interface ActionArgs<TContext, TEvent> {
  readonly context: TContext;
  readonly event: TEvent;
}

type PayloadFn<TContext, TPayload> = (args: ActionArgs<TContext, any>) => TPayload;

/**
 * An action that records "send this command", fire and forget: the saga
 * does not wait for a reply (a notification, say). The payload is computed
 * from the context and event at the moment the action runs; the engine
 * validates it against the command's schema. A command the saga waits on is
 * a `sagaStep`.
 */
export function sendCommand<TContext, C extends CommandContract>(contract: C, payload: PayloadFn<TContext, PayloadOf<C>>) {
  const send = emit(({ context, event }: any): CommandEffect => ({
    type: COMMAND_EFFECT,
    command: contract.type,
    payload: payload({ context, event }),
  }));
  return describeEffect(send, { effect: COMMAND_EFFECT, command: contract.type }) as any;
}

/** Records why the saga is giving up; shown on the saga and in its final output. */
export function recordFailure<TContext extends CompensableContext>(
  failure: SagaFailure | ((args: ActionArgs<TContext, any>) => SagaFailure),
) {
  return assign(({ context, event }: any) => ({
    // The first failure is why the saga gives up; later ones are consequences.
    failure: context.failure ?? (typeof failure === 'function' ? failure({ context, event }) : failure),
  })) as any;
}

/** What undoes a step. */
export interface CompensationDeclaration<TContext, C extends CommandContract, U extends CommandContract> {
  /** The command that undoes the step. Its participant is told which command it undoes (`compensates`). */
  readonly command: U;
  /**
   * Its payload, computed when the step's command is sent, from the context
   * and that command's payload: never from the reply, because when the
   * step's outcome is unknown there is no reply. Name what to undo by a
   * business key (an order id); "nothing to undo" must be a success.
   */
  readonly payload: (args: { context: TContext; command: PayloadOf<C> }) => PayloadOf<U>;
  /** The reply that confirms the undo (including "there was nothing to undo"). */
  readonly confirmedBy: EventContract;
  /** Retries of the compensation; when they run out the saga waits for an operator. */
  readonly retry?: RetryPolicy;
}

/**
 * A forward step and, next to it, what undoes it. Use `send` as the entry
 * action of the state that waits for the step, and list the step in the
 * saga's `defineSaga({ steps })`. The engine tracks the command until one of
 * its replies arrives, retrying it under `retry`, and arms its compensation
 * when a `completedBy` reply says it took effect, or when it gives up on the
 * step without knowing (retries ran out, the machine left the state that
 * waits for it): an unknown outcome is compensated as if the step had
 * succeeded. When the engine gives up, the machine gets `StepFailed` (match
 * it with the `failed` guard).
 */
export interface SagaStep<TContext> {
  readonly name: string;
  readonly command: CommandContract;
  readonly completedBy: readonly EventContract[];
  readonly refusedBy: readonly EventContract[];
  readonly retry?: RetryPolicy;
  readonly compensation?: { readonly command: CommandContract; readonly confirmedBy: EventContract; readonly retry?: RetryPolicy };
  /** Why the step needs no compensation, when it declares none. */
  readonly noCompensation?: string;
  /** Action: send the step's command. */
  readonly send: any;
  /** Guard: the event is this step's `StepFailed`. */
  readonly failed: (args: { event: { type: string; payload?: any } }) => boolean;
  /** @internal phantom for the context type */
  readonly __context?: TContext;
}

export interface SagaStepDeclaration<TContext, C extends CommandContract, U extends CommandContract> {
  name: string;
  command: C;
  payload: PayloadFn<TContext, PayloadOf<C>>;
  /** The replies that say the command took effect. */
  completedBy: readonly EventContract[];
  /** The replies that say it did not (a refusal). `CommandFailed` always counts as one. */
  refusedBy?: readonly EventContract[];
  retry?: RetryPolicy;
  /** What undoes the step. A step declares either this or `noCompensation`. */
  compensation?: CompensationDeclaration<TContext, C, U>;
  /**
   * Why the step needs no compensation (a notification cannot be unsent; a
   * read has nothing to undo). When its outcome is unknown its effect, if
   * any, stays; a late success is recorded in the history with this reason.
   */
  noCompensation?: string;
}

/**
 * Declares a step: the command it sends, the replies that settle it, its
 * retries and what undoes it (or why nothing needs to). Use the result's
 * `send` as the entry action of the state that waits for the step, and list
 * it in `defineSaga({ steps })`; see `SagaStep` for what the engine does with it.
 */
export function sagaStep<TContext, C extends CommandContract, U extends CommandContract = never>(
  definition: SagaStepDeclaration<TContext, C, U>,
): SagaStep<TContext> {
  const { name, command: forward, payload, compensation, noCompensation, retry } = definition;
  const completedBy = definition.completedBy ?? [];
  const refusedBy = definition.refusedBy ?? [];
  if (!completedBy.length) {
    throw new Error(`Step "${name}" lists no completedBy replies: name the replies that say ${forward.type} took effect.`);
  }
  if (!compensation === !noCompensation) {
    throw new Error(
      compensation
        ? `Step "${name}" declares both a compensation and noCompensation: keep one.`
        : `Step "${name}" declares no compensation: add one (what undoes ${forward.type}), or say why none is needed with noCompensation: "<reason>".`,
    );
  }
  return {
    name,
    command: forward,
    completedBy,
    refusedBy,
    retry,
    compensation: compensation && { command: compensation.command, confirmedBy: compensation.confirmedBy, retry: compensation.retry },
    noCompensation,
    send: describeEffect(
      emit(({ context, event }: any): CommandEffect => {
        const sent = payload({ context, event });
        return {
          type: COMMAND_EFFECT,
          command: forward.type,
          payload: sent,
          step: name,
          ...(compensation ? { undo: compensation.payload({ context, command: sent }) } : {}),
        };
      }),
      { effect: COMMAND_EFFECT, command: forward.type, step: name },
    ) as any,
    failed: ({ event }) => event.type === 'StepFailed' && event.payload?.step === name,
  };
}
