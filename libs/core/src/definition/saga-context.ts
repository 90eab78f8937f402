import type { RetryPolicy } from './retry-policy';

/**
 * A compensation that was armed when its forward step completed. The payload
 * is computed at that moment, from the reply that confirmed the step, so the
 * compensation does not depend on what the context looks like later.
 */
export interface ArmedCompensation {
  readonly step: string;
  readonly command: string;
  readonly payload: unknown;
  /** Event type that confirms the compensation was applied. */
  readonly confirmedBy: string;
  readonly retry?: RetryPolicy;
}

/** A compensation that failed for good, waiting for an operator to retry it or resolve it by hand. */
export interface CompensationFailure {
  readonly step: string;
  readonly command: string;
  readonly reason: string;
  readonly attempts: number;
}

/** Why a saga did not complete. */
export interface SagaFailure {
  readonly reason: string;
  readonly step?: string;
}

/**
 * The part of a saga's context that Baton's helpers read and write. A saga's
 * own context type extends it.
 */
export interface CompensableContext {
  compensations: ArmedCompensation[];
  failure?: SagaFailure;
  compensationFailure?: CompensationFailure;
}

/** Tags that map a saga's state to its status. */
export const SagaTags = {
  /** On a state (or its parent) where compensations are being run. */
  compensating: 'compensating',
  /** On a final state reached after compensating. */
  compensated: 'compensated',
  /** On a final state that ends the saga without completing it. */
  failed: 'failed',
  /** On a final state reached after an operator aborted the saga. */
  aborted: 'aborted',
  /** On a state that waits for an operator. */
  stuck: 'stuck',
} as const;
