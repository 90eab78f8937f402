import { readSagaChart, sagaChartToDot, type SagaDefinition } from '@baton/core';
import { renderSvg } from './render-svg';

/**
 * The laid-out SVG of each definition, rendered once per name@version: a
 * definition does not change while a host runs, and a layout takes Graphviz
 * tens of milliseconds. A failed render is not kept, so the next request tries again.
 */
export class DefinitionDiagrams {
  private readonly rendered = new Map<string, Promise<string>>();

  svgOf(definition: SagaDefinition): Promise<string> {
    const key = `${definition.name}@${definition.version}`;
    let svg = this.rendered.get(key);
    if (!svg) {
      svg = renderSvg(sagaChartToDot(readSagaChart(definition)));
      this.rendered.set(key, svg);
      svg.catch(() => this.rendered.delete(key));
    }
    return svg;
  }
}
