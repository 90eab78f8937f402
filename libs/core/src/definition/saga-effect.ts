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
   * The step the command belongs to (one of the definition's `steps`): the
   * engine tracks it until a reply settles it, under the step's retry policy.
   */
  readonly step?: string;
  /** The payload of the step's compensation, worked out when its command is sent. */
  readonly undo?: unknown;
}

/** Undo every armed compensation, newest first; the engine answers `CompensationsCompleted`. */
export interface CompensateEffect {
  readonly type: 'baton.compensate';
}

export type SagaEffect = CommandEffect | CompensateEffect;

export const COMMAND_EFFECT = 'baton.command' as const;
export const COMPENSATE_EFFECT = 'baton.compensate' as const;
