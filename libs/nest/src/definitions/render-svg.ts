import { instance, type Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

/**
 * Lays out DOT text and answers the SVG: Graphviz compiled to WebAssembly
 * (@viz-js/viz), loaded once per process, no Graphviz binary on the host.
 * Graphviz writes every `-` as `&#45;`; in `id` and `class` values it is
 * written plainly, so the ids read as the states' ids (`state:order-fulfillment.completed`).
 */
export async function renderSvg(dot: string): Promise<string> {
  viz ??= instance();
  const svg = (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
  return svg.replace(/ (id|class)="([^"]*)"/g, (_, name: string, value: string) => ` ${name}="${value.replace(/&#45;/g, '-')}"`);
}
