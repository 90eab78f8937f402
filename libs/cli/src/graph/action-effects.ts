import { effectOf, type SagaDefinition, type SagaStep } from '@baton/core';
import type { AnyStateMachine } from 'xstate';

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
 * Reads what actions send: a step's `send`, `sendCommand` and
 * `compensation()` say what they record (core's `effectOf`), without running
 * the saga; any other action sends nothing Baton carries. Named actions are
 * looked up in the machine's implementations.
 */
export class ActionEffectReader {
  private readonly stepBySend = new Map<unknown, SagaStep<unknown>>();

  constructor(private readonly definition: SagaDefinition) {
    for (const step of definition.steps.values()) this.stepBySend.set(step.send, step);
  }

  /** The effects of `actions` (an entry list, a transition's actions). */
  read(actions: readonly unknown[]): ActionEffects {
    const sends: SentCommand[] = [];
    let compensates = false;
    for (const action of actions.map((a) => this.resolve(a))) {
      const effect = effectOf(action);
      if (effect?.effect === 'baton.compensate') compensates = true;
      else if (effect?.effect === 'baton.command') {
        const owner = effect.step === undefined ? undefined : this.definition.steps.get(effect.step);
        sends.push(owner ? this.sentBy(owner) : { command: effect.command });
      }
    }
    return { sends, compensates };
  }

  private sentBy(step: SagaStep<unknown>): SentCommand {
    return { command: step.command.type, step: step.name, undoneBy: step.compensation?.command.type };
  }

  /** A named action (`'notify'`, `{ type: 'notify' }`) as the machine's implementations give it. */
  private resolve(action: unknown): unknown {
    const machine: AnyStateMachine = this.definition.machine;
    const actions = (machine.implementations?.actions ?? {}) as Record<string, unknown>;
    if (typeof action === 'string') return actions[action] ?? action;
    if (typeof action === 'object' && action !== null && typeof (action as { type?: unknown }).type === 'string') {
      return actions[(action as { type: string }).type] ?? action;
    }
    return action;
  }
}
