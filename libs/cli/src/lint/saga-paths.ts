import { CompensationsCompleted, StepFailed, type SagaStep } from '@baton/core';
import { isWithin, isWildcard, matchesDescriptor, type ChartEffect, type ChartNode, type ChartTransition, type SagaChart } from './saga-chart';

/** A step whose command is in flight, and the state that sent it. */
export interface StepInFlight {
  readonly step: SagaStep<unknown>;
  readonly sentAt: ChartNode;
  /** Whether the saga came to rest since it was sent (the engine checks, then, that some state awaits it). */
  readonly checked: boolean;
}

/** How a step ended on a path, in the order the steps ended (followed only when the machine sends compensations by hand). */
export interface StepOutcome {
  readonly step: string;
  /** `completed`: a completedBy reply; `refused`: a refusedBy reply; `unknown`: StepFailed, or the saga left the state that waited for it. */
  readonly outcome: 'completed' | 'refused' | 'unknown';
  readonly undone: boolean;
}

/** One place the saga can be in: its active states, its commands in flight, and (for hand-written compensation) what its steps did. */
export interface PathState {
  /** Discovery order: 0 is where the saga starts. */
  readonly id: number;
  readonly active: ReadonlySet<ChartNode>;
  /** The active atomic and final states, in document order. */
  readonly leaves: readonly ChartNode[];
  readonly inFlight: ReadonlyMap<string, StepInFlight>;
  readonly history: readonly StepOutcome[];
  /** The machine reached a final state of its own: the saga ended. */
  readonly ended: boolean;
  /** No eventless or done transition must be taken first: the saga rests here until something happens. */
  readonly stable: boolean;
  /** Whether a `compensation()` state is active: the engine runs one compensation at a time. */
  readonly compensating: boolean;
  readonly moves: PathMove[];
}

/** A way from one place to the next. */
export interface PathMove {
  readonly from: PathState;
  readonly to: PathState;
  /** The event it is taken on (`after <delay>`, `always`, `done` for XState's own). */
  readonly trigger: string;
  /** Undefined when a reply settled a step and no transition took it. */
  readonly transition?: ChartTransition;
  /** A message, signal or timer (one of the engine's transitions), not an eventless or done transition. */
  readonly external: boolean;
}

/** A compensation command the machine sends itself, and what the saga's steps had done on that path. */
export interface UndoSent {
  readonly at: ChartNode;
  /** The step it undoes. */
  readonly step: string;
  readonly history: readonly StepOutcome[];
  readonly inFlight: readonly string[];
}

/** A reply of a step in flight that the saga does not accept where it rests. */
export interface ReplyGap {
  readonly inFlight: StepInFlight;
  readonly reply: string;
  readonly leaves: readonly ChartNode[];
  /** The saga rests with none of the step's replies accepted right after sending it: the engine fails that input. */
  readonly noneAccepted: boolean;
}

/** Every place a saga can be in, and how it gets from one to the next, as far as lint explored. */
export interface PathGraph {
  readonly states: readonly PathState[];
  /** False when the saga had more places than lint explores. */
  readonly complete: boolean;
  readonly undos: readonly UndoSent[];
  readonly replyGaps: readonly ReplyGap[];
}

/** The commands that undo a step (its compensation's command type → the steps it undoes). */
export function undoCommands(chart: SagaChart): Map<string, SagaStep<unknown>[]> {
  const undo = new Map<string, SagaStep<unknown>[]>();
  for (const step of chart.definition.steps.values()) {
    if (step.compensation) undo.set(step.compensation.command.type, [...(undo.get(step.compensation.command.type) ?? []), step]);
  }
  return undo;
}

/** The steps an effect undoes when the machine sends a compensation command itself (none for anything else). */
export function undoneBy(effect: ChartEffect, undo: ReadonlyMap<string, SagaStep<unknown>[]>): SagaStep<unknown>[] {
  if (effect.kind === 'command') return undo.get(effect.command) ?? [];
  if (effect.kind === 'step') return undo.get(effect.step.command.type) ?? [];
  return [];
}

/** Whether the machine sends a compensation command itself anywhere. */
export function compensatesByHand(chart: SagaChart): boolean {
  const undo = undoCommands(chart);
  const effects = chart.nodes.flatMap((node) => [...node.entry, ...node.exit, ...node.transitions.flatMap((t) => t.effects)]);
  return effects.some((effect) => undoneBy(effect, undo).length > 0);
}

// --- XState's semantics, on the chart (docs/architecture.md, "The step": the machine runs on XState's pure functions) ---

/** Whether `node` is in a final configuration: a compound whose active child is final, a parallel state whose regions all are. */
function inFinalState(active: ReadonlySet<ChartNode>, node: ChartNode): boolean {
  if (node.type === 'compound') return node.children.some((child) => active.has(child) && child.type === 'final');
  if (node.type === 'parallel') return node.children.every((child) => inFinalState(active, child));
  return false;
}

/** XState's transition domain: the state whose active descendants a transition exits. */
function domainOf(transition: ChartTransition, root: ChartNode): ChartNode {
  const { source, targets, reenter } = transition;
  if (!reenter && targets.every((target) => target === source || isWithin(target, source))) return source;
  const [head, ...tail] = [...targets, source];
  for (let ancestor = head.parent; ancestor; ancestor = ancestor.parent) {
    if (tail.every((node) => node !== ancestor && isWithin(node, ancestor))) return ancestor;
  }
  return root;
}

/** Adds the states entering `node` enters below it: a compound's initial state, a parallel state's regions. */
function addDescendants(node: ChartNode, enter: Set<ChartNode>): void {
  const defaults = node.type === 'history' ? (node.parent?.initial ?? []) : node.type === 'compound' ? node.initial : [];
  const home = node.type === 'history' ? node.parent! : node;
  for (const initial of defaults) {
    enter.add(initial);
    addDescendants(initial, enter);
    addAncestors(properAncestors(initial, home), enter);
  }
  if (node.type === 'parallel') {
    for (const region of node.children) {
      if (![...enter].some((entered) => entered !== region && isWithin(entered, region))) {
        enter.add(region);
        addDescendants(region, enter);
      }
    }
  }
}

/** The ancestors of `node` below `upTo`, nearest first. */
function properAncestors(node: ChartNode, upTo: ChartNode | undefined): ChartNode[] {
  const ancestors: ChartNode[] = [];
  for (let at = node.parent; at && at !== upTo; at = at.parent) ancestors.push(at);
  return ancestors;
}

/** Adds `ancestors` (those under `domain`) and, for a parallel one, its other regions. */
function addAncestors(ancestors: readonly ChartNode[], enter: Set<ChartNode>, domain?: ChartNode): void {
  for (const ancestor of ancestors) {
    if (!domain || (ancestor !== domain && isWithin(ancestor, domain))) enter.add(ancestor);
    if (ancestor.type !== 'parallel') continue;
    for (const region of ancestor.children) {
      if (region.type === 'history') continue;
      if (![...enter].some((entered) => entered !== region && isWithin(entered, region))) {
        enter.add(region);
        addDescendants(region, enter);
      }
    }
  }
}

/** The active states after taking `transition`, and those it exits and enters (in the order their actions run). */
function take(active: ReadonlySet<ChartNode>, transition: ChartTransition, root: ChartNode) {
  const domain = domainOf(transition, root);
  const exited = [...active].filter((node) => node !== domain && isWithin(node, domain));
  if (transition.reenter && transition.source === domain) exited.push(domain);
  const enter = new Set<ChartNode>();
  for (const target of transition.targets) {
    if (target.type !== 'history' && (transition.source !== target || transition.source !== domain || transition.reenter)) enter.add(target);
    addDescendants(target, enter);
  }
  for (const target of transition.targets) {
    const ancestors = properAncestors(target, domain);
    if (domain.type === 'parallel') ancestors.push(domain);
    addAncestors(ancestors, enter, domain);
  }
  const next = new Set([...active].filter((node) => !exited.includes(node)));
  for (const node of enter) next.add(node);
  return {
    active: next,
    exited: exited.sort((a, b) => b.index - a.index),
    entered: [...enter].sort((a, b) => a.index - b.index),
  };
}

/**
 * Follows every path of a saga, as XState and the engine would run it,
 * with every guard taken both ways: a place is the machine's active states
 * with the steps in flight (and, when the machine compensates by hand, what
 * each step did). From a place the saga can move on a reply of a step in
 * flight (a completedBy, a refusedBy or the engine's StepFailed), an `after`
 * delay of an active state, CompensationsCompleted in a `compensation()`
 * state, or any other event the machine accepts (signals, events from
 * elsewhere); eventless and done transitions come first. When the saga
 * rests, a step whose replies no active state accepts any more is given up
 * on (its outcome unknown), as the engine does (docs/architecture.md,
 * "Commands in flight and unknown outcomes").
 */
export function explorePaths(chart: SagaChart, maxStates: number): PathGraph {
  const { root, nodes, definition, failedGuards } = chart;
  const trackHistory = compensatesByHand(chart);
  const undo = undoCommands(chart);
  const steps = [...definition.steps.values()];
  const replyTypes = new Set(steps.flatMap((step) => [...step.completedBy, ...step.refusedBy].map((reply) => reply.type)));
  const external = [
    ...new Set(
      nodes.flatMap((node) =>
        node.transitions
          .filter((t) => t.kind === 'event')
          .map((t) => t.event)
          .filter((type) => (isWildcard(type) || !replyTypes.has(type)) && type !== StepFailed.type && type !== CompensationsCompleted.type),
      ),
    ),
  ];

  const states: PathState[] = [];
  const byKey = new Map<string, PathState>();
  const queue: PathState[] = [];
  const undos = new Map<string, UndoSent>();
  const replyGaps = new Map<string, ReplyGap>();
  let complete = true;

  /** The transitions an event can take where the saga is: per active leaf, up its ancestors, up to the first that has no guard. */
  const candidates = (active: ReadonlySet<ChartNode>, matches: (t: ChartTransition) => boolean): ChartTransition[] => {
    const found = new Set<ChartTransition>();
    for (const leaf of leavesOf(active)) {
      chain: for (let node: ChartNode | undefined = leaf; node; node = node.parent) {
        for (const transition of node.transitions) {
          if (!matches(transition)) continue;
          found.add(transition);
          if (transition.guard === undefined) break chain;
        }
      }
    }
    return [...found];
  };
  const leavesOf = (active: ReadonlySet<ChartNode>) =>
    [...active].filter((node) => node.type === 'atomic' || node.type === 'final' || node.type === 'history').sort((a, b) => a.index - b.index);
  /** StepFailed for `step`: not a transition guarded by another step's `failed`. */
  const stepFailedFor = (step: SagaStep<unknown>) => (t: ChartTransition) =>
    t.kind === 'event' && matchesDescriptor(t.event, StepFailed.type) && (failedGuards.get(t.guard) ?? step.name) === step.name;
  const onEvent = (type: string) => (t: ChartTransition) => t.kind === 'event' && matchesDescriptor(t.event, type);
  const internalOf = (active: ReadonlySet<ChartNode>): ChartTransition[] => [
    ...candidates(active, (t) => t.kind === 'always'),
    ...nodes
      .filter((node) => node.parent && active.has(node) && inFinalState(active, node))
      .flatMap((node) => upToUnguarded(node.transitions.filter((t) => t.kind === 'done'))),
  ];
  const accepts = (active: ReadonlySet<ChartNode>, step: SagaStep<unknown>, reply: string) =>
    candidates(active, reply === StepFailed.type ? stepFailedFor(step) : onEvent(reply)).length > 0;

  /** The place after a move (or the start): the engine gives up on the steps no state awaits once the saga rests. */
  const place = (active: Set<ChartNode>, inFlight: Map<string, StepInFlight>, history: StepOutcome[]): PathState => {
    const ended = inFinalState(active, root);
    const stable = ended || !internalOf(active).some((t) => t.guard === undefined);
    if (stable) {
      for (const [name, flight] of [...inFlight]) {
        const replies = [...flight.step.completedBy, ...flight.step.refusedBy].map((reply) => reply.type);
        const accepted = !ended && replies.some((reply) => accepts(active, flight.step, reply));
        if (!accepted) {
          if (!ended && !flight.checked) gap(flight, replies.join(', '), active, true);
          inFlight.delete(name);
          if (trackHistory) settle(history, name, 'unknown');
          continue;
        }
        for (const reply of [...replies, StepFailed.type]) if (!accepts(active, flight.step, reply)) gap(flight, reply, active, false);
        if (!flight.checked) inFlight.set(name, { ...flight, checked: true });
      }
    }
    const leaves = leavesOf(active);
    const key = [
      [...active].map((node) => node.index).sort((a, b) => a - b).join(','),
      [...inFlight.values()].map((f) => `${f.step.name}@${f.sentAt.index}${f.checked ? '' : '*'}`).sort().join(','),
      history.map((h) => `${h.step}:${h.outcome}${h.undone ? '-' : ''}`).join(','),
    ].join('|');
    const known = byKey.get(key);
    if (known) return known;
    const state: PathState = {
      id: states.length,
      active,
      leaves,
      inFlight,
      history,
      ended,
      stable,
      compensating: [...active].some((node) => node.entry.some((effect) => effect.kind === 'compensate')),
      moves: [],
    };
    states.push(state);
    byKey.set(key, state);
    if (states.length > maxStates) complete = false;
    else queue.push(state);
    return state;
  };
  const gap = (inFlight: StepInFlight, reply: string, active: ReadonlySet<ChartNode>, noneAccepted: boolean) => {
    const leaves = leavesOf(active);
    const key = `${inFlight.step.name}@${inFlight.sentAt.index}|${reply}|${leaves.map((leaf) => leaf.index).join(',')}`;
    if (!replyGaps.has(key)) replyGaps.set(key, { inFlight, reply, leaves, noneAccepted });
  };
  const settle = (history: StepOutcome[], step: string, outcome: StepOutcome['outcome']) => {
    const at = history.findIndex((h) => h.step === step);
    if (at >= 0) history.splice(at, 1);
    history.push({ step, outcome, undone: false });
  };

  /** Runs the effects of a move: steps sent go in flight, compensation commands sent by hand are recorded with the path so far. */
  const run = (effects: ReadonlyArray<{ effect: ChartEffect; at: ChartNode }>, inFlight: Map<string, StepInFlight>, history: StepOutcome[]) => {
    for (const { effect, at } of effects) {
      for (const undone of trackHistory ? undoneBy(effect, undo) : []) {
        const observed: UndoSent = { at, step: undone.name, history: [...history], inFlight: [...inFlight.keys()] };
        const key = `${at.index}|${undone.name}|${observed.history.map((h) => `${h.step}:${h.outcome}${h.undone ? '-' : ''}`)}|${observed.inFlight}`;
        if (!undos.has(key)) undos.set(key, observed);
        const entry = history.findIndex((h) => h.step === undone.name);
        if (entry >= 0) history[entry] = { ...history[entry], undone: true };
      }
      if (effect.kind === 'compensate' && trackHistory) {
        history.forEach((h, i) => (history[i] = { ...h, undone: h.outcome !== 'refused' || h.undone }));
      }
      if (effect.kind === 'step') {
        if (inFlight.has(effect.step.name) && trackHistory) settle(history, effect.step.name, 'unknown');
        inFlight.set(effect.step.name, { step: effect.step, sentAt: at, checked: false });
      }
    }
  };

  const move = (from: PathState, trigger: string, transition: ChartTransition | undefined, external: boolean, settled?: [SagaStep<unknown>, StepOutcome['outcome']]) => {
    const inFlight = new Map(from.inFlight);
    const history = [...from.history];
    if (settled) {
      inFlight.delete(settled[0].name);
      if (trackHistory) settle(history, settled[0].name, settled[1]);
    }
    let active = new Set(from.active);
    const effects: Array<{ effect: ChartEffect; at: ChartNode }> = [];
    if (transition && transition.targets.length) {
      const taken = take(from.active, transition, root);
      active = taken.active;
      for (const node of taken.exited) effects.push(...node.exit.map((effect) => ({ effect, at: node })));
      effects.push(...transition.effects.map((effect) => ({ effect, at: transition.source })));
      for (const node of taken.entered) effects.push(...node.entry.map((effect) => ({ effect, at: node })));
    } else if (transition) {
      effects.push(...transition.effects.map((effect) => ({ effect, at: transition.source })));
    }
    run(effects, inFlight, history);
    const to = place(active, inFlight, history);
    from.moves.push({ from, to, trigger, transition, external });
  };

  /** An event arrives: each transition it can take, and, when every one is guarded or there is none, nothing taken (a reply still settles its step). */
  const deliver = (from: PathState, type: string, matches: (t: ChartTransition) => boolean, settled?: [SagaStep<unknown>, StepOutcome['outcome']]) => {
    const taken = candidates(from.active, matches);
    for (const transition of taken) move(from, type, transition, true, settled);
    if (settled && taken.every((t) => t.guard !== undefined)) move(from, type, undefined, true, settled);
  };

  // The start: the machine's initial states entered, their entry actions run.
  const initial = new Set<ChartNode>([root]);
  addDescendants(root, initial);
  const startInFlight = new Map<string, StepInFlight>();
  const startHistory: StepOutcome[] = [];
  run(
    [...initial].sort((a, b) => a.index - b.index).flatMap((node) => node.entry.map((effect) => ({ effect, at: node }))),
    startInFlight,
    startHistory,
  );
  place(initial, startInFlight, startHistory);

  while (queue.length) {
    const from = queue.shift()!;
    if (from.ended) continue;
    const internal = internalOf(from.active);
    for (const transition of internal) move(from, transition.kind, transition, false);
    if (!from.stable) continue;
    for (const { step } of from.inFlight.values()) {
      for (const reply of step.completedBy) deliver(from, reply.type, onEvent(reply.type), [step, 'completed']);
      for (const reply of step.refusedBy) deliver(from, reply.type, onEvent(reply.type), [step, 'refused']);
      // An unhandled StepFailed parks the saga (contracts/reply-not-accepted says so): no move.
      for (const transition of candidates(from.active, stepFailedFor(step))) move(from, StepFailed.type, transition, true, [step, 'unknown']);
    }
    for (const node of leavesOf(from.active).flatMap((leaf) => [leaf, ...properAncestors(leaf, undefined)])) {
      for (const event of new Set(node.transitions.filter((t) => t.kind === 'after').map((t) => t.event))) {
        for (const transition of upToUnguarded(node.transitions.filter((t) => t.event === event))) {
          move(from, `after ${transition.delay}`, transition, true);
        }
      }
    }
    if (from.compensating) deliver(from, CompensationsCompleted.type, onEvent(CompensationsCompleted.type));
    for (const type of external) deliver(from, type, onEvent(type));
  }
  // A state reached through several leaves is visited once per leaf above: keep one move per transition and target.
  for (const state of states) {
    const seen = new Set<string>();
    state.moves.splice(
      0,
      state.moves.length,
      ...state.moves.filter((m) => {
        const key = `${m.trigger}|${m.transition ? nodes.indexOf(m.transition.source) + ':' + m.transition.source.transitions.indexOf(m.transition) : '-'}|${m.to.id}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      }),
    );
  }
  return { states, complete, undos: [...undos.values()], replyGaps: [...replyGaps.values()] };
}

/** Transitions in the order XState tries them, up to the first that has no guard (it is always taken). */
function upToUnguarded(transitions: readonly ChartTransition[]): ChartTransition[] {
  const end = transitions.findIndex((t) => t.guard === undefined);
  return end < 0 ? [...transitions] : transitions.slice(0, end + 1);
}
