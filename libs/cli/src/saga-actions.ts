import { effectOf, type SagaDefinition, type SagaStep } from '@baton/core';
import type { AnyStateMachine } from 'xstate';

/** What an action of the machine records, as the baton commands read it (see `effectOf` in @baton/core). */
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
export function resolve(machine: AnyStateMachine, kind: 'actions' | 'guards', ref: unknown): unknown {
  const name = typeof ref === 'string' ? ref : typeof ref === 'object' && ref !== null && !('resolve' in ref) ? (ref as { type?: unknown }).type : undefined;
  if (typeof name !== 'string') return ref;
  const implementations = (machine.implementations as unknown as Record<string, Record<string, unknown>> | undefined)?.[kind];
  return implementations?.[name] ?? ref;
}

/** The effects a list of XState actions records, in order; actions that record none are left out. */
export function effectsOf(definition: SagaDefinition, actions: readonly unknown[] | undefined): ChartEffect[] {
  const effects: ChartEffect[] = [];
  for (const ref of actions ?? []) {
    const described = effectOf(resolve(definition.machine, 'actions', ref));
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

