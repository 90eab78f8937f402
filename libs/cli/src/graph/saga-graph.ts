import { readSagaChart, sagaChartToDot, type SagaDefinition } from '@baton/core';
import { renderSvg } from './render-svg';
import { toMermaid } from './to-mermaid';

/** What `baton graph` draws: Mermaid `stateDiagram-v2` text, Graphviz DOT text, or an SVG laid out from the DOT. */
export type GraphFormat = 'mermaid' | 'dot' | 'svg';

/** The formats, in the order `baton graph --format` lists them. */
export const GRAPH_FORMATS: readonly GraphFormat[] = ['mermaid', 'dot', 'svg'];

/**
 * A saga's statechart as text: compound states as clusters, parallel
 * regions, initial and final states, transitions with their event, guard and
 * delay, the commands states send, what undoes each step and the state that
 * runs `compensation()`, tags. Offline and deterministic: the same
 * definition gives the same text. The SVG is laid out by Graphviz compiled
 * to WebAssembly, hence a promise.
 */
export function sagaGraph(definition: SagaDefinition, format: 'svg'): Promise<string>;
export function sagaGraph(definition: SagaDefinition, format: 'mermaid' | 'dot'): string;
export function sagaGraph(definition: SagaDefinition, format: GraphFormat): string | Promise<string>;
export function sagaGraph(definition: SagaDefinition, format: GraphFormat): string | Promise<string> {
  const chart = readSagaChart(definition);
  switch (format) {
    case 'mermaid':
      return toMermaid(chart);
    case 'dot':
      return sagaChartToDot(chart);
    case 'svg':
      return renderSvg(sagaChartToDot(chart));
    default:
      throw new Error(`Unknown graph format "${String(format)}": use ${GRAPH_FORMATS.join(', ')}.`);
  }
}
