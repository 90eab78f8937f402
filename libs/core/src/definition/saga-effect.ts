import type { RetryPolicy } from './retry-policy';

/**
 * What a saga's actions may do: record effects. The engine collects them while
 * it runs one transition and the host carries them out after the transaction
 * that persisted them committed. A machine never performs I/O itself.
 */
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
  readonly retry?: RetryPolicy;
}

export type SagaEffect = CommandEffect;

export const COMMAND_EFFECT = 'baton.command' as const;
