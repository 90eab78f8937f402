/** Why a saga did not complete. */
export interface SagaFailure {
  readonly reason: string;
  readonly step?: string;
}

/**
 * The part of a saga's context that Baton's helpers read and write
 * (`recordFailure`). A saga's own context type extends it. Compensations are
 * not in the context: the engine keeps them (see `SagaRuntime`).
 */
export interface CompensableContext {
  failure?: SagaFailure;
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
