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

/**
 * What an effect action records, readable without running it: `sagaStep`'s
 * `send`, `sendCommand` and `compensation()` carry it, so a tool (`baton
 * lint`) can tell which command a state sends, for which step, without a
 * saga's context.
 */
export type EffectDescription =
  | { readonly effect: typeof COMMAND_EFFECT; readonly command: string; readonly step?: string }
  | { readonly effect: typeof COMPENSATE_EFFECT };

/** The property an effect action carries its description under (a plain name, so any copy of @baton/core reads it). */
const DESCRIPTION = 'batonEffect';

/** Marks `action` (an XState action) with what it records; answers the action. */
export function describeEffect<A>(action: A, description: EffectDescription): A {
  Object.defineProperty(action, DESCRIPTION, { value: Object.freeze({ ...description }), enumerable: false });
  return action;
}

/** What an action made by `sagaStep`, `sendCommand` or `compensation()` records; undefined for any other action. */
export function effectOf(action: unknown): EffectDescription | undefined {
  if ((typeof action !== 'function' && typeof action !== 'object') || action === null) return undefined;
  const description = (action as Record<string, unknown>)[DESCRIPTION] as EffectDescription | undefined;
  return description && (description.effect === COMMAND_EFFECT || description.effect === COMPENSATE_EFFECT) ? description : undefined;
}
