import type { RetryPolicy } from './retry-policy';

/**
 * What a saga's actions may do: record effects. The engine collects them while
 * it runs one transition and the host carries them out after the transaction
 * that persisted them committed. A machine never performs I/O itself.
 */

/** Send a command. A step's command is tracked until a reply settles it. */
export interface CommandEffect {
  readonly type: 'baton.command';
  /** Message type of the command, as declared in the saga's contracts. */
  readonly command: string;
  readonly payload: unknown;
  /**
   * The step the command belongs to, when the saga waits for its outcome:
   * the engine then tracks it until one of `settledBy` arrives, retrying it
   * under `retry`.
   */
  readonly step?: string;
  readonly settledBy?: readonly string[];
  /** Of `settledBy`, the replies that say the command took effect (the others say it did not). */
  readonly completedBy?: readonly string[];
  readonly retry?: RetryPolicy;
  /** What undoes the step, worked out when its command is sent (see `sagaStep`). */
  readonly compensation?: CompensationPlan;
  /** Why the step has no compensation, when it declares none. */
  readonly withoutCompensation?: string;
}

/** The command that undoes a step, with its payload, ready to be armed. */
export interface CompensationPlan {
  readonly command: string;
  readonly payload: unknown;
  /** The reply that confirms it. */
  readonly confirmedBy: string;
  readonly retry?: RetryPolicy;
}

/** Undo every armed compensation, newest first; the engine answers `CompensationsCompleted`. */
export interface CompensateEffect {
  readonly type: 'baton.compensate';
}

export type SagaEffect = CommandEffect | CompensateEffect;

export const COMMAND_EFFECT = 'baton.command' as const;
export const COMPENSATE_EFFECT = 'baton.compensate' as const;
