// Reading one saga against its definition's chart: which states are active,
// which it went through, which transitions it took. Pure functions of the
// API's answers (the chart, the saga's state value, its history).
import type { ChartState, ChartTransition, HistoryEntry, SagaChart } from './types';

export interface ChartIndex {
  chart: SagaChart;
  byId: Map<string, ChartState>;
  byPath: Map<string, ChartState>;
}

export function indexChart(chart: SagaChart): ChartIndex {
  const byId = new Map(chart.states.map((state) => [state.id, state]));
  const byPath = new Map(chart.states.map((state) => [state.path.join('.'), state]));
  return { chart, byId, byPath };
}

/** The leaf paths of an XState state value: "done" → ["done"]; { a: { b: "c", d: "e" } } → ["a.b.c", "a.d.e"]. */
export function leafPaths(value: unknown, prefix: string[] = []): string[] {
  if (typeof value === 'string') return [[...prefix, value].join('.')];
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length) return prefix.length ? [prefix.join('.')] : [];
    return entries.flatMap(([key, inner]) => leafPaths(inner, [...prefix, key]));
  }
  return [];
}

/** The chart's states for a state value's leaves. */
export function activeLeaves(index: ChartIndex, value: unknown): ChartState[] {
  return leafPaths(value).flatMap((path) => index.byPath.get(path) ?? []);
}

/** A state and all its ancestors, the root left out. */
export function withAncestors(index: ChartIndex, state: ChartState): ChartState[] {
  const chain: ChartState[] = [];
  for (let at: ChartState | undefined = state; at && at.id !== index.chart.root; at = at.parent ? index.byId.get(at.parent) : undefined) chain.push(at);
  return chain;
}

const isWithin = (index: ChartIndex, id: string, ancestor: string) => {
  for (let at = index.byId.get(id); at; at = at.parent ? index.byId.get(at.parent) : undefined) if (at.id === ancestor) return true;
  return false;
};

export interface Trail {
  /** Active now, with their ancestors. */
  active: Set<string>;
  /** Active at some point of the history. */
  visited: Set<string>;
  /** Transitions this saga took, by index. */
  taken: Set<number>;
}

/** Whether a history entry's input is the transition's trigger. */
function triggers(transition: ChartTransition, entry: HistoryEntry): boolean {
  if (transition.kind === 'event') return transition.event === entry.event;
  // A fired `after` timer: XState names its event xstate.after.<delay>.<state id>.
  if (transition.kind === 'after') return entry.event.startsWith('xstate.after.') && entry.event.endsWith(`.${transition.source}`);
  return false;
}

/**
 * What a saga went through, read from its history: each entry's input
 * against the transitions leaving a state it was in (`from`) that lead to a
 * state it ended in (`to`), and the eventless and onDone transitions that
 * end in `to` from states of `from` or the event transition's target.
 */
export function trailOf(index: ChartIndex, history: HistoryEntry[], current: unknown): Trail {
  const visited = new Set<string>();
  const taken = new Set<number>();
  const active = new Set(activeLeaves(index, current).flatMap((leaf) => withAncestors(index, leaf).map((s) => s.id)));
  for (const entry of history) {
    const from = activeLeaves(index, entry.from);
    const to = activeLeaves(index, entry.to);
    for (const leaf of to) for (const state of withAncestors(index, leaf)) visited.add(state.id);
    for (const leaf of from) for (const state of withAncestors(index, leaf)) visited.add(state.id);
    const toIds = new Set(to.flatMap((leaf) => withAncestors(index, leaf).map((s) => s.id)));
    const fromIds = new Set(from.flatMap((leaf) => withAncestors(index, leaf).map((s) => s.id)));
    const reaches = (t: ChartTransition) => t.targets.some((target) => toIds.has(target) || to.some((leaf) => isWithin(index, leaf.id, target)));
    const leaves = (t: ChartTransition) => fromIds.has(t.source) || t.source === index.chart.root;
    // The input's transitions out of the states it was in; those that lead where it ended, or, when none does (it
    // passed through its target within the step, as into a region's final state), each one that is alone for its source.
    const candidates = index.chart.transitions.filter((t) => triggers(t, entry) && leaves(t));
    const reaching = candidates.filter((t) => reaches(t) || !t.targets.length);
    const alone = candidates.filter((t) => candidates.filter((other) => other.source === t.source).length === 1);
    let chosen = reaching.length ? reaching : alone;
    // An input the machine has no transition for, that still moved it: the engine fed it one of its own (the
    // compensations done, a step failed). The states it left took their only transition.
    if (!chosen.length) {
      const left = index.chart.transitions.filter((t) => t.kind === 'event' && fromIds.has(t.source) && !toIds.has(t.source));
      chosen = left.filter((t) => left.filter((other) => other.source === t.source).length === 1);
    }
    const take = (transition: ChartTransition) => {
      taken.add(transition.index);
      for (const target of transition.targets) for (const state of index.byId.has(target) ? withAncestors(index, index.byId.get(target)!) : []) visited.add(state.id);
    };
    chosen.forEach(take);
    // Transitions without an input of their own, taken in the same step.
    for (const transition of index.chart.transitions) {
      if ((transition.kind === 'always' || transition.kind === 'done') && visited.has(transition.source) && reaches(transition) && !toIds.has(transition.source)) {
        take(transition);
      }
    }
  }
  for (const id of active) visited.add(id);
  return { active, visited, taken };
}

/** The state an armed `after` timer belongs to (its key is xstate.after.<delay>.<state id>), if the chart has it. */
export function timerState(index: ChartIndex, key: string): ChartState | undefined {
  if (!key.startsWith('xstate.after.')) return undefined;
  let best: ChartState | undefined;
  for (const state of index.chart.states) if (key.endsWith(`.${state.id}`) && (!best || state.id.length > best.id.length)) best = state;
  return best;
}
