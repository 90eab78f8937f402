import type { SagaDefinition, SagaStep } from '@baton/core';
import { effectsOf } from '../saga-actions';

/** A command an action sends: a step's (tracked, maybe undone) or a fire-and-forget one (`sendCommand`). */
export interface SentCommand {
  /** The command's message type: `ReserveStock`. */
  readonly command: string;
  /** The step it belongs to, when it is a step's `send`. */
  readonly step?: string;
  /** The command that undoes it, when the step declares a compensation: `ReleaseStock`. */
  readonly undoneBy?: string;
}

/** What a list of actions records, as far as the graph is concerned. */
export interface ActionEffects {
  readonly sends: SentCommand[];
  /** One of them is `compensation()`'s: undo the armed steps, newest first. */
  readonly compensates: boolean;
}

/**
 * What `actions` (an entry list, a transition's actions) send, as the graph
 * draws it: each command, with its step and what undoes it, and whether one
 * of them is `compensation()` (effects read as lint reads them: saga-actions.ts).
 */
export function actionEffects(definition: SagaDefinition, actions: readonly unknown[]): ActionEffects {
  const sends: SentCommand[] = [];
  let compensates = false;
  for (const effect of effectsOf(definition, actions)) {
    if (effect.kind === 'compensate') compensates = true;
    else if (effect.kind === 'step') sends.push(sentBy(effect.step));
    else sends.push({ command: effect.command });
  }
  return { sends, compensates };
}

function sentBy(step: SagaStep<unknown>): SentCommand {
  return { command: step.command.type, step: step.name, undoneBy: step.compensation?.command.type };
}
