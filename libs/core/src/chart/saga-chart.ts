import type { AnyStateNode } from 'xstate';
import type { SagaDefinition } from '../definition/saga-definition';
import { actionEffects, type SentCommand } from './chart-effects';
import { delayLabel, delayMs, guardName } from './chart-labels';

/** An `after` transition of a state: which one, and its delay. */
export interface SagaChartTimer {
  /** The transition's index in `SagaChart.transitions`. */
  readonly transition: number;
  /** The delay in words: `paymentTimeout (30 s)`. */
  readonly delay: string;
  /** The delay in milliseconds, when the definition fixes it (not when a function computes it). */
  readonly ms?: number;
}

/** A state of the statechart, with what a drawing of it shows. */
export interface SagaChartState {
  /** XState's id: `order-fulfillment.securing.stock.reserving`. */
  readonly id: string;
  /** Its key in its parent: `reserving`. */
  readonly key: string;
  /** Its keys from the root (the root's is empty). */
  readonly path: readonly string[];
  /** Its parent's id; none for the root. */
  readonly parent?: string;
  readonly kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The id of the child a compound state starts in. */
  readonly initial?: string;
  /** Its children's ids, in document order. */
  readonly children: readonly string[];
  readonly tags: readonly string[];
  /** Commands its entry sends. */
  readonly sends: readonly SentCommand[];
  /** Its entry is `compensation()`'s: the engine undoes the armed steps, newest first. */
  readonly compensates: boolean;
  /** A history state's depth. */
  readonly history?: 'shallow' | 'deep';
  /** Its `after` transitions. */
  readonly timers: readonly SagaChartTimer[];
}

/** A transition: an event's, a delay's (`after`), an eventless one (`always`) or a compound state's `onDone`. */
export interface SagaChartTransition {
  /** Its place in `SagaChart.transitions`: document order, each state's in the order XState tries them. */
  readonly index: number;
  readonly source: string;
  /** The target states' ids; none for a transition that only runs actions. */
  readonly targets: readonly string[];
  readonly kind: 'event' | 'after' | 'always' | 'done';
  /** The event type, for `event`. */
  readonly event?: string;
  /** The delay in words, for `after`: `paymentTimeout (30 s)`. */
  readonly delay?: string;
  /** The delay in milliseconds, for `after`, when the definition fixes it. */
  readonly delayMs?: number;
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

/** A saga's statechart as plain JSON: what `baton graph` and the host's diagram draw. */
export interface SagaChart {
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  /** The root state's id (the machine's). */
  readonly root: string;
  /** Every state, the root first, in document order. */
  readonly states: readonly SagaChartState[];
  readonly transitions: readonly SagaChartTransition[];
  readonly compensations: readonly CompensationLink[];
}

type Draft = Omit<SagaChartTransition, 'index' | 'label'>;

const targetsOf = (transition: { target?: readonly AnyStateNode[] }) => (transition.target ?? []).map((node) => node.id);

function label(transition: Draft): string {
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

/** The object without its undefined fields, so that the JSON and a deep equality see the same thing. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/**
 * Reads a saga's statechart from its XState StateNode tree
 * (`definition.machine.root`): the states with their initial child, type
 * and tags, what their entry sends, every transition with its event, guard
 * and delay by name, and where each step's compensation is armed and run.
 * Plain data (arrays, strings, numbers), so a host can answer it as JSON.
 */
export function readSagaChart(definition: SagaDefinition): SagaChart {
  const states: SagaChartState[] = [];
  const transitions: SagaChartTransition[] = [];

  const add = (source: AnyStateNode, kind: Draft['kind'], list: readonly any[], extra: (t: any) => Partial<Draft>): number[] => {
    const added: number[] = [];
    let guarded = false;
    for (const t of list) {
      const guard = t.guard !== undefined ? guardName(t.guard, definition) : guarded ? 'else' : undefined;
      guarded ||= t.guard !== undefined;
      const draft: Draft = { source: source.id, targets: targetsOf(t), kind, guard, sends: actionEffects(definition, t.actions ?? []).sends, ...extra(t) };
      added.push(transitions.length);
      // Fields in a fixed order, so the JSON reads the same every time.
      transitions.push(
        defined({
          index: transitions.length,
          source: draft.source,
          targets: draft.targets,
          kind: draft.kind,
          event: draft.event,
          delay: draft.delay,
          delayMs: draft.delayMs,
          guard: draft.guard,
          sends: draft.sends,
          label: label(draft),
        }),
      );
    }
    return added;
  };

  const visit = (node: AnyStateNode, parent?: string) => {
    const entry = actionEffects(definition, node.entry);
    const timers: SagaChartTimer[] = [];
    const state: SagaChartState = defined({
      id: node.id,
      key: node.key,
      path: node.path,
      parent,
      kind: node.type,
      initial: node.type === 'compound' ? node.initial?.target[0]?.id : undefined,
      children: Object.values(node.states).map((child) => (child as AnyStateNode).id),
      tags: [...node.tags],
      sends: entry.sends,
      compensates: entry.compensates,
      history: node.type === 'history' ? (node.history === 'deep' ? 'deep' : 'shallow') : undefined,
      timers,
    });
    states.push(state);
    for (const [type, list] of node.transitions) {
      if (type.startsWith('xstate.after.')) {
        const after = (t: any) => ({ delay: delayLabel(t.delay, definition), delayMs: delayMs(t.delay, definition) });
        for (const index of add(node, 'after', list, after)) {
          const { delay, delayMs: ms } = transitions[index];
          timers.push(defined({ transition: index, delay: delay!, ms }));
        }
      } else if (type === `xstate.done.state.${node.id}`) add(node, 'done', list, () => ({}));
      else add(node, 'event', list, () => ({ event: type }));
    }
    add(node, 'always', node.always ?? [], () => ({}));
    for (const child of Object.values(node.states)) visit(child as AnyStateNode, node.id);
  };
  const root = definition.machine.root;
  visit(root);

  const compensations: CompensationLink[] = [...definition.steps.values()]
    .filter((step) => step.compensation)
    .map((step) => ({
      step: step.name,
      command: step.command.type,
      undoneBy: step.compensation!.command.type,
      from: states.filter((s) => s.sends.some((sent) => sent.step === step.name)).map((s) => s.id),
      to: states.filter((s) => s.compensates).map((s) => s.id),
      label: `${step.compensation!.command.type} undoes ${step.command.type}`,
    }));

  return defined({ name: definition.name, version: definition.version, description: definition.description, root: root.id, states, transitions, compensations });
}
