import { assign, emit } from 'xstate';
import type { CommandContract, EventContract, PayloadOf } from '../contracts/message-contract';
import type { RetryPolicy } from './retry-policy';
import type { ArmedCompensation, CompensableContext, SagaFailure } from './saga-context';
import { COMMAND_EFFECT, type CommandEffect } from './saga-effect';

/** What an action's payload function sees: the saga's context and the event being handled. */
export interface ActionArgs<TContext, TEvent> {
  readonly context: TContext;
  readonly event: TEvent;
}

type PayloadFn<TContext, TPayload> = (args: ActionArgs<TContext, any>) => TPayload;

/**
 * An action that records "send this command". The payload is computed from
 * the context and event at the moment the action runs; the engine validates
 * it against the command's schema.
 */
export function sendCommand<TContext, C extends CommandContract>(
  contract: C,
  payload: PayloadFn<TContext, PayloadOf<C>>,
  tracking?: { step: string; settledBy: readonly string[]; retry?: RetryPolicy },
) {
  return emit(({ context, event }: any): CommandEffect => ({
    type: COMMAND_EFFECT,
    command: contract.type,
    payload: payload({ context, event }),
    ...tracking,
  })) as any;
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

export interface CompensationDeclaration<TContext, C extends CommandContract> {
  /** The command that undoes the step. */
  readonly command: C;
  /** Its payload, computed when the step completes, from the reply that confirmed it. */
  readonly payload: PayloadFn<TContext, PayloadOf<C>>;
  /** The reply that confirms the undo. */
  readonly confirmedBy: EventContract;
  /** Retries of the compensation command; when they run out the saga waits for an operator. */
  readonly retry?: RetryPolicy;
}

/**
 * A forward step and, next to it, what undoes it. Use `send` as the entry
 * action of the state that waits for the step, and `registerCompensation` on
 * the transition taken when the step succeeded (only then is there anything
 * to undo). A step that lists its `replies` is tracked by the engine until
 * one arrives, and retried under `retry`; when that gives up the machine gets
 * `StepFailed` (match it with the `failed` guard).
 */
export interface SagaStep<TContext> {
  readonly name: string;
  readonly command: CommandContract;
  readonly compensation?: { readonly command: CommandContract; readonly confirmedBy: EventContract; readonly retry?: RetryPolicy };
  /** Action: send the step's command. */
  readonly send: any;
  /** Action: arm this step's compensation. Only for steps that declare one. */
  readonly registerCompensation: any;
  /** Guard: the event is this step's `StepFailed`. */
  readonly failed: (args: { event: { type: string; payload?: any } }) => boolean;
  /** @internal phantom for the context type */
  readonly __context?: TContext;
}

export function sagaStep<TContext extends CompensableContext, C extends CommandContract, U extends CommandContract>(definition: {
  name: string;
  command: C;
  payload: PayloadFn<TContext, PayloadOf<C>>;
  /** The replies that settle the step, success and refusal alike. Needed for retries. */
  replies?: readonly EventContract[];
  retry?: RetryPolicy;
  compensation?: CompensationDeclaration<TContext, U>;
}): SagaStep<TContext> {
  const { name, command: forward, payload, compensation, replies, retry } = definition;
  if (retry && !replies?.length) {
    throw new Error(`Step "${name}" has a retry policy but no replies: list the replies that settle it.`);
  }
  const tracking = replies?.length ? { step: name, settledBy: replies.map((r) => r.type), retry } : undefined;
  return {
    name,
    command: forward,
    compensation: compensation && {
      command: compensation.command,
      confirmedBy: compensation.confirmedBy,
      retry: compensation.retry,
    },
    send: sendCommand<TContext, C>(forward, payload, tracking),
    failed: ({ event }) => event.type === 'StepFailed' && event.payload?.step === name,
    registerCompensation: assign(({ context, event }: any) => {
      if (!compensation) {
        throw new Error(`Step "${name}" declares no compensation; do not call registerCompensation on it.`);
      }
      const armed: ArmedCompensation = {
        step: name,
        command: compensation.command.type,
        payload: compensation.payload({ context, event }),
        confirmedBy: compensation.confirmedBy.type,
        retry: compensation.retry,
      };
      return { compensations: [...context.compensations, armed] };
    }) as any,
  };
}
