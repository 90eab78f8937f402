import type { SagaChart, SagaChartState } from '@baton/core';

// Fills per tag, as in the DOT output (to-dot.ts).
const TAG_CLASSES: Record<string, string> = {
  compensating: 'fill:#fdf2e9,stroke:#b03a2e',
  compensated: 'fill:#fae5d3,stroke:#b03a2e',
  aborted: 'fill:#e5e7e9,stroke:#4d5656',
  failed: 'fill:#f5b7b1,stroke:#b03a2e',
  stuck: 'fill:#f9e79f,stroke:#7d6608',
};

/** Text Mermaid takes in a label or note: no line breaks, and none of the characters its parser splits on. */
const text = (value: string) => value.replace(/[\r\n]+/g, ' ').replace(/;/g, ',').replace(/#/g, 'no. ').replace(/[{}]/g, '');

/**
 * Writes a saga's statechart as a Mermaid `stateDiagram-v2`: compound states
 * as composite states, the regions of a parallel state separated by `--`,
 * `[*]` for initial and final states, transitions labelled with their event,
 * guard and delay, and description lines on a state: the commands its
 * entry sends, what undoes each of its steps, compensation(), its tags. Every state
 * has an id made of its path (`securing_stock_reserving`), since Mermaid's
 * ids are global and two regions may both have a `refused`.
 */
export function toMermaid(chart: SagaChart): string {
  const states = new Map(chart.states.map((state) => [state.id, state]));
  const root = states.get(chart.root)!;
  const childrenOf = (state: SagaChartState) => state.children.map((id) => states.get(id)!);
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const state of chart.states) {
    if (state === root) continue;
    const base = `${state.path.join('_').replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = /^[A-Za-z]/.test(base) ? base : `s_${base}`;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(state.id, id);
  }
  // The machine's own transitions are taken in any state: they leave from a state saying so.
  let anyState = 'in_any_state';
  for (let n = 2; used.has(anyState); n++) anyState = `in_any_state_${n}`;
  ids.set(root.id, anyState);
  const idOf = (state: string) => ids.get(state)!;
  const lines: string[] = [];

  const descriptions = (state: SagaChartState): string[] => [
    ...state.sends.map((sent) => `sends ${sent.command}`),
    ...chart.compensations.filter((link) => link.from.includes(state.id)).map((link) => link.label),
    ...(state.compensates ? ['undo armed steps, newest first'] : []),
    ...chart.compensations.filter((link) => state.compensates && !link.from.length).map((link) => link.label),
    ...(state.tags.length ? [`tags: ${state.tags.join(', ')}`] : []),
  ];
  const notes = (state: SagaChartState): string[] =>
    chart.transitions.filter((t) => t.source === state.id && !t.targets.length && state.children.length).map((t) => `${t.label}: actions only, stays`);

  const writeState = (state: SagaChartState, indent: string) => {
    const id = idOf(state.id);
    const composite = state.children.length > 0;
    const name =
      state.kind === 'parallel' ? `${state.key} (parallel)` : state.kind === 'history' ? `${state.key} (${state.history === 'deep' ? 'deep ' : ''}history)` : state.key;
    if (!composite) {
      lines.push(`${indent}state "${text(name)}" as ${id}`);
    } else {
      lines.push(`${indent}state "${text(name)}" as ${id} {`);
      const inner = `${indent}  `;
      if (state.kind === 'parallel') {
        childrenOf(state).forEach((region, i) => {
          if (i) lines.push(`${inner}--`);
          writeState(region, inner);
        });
      } else {
        lines.push(`${inner}[*] --> ${idOf(state.initial!)}`);
        for (const child of childrenOf(state)) writeState(child, inner);
      }
      lines.push(`${indent}}`);
    }
    // A composite state shows no description in Mermaid: its lines go in a note.
    const described = descriptions(state);
    if (!composite) for (const line of described) lines.push(`${indent}${id} : ${text(line)}`);
    const noted = composite ? [...described, ...notes(state)] : notes(state);
    if (noted.length) lines.push(`${indent}note right of ${id}`, ...noted.map((line) => `${indent}  ${text(line)}`), `${indent}end note`);
    if (state.kind === 'final') lines.push(`${indent}${id} --> [*]`);
    const tagged = state.tags.find((tag) => TAG_CLASSES[tag]);
    if (tagged) lines.push(`${indent}class ${id} ${tagged}`);
  };

  lines.push('---', `title: ${JSON.stringify(`${chart.name} v${chart.version}`)}`, '---', 'stateDiagram-v2');
  if (chart.description) lines.push(`  %% ${text(chart.description)}`);
  if (root.initial) lines.push(`  [*] --> ${idOf(root.initial)}`);
  for (const child of childrenOf(root)) writeState(child, '  ');
  const machineWide = chart.transitions.filter((t) => t.source === root.id);
  if (machineWide.length) lines.push(`  state "in any state" as ${anyState}`);
  for (const t of machineWide.filter((t) => !t.targets.length)) lines.push(`  ${anyState} : ${text(`${t.label}: actions only, stays`)}`);
  // Transitions after every state is declared: Mermaid declares a state where it is first named.
  for (const transition of chart.transitions) {
    const source = states.get(transition.source)!;
    if (!transition.targets.length) {
      if (!source.children.length && source !== root) lines.push(`  ${idOf(source.id)} --> ${idOf(source.id)} : ${text(`${transition.label}: stays`)}`);
      continue;
    }
    for (const target of transition.targets) {
      if (target === root.id) continue;
      lines.push(`  ${idOf(source.id)} --> ${idOf(target)} : ${text(transition.label)}`);
    }
  }
  for (const [tag, style] of Object.entries(TAG_CLASSES)) {
    if (chart.states.some((state) => state.tags.includes(tag))) lines.push(`  classDef ${tag} ${style}`);
  }
  return `${lines.join('\n')}\n`;
}
