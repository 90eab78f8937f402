import { effectsOf, resolveImplementation as resolve, type ChartEffect, type SagaDefinition } from '@baton/core';
import type { AnyStateMachine, AnyStateNode } from 'xstate';

export type { ChartEffect } from '@baton/core';

/** One state of the machine. */
export interface ChartNode {
  /** Its place in document order (the root is 0). */
  readonly index: number;
  /** Dotted path from the root (`securing.payment.authorizing`); `(machine)` for the root. */
  readonly path: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  readonly parent?: ChartNode;
  readonly children: ChartNode[];
  /** The states its `initial` enters (a compound state). */
  readonly initial: ChartNode[];
  readonly entry: ChartEffect[];
  readonly exit: ChartEffect[];
  /** Its own transitions, in the order XState picks them. */
  readonly transitions: ChartTransition[];
  /** The raw XState `meta` of the state. */
  readonly meta: unknown;
  /** Whether it is a final state of the machine itself: the saga ends there. */
  readonly ending: boolean;
}

/** One transition of a state. */
export interface ChartTransition {
  readonly source: ChartNode;
  /** `event`: a message or signal; `after`: a delay; `always`: eventless; `done`: the state's `onDone`. */
  readonly kind: 'event' | 'after' | 'always' | 'done';
  /** The event descriptor it is taken on (`*` and `Prefix.*` are wildcards); for `after` and `done` XState's internal event. */
  readonly event: string;
  /** For `after`: the delay as written (a number of ms or a delay's name). */
  readonly delay?: string;
  /** Empty for a targetless transition (it runs actions, the state stays). */
  readonly targets: ChartNode[];
  readonly guard?: unknown;
  readonly reenter: boolean;
  readonly effects: ChartEffect[];
}

/** A saga's machine as lint reads it: its states in document order, what each sends, how each is left. */
export interface SagaChart {
  readonly definition: SagaDefinition;
  readonly root: ChartNode;
  readonly nodes: readonly ChartNode[];
  /** The guard functions of the steps (`step.failed`), by step name. */
  readonly failedGuards: ReadonlyMap<unknown, string>;
  /** States with actions lint cannot read (`enqueueActions` decides its actions as it runs): what they send is not followed. */
  readonly opaque: readonly ChartNode[];
}

const AFTER = 'xstate.after.';
const DONE = 'xstate.done.state.';

/** Whether an action decides its actions only as it runs (`enqueueActions`). */
function isOpaque(machine: AnyStateMachine, ref: unknown): boolean {
  const action = resolve(machine, 'actions', ref);
  return typeof action === 'function' && (action as { type?: unknown }).type === 'xstate.enqueueActions';
}

/** Reads a saga's machine (XState v5's StateNode tree: `machine.root`) into a chart. */
export function chartOf(definition: SagaDefinition): SagaChart {
  const { machine } = definition;
  const nodes: ChartNode[] = [];
  const byXState = new Map<AnyStateNode, ChartNode>();
  const visit = (xnode: AnyStateNode, parent: ChartNode | undefined): ChartNode => {
    const node: ChartNode = {
      index: nodes.length,
      path: xnode.path.length ? xnode.path.join('.') : '(machine)',
      type: xnode.type,
      parent,
      children: [],
      initial: [],
      entry: effectsOf(definition, xnode.entry),
      exit: effectsOf(definition, xnode.exit),
      transitions: [],
      meta: xnode.meta,
      ending: xnode.type === 'final' && parent !== undefined && parent.parent === undefined,
    };
    nodes.push(node);
    byXState.set(xnode, node);
    for (const child of Object.values(xnode.states) as AnyStateNode[]) node.children.push(visit(child, node));
    return node;
  };
  const root = visit(machine.root, undefined);
  const targetsOf = (targets: readonly AnyStateNode[] | undefined) => (targets ?? []).map((target) => byXState.get(target)!);
  for (const [xnode, node] of byXState) {
    if (xnode.type === 'compound' && xnode.initial) node.initial.push(...targetsOf(xnode.initial.target));
    const add = (kind: ChartTransition['kind'], event: string, transition: any, delay?: string) =>
      node.transitions.push({
        source: node,
        kind,
        event,
        ...(delay !== undefined ? { delay } : {}),
        targets: targetsOf(transition.target),
        guard: transition.guard === undefined ? undefined : resolve(machine, 'guards', transition.guard),
        reenter: !!transition.reenter,
        effects: effectsOf(definition, transition.actions),
      });
    const delays = new Map<string, string>((xnode.after ?? []).map((after: any) => [after.eventType, String(after.delay)]));
    for (const [event, transitions] of xnode.transitions as Map<string, any[]>) {
      if (event.startsWith('xstate.') && !event.startsWith(AFTER) && !event.startsWith(DONE)) continue; // invoked actors: Baton refuses them
      const kind = event.startsWith(AFTER) ? 'after' : event.startsWith(DONE) ? 'done' : 'event';
      for (const transition of transitions) add(kind, event, transition, delays.get(event));
    }
    for (const transition of xnode.always ?? []) add('always', '', transition);
  }
  const failedGuards = new Map<unknown, string>([...definition.steps.values()].map((step) => [step.failed, step.name]));
  const opaque = [...byXState]
    .filter(([xnode]) =>
      [...xnode.entry, ...xnode.exit, ...[...(xnode.transitions as Map<string, any[]>).values()].flat().flatMap((t) => t.actions), ...(xnode.always ?? []).flatMap((t: any) => t.actions)].some(
        (action) => isOpaque(machine, action),
      ),
    )
    .map(([, node]) => node);
  return { definition, root, nodes, failedGuards, opaque };
}

/** Whether an event of `type` matches an XState event descriptor (`Type`, `*`, `Prefix.*`). */
export function matchesDescriptor(descriptor: string, type: string): boolean {
  if (descriptor === type || descriptor === '*') return true;
  return descriptor.endsWith('.*') && type.startsWith(descriptor.slice(0, -1));
}

/** Whether a descriptor is a wildcard. */
export function isWildcard(descriptor: string): boolean {
  return descriptor === '*' || descriptor.endsWith('.*');
}

/** `node` and its ancestors, nearest first. */
export function selfAndAncestors(node: ChartNode): ChartNode[] {
  const chain: ChartNode[] = [];
  for (let at: ChartNode | undefined = node; at; at = at.parent) chain.push(at);
  return chain;
}

/** Whether `node` is `ancestor` or lies under it. */
export function isWithin(node: ChartNode, ancestor: ChartNode): boolean {
  for (let at: ChartNode | undefined = node; at; at = at.parent) if (at === ancestor) return true;
  return false;
}

/** `node` and every state under it. */
export function subtree(node: ChartNode): ChartNode[] {
  return [node, ...node.children.flatMap(subtree)];
}

/** The nearest state that holds all of `nodes` (the root if they share no other). */
export function commonAncestor(nodes: readonly ChartNode[]): ChartNode | undefined {
  if (!nodes.length) return undefined;
  return selfAndAncestors(nodes[0]).find((candidate) => nodes.every((node) => isWithin(node, candidate)));
}
