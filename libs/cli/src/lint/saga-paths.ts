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
  /** No eventless or done transition must be taken first (one with no guard is enabled). */
  readonly stable: boolean;
  /**
   * The saga rests here until something happens: the eventless and done
   * transitions it could take (all guarded) were not taken. XState looks at
   * them again only after the next event it takes.
   */
  readonly resting: boolean;
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
  /** The transitions taken together (one per active leaf at most); none when a reply settled a step and no transition took it. */
  readonly transitions: readonly ChartTransition[];
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

/** The states a transition exits, of those active: the active states under its domain (and the domain, when it re-enters its own source). */
function exitSet(active: ReadonlySet<ChartNode>, transition: ChartTransition, root: ChartNode): ChartNode[] {
  if (!transition.targets.length) return [];
  const domain = domainOf(transition, root);
  const exited = [...active].filter((node) => node !== domain && isWithin(node, domain));
  if (transition.reenter && transition.source === domain) exited.push(domain);
  return exited;
}

/**
 * Of the transitions an event enables (one per active leaf, in document
 * order), those XState takes together: of two whose exit sets meet, the
 * one from the deeper source, else the first.
 */
function withoutConflicts(active: ReadonlySet<ChartNode>, enabled: readonly ChartTransition[], root: ChartNode): ChartTransition[] {
  const kept: ChartTransition[] = [];
  for (const t1 of enabled) {
    const exits1 = new Set(exitSet(active, t1, root));
    let preempted = false;
    const removed = new Set<ChartTransition>();
    for (const t2 of kept) {
      if (!exitSet(active, t2, root).some((node) => exits1.has(node))) continue;
      if (t1.source !== t2.source && isWithin(t1.source, t2.source)) removed.add(t2);
      else {
        preempted = true;
        break;
      }
    }
    if (preempted) continue;
    kept.splice(0, kept.length, ...kept.filter((t) => !removed.has(t)), t1);
  }
  return kept;
}

/** One microstep: the active states after taking `transitions` together, with the states exited and entered (in the order their actions run). */
function take(active: ReadonlySet<ChartNode>, transitions: readonly ChartTransition[], root: ChartNode) {
  const exited = new Set(transitions.flatMap((transition) => exitSet(active, transition, root)));
  const enter = new Set<ChartNode>();
  for (const transition of transitions.filter((t) => t.targets.length)) {
    const domain = domainOf(transition, root);
    for (const target of transition.targets) {
      if (target.type !== 'history' && (transition.source !== target || transition.source !== domain || transition.reenter)) enter.add(target);
      addDescendants(target, enter);
    }
    for (const target of transition.targets) {
      const ancestors = properAncestors(target, domain);
      if (domain.type === 'parallel') ancestors.push(domain);
      addAncestors(ancestors, enter, domain);
    }
  }
  const next = new Set([...active].filter((node) => !exited.has(node)));
  for (const node of enter) next.add(node);
  return {
    active: next,
    exited: [...exited].sort((a, b) => b.index - a.index),
    entered: [...enter].sort((a, b) => a.index - b.index),
  };
}

/** What a move records of a step's reply: the step it settles and how. */
type Settled = readonly [SagaStep<unknown>, StepOutcome['outcome']];

/**
 * Follows every path of a saga, as XState and the engine would run it,
 * with every guard taken both ways: a place is the machine's active states
 * with the steps in flight (and, when the machine compensates by hand, what
 * each step did). From a place the saga can move on a reply of a step in
 * flight (a completedBy, a refusedBy or the engine's StepFailed), an `after`
 * delay of an active state, CompensationsCompleted in a `compensation()`
 * state, or any other event the machine accepts (signals, events from
 * elsewhere); eventless transitions come first, then done ones. An event
 * takes one transition per active leaf, together, as XState does. When the
 * saga rests, a step whose replies no active state accepts any more is
 * given up on (its outcome unknown), as the engine does
 * (docs/architecture.md, "Commands in flight and unknown outcomes").
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

  const leavesOf = (active: ReadonlySet<ChartNode>) =>
    [...active].filter((node) => node.type === 'atomic' || node.type === 'final' || node.type === 'history').sort((a, b) => a.index - b.index);
  /** Per active leaf, the transitions an event can take from it: up its ancestors, to the first with no guard; and whether it may take none (all guarded). */
  const choicesPerLeaf = (active: ReadonlySet<ChartNode>, matches: (t: ChartTransition) => boolean) =>
    leavesOf(active).map((leaf) => {
      const found: ChartTransition[] = [];
      let forced = false;
      chain: for (let node: ChartNode | undefined = leaf; node; node = node.parent) {
        for (const transition of node.transitions) {
          if (!matches(transition)) continue;
          found.push(transition);
          if (transition.guard === undefined) {
            forced = true;
            break chain;
          }
        }
      }
      return { found, forced };
    });
  /** Whether the event can take some transition where the saga is. */
  const enables = (active: ReadonlySet<ChartNode>, matches: (t: ChartTransition) => boolean) =>
    choicesPerLeaf(active, matches).some((leaf) => leaf.found.length > 0);
  /** Whether the event must take a transition (one with no guard is enabled). */
  const forces = (active: ReadonlySet<ChartNode>, matches: (t: ChartTransition) => boolean) =>
    choicesPerLeaf(active, matches).some((leaf) => leaf.forced);
  /** The sets of transitions the event can take together, every guard taken both ways; [] when it may take none. */
  const selections = (active: ReadonlySet<ChartNode>, matches: (t: ChartTransition) => boolean): ChartTransition[][] => {
    let combos: ChartTransition[][] = [[]];
    for (const { found, forced } of choicesPerLeaf(active, matches)) {
      const options: Array<ChartTransition | undefined> = [...found, ...(forced ? [] : [undefined])];
      combos = combos.flatMap((combo) => options.map((option) => (option && !combo.includes(option) ? [...combo, option] : combo)));
    }
    const unique = new Map<string, ChartTransition[]>();
    for (const combo of combos) {
      const taken = withoutConflicts(active, combo, root);
      unique.set(taken.map((t) => `${t.source.index}:${t.source.transitions.indexOf(t)}`).join(','), taken);
    }
    return [...unique.values()];
  };
  /** StepFailed for `step`: not a transition guarded by another step's `failed`. */
  const stepFailedFor = (step: SagaStep<unknown>) => (t: ChartTransition) =>
    t.kind === 'event' && matchesDescriptor(t.event, StepFailed.type) && (failedGuards.get(t.guard) ?? step.name) === step.name;
  const onEvent = (type: string) => (t: ChartTransition) => t.kind === 'event' && matchesDescriptor(t.event, type);
  const eventless = (t: ChartTransition) => t.kind === 'always';
  const doneOf = (node: ChartNode) => (t: ChartTransition) => t.kind === 'done' && t.source === node;
  const pendingDone = (active: ReadonlySet<ChartNode>) => nodes.filter((node) => node.parent && active.has(node) && inFinalState(active, node));
  const accepts = (active: ReadonlySet<ChartNode>, step: SagaStep<unknown>, reply: string) =>
    enables(active, reply === StepFailed.type ? stepFailedFor(step) : onEvent(reply));

  /** The place after a move (or the start): the engine gives up on the steps no state awaits once the saga rests. */
  const place = (active: Set<ChartNode>, inFlight: Map<string, StepInFlight>, history: StepOutcome[], rested = false): PathState => {
    const ended = inFinalState(active, root);
    const done = pendingDone(active);
    const stable = ended || (!forces(active, eventless) && !done.some((node) => forces(active, doneOf(node))));
    const resting = ended || (stable && (rested || (!enables(active, eventless) && !done.some((node) => enables(active, doneOf(node))))));
    if (stable) {
      for (const [name, flight] of [...inFlight]) {
        const replies = [...flight.step.completedBy, ...flight.step.refusedBy].map((reply) => reply.type);
        const accepted = !ended && replies.some((reply) => accepts(active, flight.step, reply));
        if (!accepted) {
          if (!flight.checked) gap(flight, replies.join(', '), active, true);
          inFlight.delete(name);
          if (trackHistory) settle(history, name, 'unknown');
          continue;
        }
        for (const reply of [...replies, StepFailed.type]) if (!accepts(active, flight.step, reply)) gap(flight, reply, active, false);
        if (!flight.checked) inFlight.set(name, { ...flight, checked: true });
      }
    }
    const key = [
      [...active].map((node) => node.index).sort((a, b) => a - b).join(','),
      [...inFlight.values()].map((f) => `${f.step.name}@${f.sentAt.index}${f.checked ? '' : '*'}`).sort().join(','),
      history.map((h) => `${h.step}:${h.outcome}${h.undone ? '-' : ''}`).join(','),
      resting ? 'rest' : '',
    ].join('|');
    const known = byKey.get(key);
    if (known) return known;
    const state: PathState = {
      id: states.length,
      active,
      leaves: leavesOf(active),
      inFlight,
      history,
      ended,
      stable,
      resting,
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

  const move = (from: PathState, trigger: string, transitions: readonly ChartTransition[], external: boolean, settled?: Settled, rested = false) => {
    const inFlight = new Map(from.inFlight);
    const history = [...from.history];
    if (settled) {
      inFlight.delete(settled[0].name);
      if (trackHistory) settle(history, settled[0].name, settled[1]);
    }
    const taken = take(from.active, transitions, root);
    const effects: Array<{ effect: ChartEffect; at: ChartNode }> = [
      ...taken.exited.flatMap((node) => node.exit.map((effect) => ({ effect, at: node }))),
      ...transitions.flatMap((transition) => transition.effects.map((effect) => ({ effect, at: transition.source }))),
      ...taken.entered.flatMap((node) => node.entry.map((effect) => ({ effect, at: node }))),
    ];
    run(effects, inFlight, history);
    const to = place(taken.active, inFlight, history, rested);
    from.moves.push({ from, to, trigger, transitions, external });
  };

  /**
   * An event arrives: each set of transitions it can take together; when it
   * may take none, a reply still settles its step (and StepFailed parks the
   * saga: contracts/reply-not-accepted says so, no move).
   */
  const deliver = (from: PathState, type: string, matches: (t: ChartTransition) => boolean, settled?: Settled) => {
    for (const taken of selections(from.active, matches)) {
      if (taken.length) move(from, type, taken, true, settled);
      // The machine did not run: it rests as it did.
      else if (settled && type !== StepFailed.type) move(from, type, [], true, settled, from.resting);
    }
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
    if (!from.resting) {
      // Eventless transitions first; then the done events XState queued; or, every guard false, the saga rests.
      for (const taken of selections(from.active, eventless)) if (taken.length) move(from, 'always', taken, false);
      if (forces(from.active, eventless)) continue;
      for (const node of pendingDone(from.active)) {
        for (const taken of selections(from.active, doneOf(node))) if (taken.length) move(from, 'done', taken, false);
      }
      if (from.stable) move(from, 'rest', [], false, undefined, true);
      continue;
    }
    for (const { step } of from.inFlight.values()) {
      for (const reply of step.completedBy) deliver(from, reply.type, onEvent(reply.type), [step, 'completed']);
      for (const reply of step.refusedBy) deliver(from, reply.type, onEvent(reply.type), [step, 'refused']);
      deliver(from, StepFailed.type, stepFailedFor(step), [step, 'unknown']);
    }
    const afterEvents = new Map<string, string>();
    for (const node of [...from.active].sort((a, b) => a.index - b.index)) {
      for (const t of node.transitions) if (t.kind === 'after') afterEvents.set(t.event, `after ${t.delay}`);
    }
    for (const [event, trigger] of afterEvents) deliver(from, trigger, (t) => t.kind === 'after' && t.event === event);
    if (from.compensating) deliver(from, CompensationsCompleted.type, onEvent(CompensationsCompleted.type));
    for (const type of external) deliver(from, type, onEvent(type));
  }
  return { states, complete, undos: [...undos.values()], replyGaps: [...replyGaps.values()] };
}
