import type { AnyStateMachine } from 'xstate';
import type { SagaDefinition } from '../definition/saga-definition';
import { effectOf } from '../definition/saga-effect';
import type { SagaStep } from '../definition/saga-step';

/** What an action of the machine records, as the tools read it (see `effectOf`). */
export type ChartEffect =
  /** A step's command: tracked by the engine until a reply settles it. */
  | { readonly kind: 'step'; readonly step: SagaStep<unknown> }
  /** A `sagaStep`'s send whose step is not in the definition's `steps` (the engine fails it). */
  | { readonly kind: 'undeclared-step'; readonly step: string; readonly command: string }
  /** A fire-and-forget command (`sendCommand`). */
  | { readonly kind: 'command'; readonly command: string }
  /** `compensation()`: undo every armed compensation. */
  | { readonly kind: 'compensate' };

/** The action or guard an XState reference names (`'notify'`, `{ type: 'notify' }`), from the machine's implementations. */
export function resolveImplementation(machine: AnyStateMachine, kind: 'actions' | 'guards', ref: unknown): unknown {
  const name = typeof ref === 'string' ? ref : typeof ref === 'object' && ref !== null && !('resolve' in ref) ? (ref as { type?: unknown }).type : undefined;
  if (typeof name !== 'string') return ref;
  const implementations = (machine.implementations as unknown as Record<string, Record<string, unknown>> | undefined)?.[kind];
  return implementations?.[name] ?? ref;
}

/** The effects a list of XState actions records, in order; actions that record none are left out. */
export function effectsOf(definition: SagaDefinition, actions: readonly unknown[] | undefined): ChartEffect[] {
  const effects: ChartEffect[] = [];
  for (const ref of actions ?? []) {
    const described = effectOf(resolveImplementation(definition.machine, 'actions', ref));
    if (!described) continue;
    if (described.effect === 'baton.compensate') effects.push({ kind: 'compensate' });
    else if (described.step === undefined) effects.push({ kind: 'command', command: described.command });
    else {
      const step = definition.steps.get(described.step);
      effects.push(step ? { kind: 'step', step } : { kind: 'undeclared-step', step: described.step, command: described.command });
    }
  }
  return effects;
}

/** A command an action sends: a step's (tracked, maybe undone) or a fire-and-forget one (`sendCommand`). */
export interface SentCommand {
  /** The command's message type: `ReserveStock`. */
  readonly command: string;
  /** The step it belongs to, when it is a step's `send`. */
  readonly step?: string;
  /** The command that undoes it, when the step declares a compensation: `ReleaseStock`. */
  readonly undoneBy?: string;
}

/** What a list of actions records, as far as the chart is concerned. */
export interface ActionEffects {
  readonly sends: SentCommand[];
  /** One of them is `compensation()`'s: undo the armed steps, newest first. */
  readonly compensates: boolean;
}

/**
 * What `actions` (an entry list, a transition's actions) send, as the chart
 * shows it: each command, with its step and what undoes it, and whether one
 * of them is `compensation()`.
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
  const sent: SentCommand = { command: step.command.type, step: step.name };
  return step.compensation ? { ...sent, undoneBy: step.compensation.command.type } : sent;
}
