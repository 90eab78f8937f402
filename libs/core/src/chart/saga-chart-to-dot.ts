import type { CompensationLink, SagaChart, SagaChartState, SagaChartTransition } from './saga-chart';

// How the graph looks: one font (Graphviz's WebAssembly build measures text
// with its own Helvetica metrics, so a browser's Helvetica or Arial fits),
// top to bottom, and a colour per kind of ending.
const FONT = 'Helvetica';
const COMPENSATION_COLOUR = '#b03a2e';
const TAG_FILL: Record<string, string> = {
  compensating: '#fdf2e9',
  compensated: '#fae5d3',
  aborted: '#e5e7e9',
  failed: '#f5b7b1',
  stuck: '#f9e79f',
};
const COMPLETED_FILL = '#d5f5e3';
const FINAL_FILL = '#f2f4f4';
/** Tags that mark a state as part of a saga's unhappy ending: drawn, and classed, as compensation. */
const COMPENSATION_TAGS = new Set(['compensating', 'compensated', 'failed', 'stuck', 'aborted']);

/**
 * The SVG id of a state's node or cluster: Graphviz copies a DOT `id` to its
 * `<g>`, so a console finds the states a saga is in by their XState ids.
 */
const stateElementId = (stateId: string) => `state:${stateId}`;

/** A state's SVG classes: `baton-state baton-<kind>`, and `baton-compensation` on the unhappy path. */
function stateClasses(state: SagaChartState): string {
  const compensation = state.compensates || state.tags.some((tag) => COMPENSATION_TAGS.has(tag));
  return `baton-state baton-${state.kind}${compensation ? ' baton-compensation' : ''}`;
}

/** A transition's SVG classes, on every edge drawn for it: `baton-transition baton-t<index>`, and `baton-after` for a delay's. */
function transitionClasses(transition: SagaChartTransition): string {
  return `baton-transition baton-t${transition.index}${transition.kind === 'after' ? ' baton-after' : ''}`;
}

/** A DOT double-quoted string. */
const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Text for an HTML-like label. */
const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const small = (text: string, colour = '#34495e') => `<font point-size="10" color="${colour}">${html(text)}</font>`;

/**
 * The lines under a state's name: what its entry sends, compensation() (with
 * the compensations of steps no state's entry sends), its tags.
 */
function details(state: SagaChartState, unplaced: readonly CompensationLink[]): string[] {
  const lines = state.sends.map((sent) => small(`sends ${sent.command}`));
  if (state.compensates) {
    lines.push(`<i>${small('undo armed steps, newest first', COMPENSATION_COLOUR)}</i>`);
    lines.push(...unplaced.map((link) => small(link.label, COMPENSATION_COLOUR)));
  }
  if (state.tags.length) lines.push(small(`tags: ${state.tags.join(', ')}`, '#7b7d7d'));
  return lines;
}

const fillOf = (state: SagaChartState, topLevel: boolean) => {
  const tagged = state.tags.map((tag) => TAG_FILL[tag]).find(Boolean);
  if (tagged) return tagged;
  if (state.kind !== 'final') return '#ffffff';
  return topLevel ? COMPLETED_FILL : FINAL_FILL;
};

/** Where edges attach to a state: a node, and the cluster to clip at when the state is drawn as one. */
interface Anchor {
  readonly node: string;
  readonly cluster?: string;
}

/**
 * Writes a saga's statechart in Graphviz DOT: compound states as clusters
 * with an initial dot, parallel states as a cluster whose regions have
 * dashed borders and start from a fork bar, final states with a double
 * border, transitions labelled with their event, guard and delay, and a
 * dashed edge from each step's state to the state that runs
 * `compensation()` (`ReleaseStock undoes ReserveStock`). The same chart
 * gives the same text, so the SVG rendered from it is stable.
 *
 * For a console to highlight a saga on it, every state's node or cluster
 * has the id `state:<XState id>` and the classes `baton-state
 * baton-<kind>` (and `baton-compensation` on the unhappy path), every edge
 * of transition `i` the classes `baton-transition baton-t<i>` (and
 * `baton-after` for a delay's), and the notes of what undoes a step, with
 * their dashed edges, `baton-undo`. Graphviz copies them to the SVG's `<g>`s.
 * The root is the whole drawing: it has no element of its own.
 */
export function sagaChartToDot(chart: SagaChart): string {
  const states = new Map(chart.states.map((state) => [state.id, state]));
  const root = states.get(chart.root)!;
  const childrenOf = (state: SagaChartState) => state.children.map((id) => states.get(id)!);
  const lines: string[] = [];
  const clusterOf = (state: SagaChartState) => `cluster_${state.id}`;
  const isCluster = (state: SagaChartState) => state.kind === 'compound' || state.kind === 'parallel';
  const parentOf = new Map<string, SagaChartState>();
  for (const state of states.values()) for (const child of state.children) parentOf.set(child, state);
  const isRegion = (state: SagaChartState) => parentOf.get(state.id)?.kind === 'parallel';
  /** Which state each anchor node belongs to, to tell whether an edge stays inside a cluster. */
  const ownerOf = new Map<string, string>();

  const entryOf = (state: SagaChartState): Anchor => {
    if (state === root) return { node: `${state.id}#initial` };
    if (state.kind === 'parallel') return { node: `${state.id}#fork`, cluster: clusterOf(state) };
    if (state.kind !== 'compound') return { node: state.id };
    const initial = states.get(state.initial!)!;
    return { node: isRegion(state) ? entryOf(initial).node : `${state.id}#initial`, cluster: clusterOf(state) };
  };
  const exitOf = (state: SagaChartState): Anchor => {
    if (state === root) return { node: `${state.id}#any` };
    if (!isCluster(state)) return { node: state.id };
    // Leave from its last final child (onDone is taken there), or its last child.
    const finals = childrenOf(state).filter((child) => child.kind === 'final');
    const from = finals.at(-1) ?? childrenOf(state).at(-1)!;
    return { node: exitOf(from).node, cluster: clusterOf(state) };
  };
  /** Whether the state `id` is `state` or one of its descendants (by path: a state may have an id of its own). */
  const within = (id: string, state: SagaChartState) => {
    const path = states.get(id)!.path;
    return state.path.length <= path.length && state.path.every((key, i) => path[i] === key);
  };
  /** Whether the node belongs to `state` or one of its descendants. */
  const inside = (node: string, state: SagaChartState) => within(ownerOf.get(node) ?? node, state);

  const edge = (from: Anchor, to: Anchor, attributes: Record<string, string | boolean>, indent: string) => {
    const attrs: Record<string, string | boolean> = { ...attributes };
    const fromState = from.cluster ? states.get(from.cluster.slice('cluster_'.length))! : undefined;
    const toState = to.cluster ? states.get(to.cluster.slice('cluster_'.length))! : undefined;
    if (fromState && !inside(to.node, fromState)) attrs.ltail = from.cluster!;
    if (toState && !inside(from.node, toState)) attrs.lhead = to.cluster!;
    // The SVG class last, after what lays the edge out.
    if (typeof attrs.class === 'string') {
      const classes = attrs.class;
      delete attrs.class;
      attrs.class = classes;
    }
    const list = Object.entries(attrs).map(([key, value]) =>
      key === 'label' && typeof value === 'string' ? `label=<${value}>` : `${key}=${typeof value === 'boolean' ? value : quote(value)}`,
    );
    lines.push(`${indent}${quote(from.node)} -> ${quote(to.node)} [${list.join(', ')}];`);
  };

  /** The compensations of the steps a state's entry sends. */
  const undoneIn = (state: SagaChartState) => chart.compensations.filter((link) => link.from.includes(state.id));
  /** Compensations of steps no state's entry sends: listed on the states that run compensation(). */
  const unplaced = chart.compensations.filter((link) => !link.from.length);

  /**
   * A cluster's transitions that cannot be drawn as an edge out of it: those
   * that only run actions, and those into itself (an edge would seem to leave
   * from one of its children). They are lines of its label.
   */
  const inLabel = (state: SagaChartState) =>
    chart.transitions
      .filter((t) => t.source === state.id && (!t.targets.length || (isCluster(state) && t.targets.some((target) => within(target, state)))))
      .map((t) => {
        const targets = t.targets.map((target) => states.get(target)!.path.slice(state.path.length).join('.') || state.key);
        return small(targets.length ? `${t.label}: to ${targets.join(', ')}` : `${t.label}: actions only, stays`);
      });

  const writeNode = (state: SagaChartState, indent: string) => {
    const label =
      state.kind === 'history' ? (state.history === 'deep' ? 'H*' : 'H') : [`<b>${html(state.key)}</b>`, ...details(state, unplaced)].join('<br/>');
    const attrs: string[] = [`label=<${label}>`, `fillcolor=${quote(fillOf(state, parentOf.get(state.id) === root))}`];
    if (state.kind === 'final') attrs.push('peripheries=2');
    if (state.kind === 'history') attrs.push('shape=circle', `tooltip=${quote(`${state.key}: ${state.history} history`)}`);
    attrs.push(`id=${quote(stateElementId(state.id))}`, `class=${quote(stateClasses(state))}`);
    lines.push(`${indent}${quote(state.id)} [${attrs.join(', ')}];`);
    // Beside a step's state, a note: what undoes it (run by compensation(), newest first).
    for (const [i, link] of undoneIn(state).entries()) {
      const note = `${state.id}#undo${i || ''}`;
      lines.push(
        `${indent}${quote(note)} [shape=note, style=filled, fillcolor="#fdedec", color=${quote(COMPENSATION_COLOUR)}, fontcolor=${quote(COMPENSATION_COLOUR)}, fontsize=10, label=<${html(link.label)}>, class="baton-undo"];`,
      );
      lines.push(`${indent}{ rank=same; ${quote(state.id)}; ${quote(note)}; }`);
      lines.push(`${indent}${quote(state.id)} -> ${quote(note)} [style=dashed, color=${quote(COMPENSATION_COLOUR)}, arrowhead=none, class="baton-undo"];`);
    }
  };

  const writeCluster = (state: SagaChartState, indent: string) => {
    const inner = `${indent}  `;
    lines.push(`${indent}subgraph ${quote(clusterOf(state))} {`);
    lines.push(`${inner}id=${quote(stateElementId(state.id))}; class=${quote(stateClasses(state))};`);
    const title = `<b>${html(state.key)}</b>${state.kind === 'parallel' ? ' <i>(parallel: all regions at once)</i>' : ''}`;
    const notes = [
      ...undoneIn(state).map((link) => small(link.label, COMPENSATION_COLOUR)),
      ...inLabel(state),
    ];
    lines.push(`${inner}label=<${[title, ...details(state, unplaced), ...notes].join('<br/>')}>;`);
    const style = isRegion(state) ? 'dashed,rounded' : state.kind === 'parallel' ? 'rounded,bold' : 'rounded';
    lines.push(`${inner}style=${quote(`${style},filled`)}; fillcolor=${quote(fillOf(state, false))}; color=${quote(state.kind === 'parallel' ? '#1f618d' : '#7f8c8d')};`);
    if (state.kind === 'parallel') {
      const fork = `${state.id}#fork`;
      ownerOf.set(fork, state.id);
      lines.push(`${inner}${quote(fork)} [shape=box, label="", width=1.6, height=0.06, style=filled, fillcolor="#1f618d", color="#1f618d"];`);
    } else if (!isRegion(state)) {
      const initial = `${state.id}#initial`;
      ownerOf.set(initial, state.id);
      lines.push(`${inner}${quote(initial)} [shape=point, width=0.14, label=""];`);
    }
    for (const child of childrenOf(state)) writeState(child, inner);
    if (state.kind === 'parallel') {
      for (const region of childrenOf(state)) edge(entryOf(state), { node: entryOf(region).node }, { color: '#1f618d' }, inner);
    } else if (!isRegion(state)) {
      edge({ node: `${state.id}#initial` }, entryOf(states.get(state.initial!)!), {}, inner);
    }
    lines.push(`${indent}}`);
  };

  const writeState = (state: SagaChartState, indent: string) => (isCluster(state) ? writeCluster(state, indent) : writeNode(state, indent));

  const title = `<b>${html(chart.name)}</b> v${chart.version}${chart.description ? `<br/>${small(chart.description)}` : ''}`;
  const rootNotes = chart.transitions.filter((t) => t.source === root.id && !t.targets.length).map((t) => small(`${t.label}: actions only, stays`));
  lines.push(`digraph ${quote(chart.name)} {`);
  lines.push(
    `  graph [label=<${[title, ...rootNotes].join('<br/>')}>, labelloc=t, fontname=${quote(FONT)}, fontsize=14, rankdir=TB, compound=true, newrank=true, nodesep=0.5, ranksep=0.5, pad=0.3];`,
  );
  lines.push(`  node [shape=box, style="rounded,filled", fontname=${quote(FONT)}, fontsize=12, color="#4d5656", margin="0.15,0.06"];`);
  lines.push(`  edge [fontname=${quote(FONT)}, fontsize=10, color="#4d5656", arrowsize=0.7];`);
  const start = `${root.id}#initial`;
  ownerOf.set(start, root.id);
  lines.push(`  ${quote(start)} [shape=point, width=0.18, label=""];`);
  for (const child of childrenOf(root)) writeState(child, '  ');
  if (root.initial) edge({ node: start }, entryOf(states.get(root.initial)!), {}, '  ');

  // The machine's own transitions are taken in any state: they leave from a box saying so.
  if (chart.transitions.some((t) => t.source === root.id && t.targets.length)) {
    const any = `${root.id}#any`;
    ownerOf.set(any, root.id);
    lines.push(`  ${quote(any)} [label=<<i>in any state</i>>, style="dashed,rounded", fontsize=10];`);
  }
  for (const transition of chart.transitions) {
    const source = states.get(transition.source)!;
    const attrs: Record<string, string> = { label: html(transition.label), class: transitionClasses(transition) };
    if (transition.kind === 'after') attrs.style = 'bold';
    if (transition.kind === 'done' || transition.kind === 'always') attrs.fontcolor = '#1a5276';
    if (!transition.targets.length) {
      // A loop on the left: the right is where the note of what undoes a step goes.
      const loop = { ...attrs, label: html(`${transition.label}: stays`), tailport: 'sw', headport: 'w' };
      if (!isCluster(source) && source !== root) edge({ node: source.id }, { node: source.id }, loop, '  ');
      continue;
    }
    if (isCluster(source) && source !== root && transition.targets.some((target) => within(target, source))) continue;
    for (const target of transition.targets) edge(exitOf(source), entryOf(states.get(target)!), attrs, '  ');
  }

  lines.push('}');
  return `${lines.join('\n')}\n`;
}
