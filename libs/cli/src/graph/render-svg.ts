import { instance, type Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

/**
 * Lays out DOT text and answers the SVG, offline: Graphviz compiled to
 * WebAssembly (@viz-js/viz), loaded once per process.
 */
export async function renderSvg(dot: string): Promise<string> {
  viz ??= instance();
  return (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
}
