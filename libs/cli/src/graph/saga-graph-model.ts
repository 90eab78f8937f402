import type { SagaDefinition } from '@baton/core';
import type { AnyStateNode } from 'xstate';
import { actionEffects, type SentCommand } from './action-effects';
import { delayLabel, guardName } from './transition-labels';

/** A state of the statechart, with what the graph shows of it. */
export interface GraphState {
  /** XState's id: `order-fulfillment.securing.stock.reserving`. */
  readonly id: string;
  /** Its key in its parent: `reserving`. */
  readonly key: string;
  /** Its keys from the root (the root's is empty). */
  readonly path: readonly string[];
  readonly kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The id of the child a compound state starts in. */
  readonly initial?: string;
  readonly children: readonly GraphState[];
  readonly tags: readonly string[];
  /** Commands its entry sends. */
  readonly sends: readonly SentCommand[];
  /** Its entry is `compensation()`'s: the engine undoes the armed steps, newest first. */
  readonly compensates: boolean;
  /** A history state's depth. */
  readonly history?: 'shallow' | 'deep';
}

/** A transition: an event's, a delay's (`after`), an eventless one (`always`) or a compound state's `onDone`. */
export interface GraphTransition {
  readonly source: string;
  /** The target states' ids; none for a transition that only runs actions. */
  readonly targets: readonly string[];
  readonly kind: 'event' | 'after' | 'always' | 'done';
  /** The event type, for `event`. */
  readonly event?: string;
  /** The delay in words, for `after`: `paymentTimeout (30 s)`. */
  readonly delay?: string;
  /** The guard by name; `else` for an unguarded candidate after guarded ones. */
  readonly guard?: string;
  /** Commands its actions send. */
  readonly sends: readonly SentCommand[];
  /** All of it in one line: `StepFailed [reserveStock failed]`, `after paymentTimeout (30 s)`, `onDone [somethingFailed]`. */
  readonly label: string;
}

/** A step's compensation: what undoes it, where it is armed and where it is run. */
export interface CompensationLink {
  readonly step: string;
  readonly command: string;
  readonly undoneBy: string;
  /** The states whose entry sends the step. */
  readonly from: readonly string[];
  /** The states that run `compensation()`. */
  readonly to: readonly string[];
  /** `ReleaseStock undoes ReserveStock`. */
  readonly label: string;
}

/** A saga's statechart as the graph formats draw it. */
export interface SagaGraph {
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  readonly root: GraphState;
  /** Every state by id, the root included, in document order. */
  readonly states: ReadonlyMap<string, GraphState>;
  readonly transitions: readonly GraphTransition[];
  readonly compensations: readonly CompensationLink[];
}

const targetsOf = (transition: { target?: readonly AnyStateNode[] }) => (transition.target ?? []).map((node) => node.id);

function label(transition: Omit<GraphTransition, 'label'>): string {
  const head =
    transition.kind === 'event'
      ? transition.event!
      : transition.kind === 'after'
        ? `after ${transition.delay}`
        : transition.kind === 'done'
          ? 'onDone'
          : 'always';
  const guard = transition.guard ? ` [${transition.guard}]` : '';
  const sends = transition.sends.length ? ` / sends ${transition.sends.map((s) => s.command).join(', ')}` : '';
  return `${head}${guard}${sends}`;
}

/**
 * Reads a saga's statechart from its XState StateNode tree
 * (`definition.machine.root`): the states with their initial child, type
 * and tags, what their entry sends, every transition with its event, guard
 * and delay by name, and where each step's compensation is armed and run.
 */
export function readSagaGraph(definition: SagaDefinition): SagaGraph {
  const states = new Map<string, GraphState>();
  const transitions: GraphTransition[] = [];

  const add = (source: AnyStateNode, kind: GraphTransition['kind'], list: readonly any[], extra: (t: any) => Partial<GraphTransition>) => {
    let guarded = false;
    for (const t of list) {
      const guard = t.guard !== undefined ? guardName(t.guard, definition) : guarded ? 'else' : undefined;
      guarded ||= t.guard !== undefined;
      const transition = { source: source.id, targets: targetsOf(t), kind, guard, sends: actionEffects(definition, t.actions ?? []).sends, ...extra(t) };
      transitions.push({ ...transition, label: label(transition) });
    }
  };

  const visit = (node: AnyStateNode): GraphState => {
    const entry = actionEffects(definition, node.entry);
    const state: GraphState = {
      id: node.id,
      key: node.key,
      path: node.path,
      kind: node.type,
      initial: node.type === 'compound' ? node.initial?.target[0]?.id : undefined,
      children: [],
      tags: [...node.tags],
      sends: entry.sends,
      compensates: entry.compensates,
      history: node.type === 'history' ? (node.history === 'deep' ? 'deep' : 'shallow') : undefined,
    };
    states.set(node.id, state);
    for (const [type, list] of node.transitions) {
      if (type.startsWith('xstate.after.')) add(node, 'after', list, (t) => ({ delay: delayLabel(t.delay, definition) }));
      else if (type === `xstate.done.state.${node.id}`) add(node, 'done', list, () => ({}));
      else add(node, 'event', list, () => ({ event: type }));
    }
    add(node, 'always', node.always ?? [], () => ({}));
    (state.children as GraphState[]).push(...Object.values(node.states).map((child) => visit(child as AnyStateNode)));
    return state;
  };
  const root = visit(definition.machine.root);

  const all = [...states.values()];
  const compensations: CompensationLink[] = [...definition.steps.values()]
    .filter((step) => step.compensation)
    .map((step) => ({
      step: step.name,
      command: step.command.type,
      undoneBy: step.compensation!.command.type,
      from: all.filter((s) => s.sends.some((sent) => sent.step === step.name)).map((s) => s.id),
      to: all.filter((s) => s.compensates).map((s) => s.id),
      label: `${step.compensation!.command.type} undoes ${step.command.type}`,
    }));

  return { name: definition.name, version: definition.version, description: definition.description, root, states, transitions, compensations };
}
