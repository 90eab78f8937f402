// A definition's statechart as the host lays it out (GET
// /definitions/{name}/diagram.svg: Graphviz, every state and transition
// carrying an id or class), with one saga's trail painted on it by class:
// active states, states it went through, transitions it took, armed timers.
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiText, describeError, query } from '../api';
import type { Trail } from '../chart';
import { ago } from '../format';

const svgCache = new Map<string, Promise<string>>();

function loadSvg(name: string, version: number): Promise<string> {
  const key = `${name}@${version}`;
  let svg = svgCache.get(key);
  if (!svg) {
    svg = apiText(`/definitions/${encodeURIComponent(name)}/diagram.svg${query({ version })}`);
    svg.catch(() => svgCache.delete(key));
    svgCache.set(key, svg);
  }
  return svg;
}

/** The SVG parsed as XML and stripped of anything active (scripts, handlers, outside links) before it joins the page. */
function parseSvg(text: string): SVGSVGElement {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg') throw new Error('The diagram is not an SVG document.');
  svg.querySelectorAll('script, foreignObject').forEach((node) => node.remove());
  svg.querySelectorAll('*').forEach((element) => {
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith('on')) element.removeAttribute(attribute.name);
      if ((name === 'href' || name === 'xlink:href') && !attribute.value.startsWith('#')) element.removeAttribute(attribute.name);
    }
  });
  // Fit the container's width; the viewBox keeps the proportions.
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  return document.importNode(svg, true) as unknown as SVGSVGElement;
}

const byId = (root: Element, id: string) => root.querySelector(`[id="${CSS.escape(id)}"]`);

export interface DiagramTimer {
  stateId: string;
  dueAt: string;
  label: string;
}

export function Diagram({ name, version, trail, timers = [] }: { name: string; version: number; trail?: Trail; timers?: DiagramTimer[] }) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [svg, setSvg] = useState<SVGSVGElement | null>(null);
  const [zoom, setZoom] = useState(1);

  useEffect(() => {
    let stale = false;
    setSvg(null);
    setError(null);
    loadSvg(name, version).then(
      (text) => !stale && setSvg(parseSvg(text)),
      (e) => !stale && setError(describeError(e)),
    );
    return () => void (stale = true);
  }, [name, version]);

  useEffect(() => {
    const container = host.current;
    if (!container || !svg) return;
    if (svg.parentNode !== container) container.replaceChildren(svg);
    svg.querySelectorAll('.is-active, .is-visited, .is-taken, .has-timer').forEach((el) => el.classList.remove('is-active', 'is-visited', 'is-taken', 'has-timer'));
    svg.querySelectorAll('.timer-label').forEach((el) => el.remove());
    if (trail) {
      for (const id of trail.visited) byId(svg, `state:${id}`)?.classList.add('is-visited');
      for (const id of trail.active) byId(svg, `state:${id}`)?.classList.add('is-active');
      for (const index of trail.taken) svg.querySelectorAll(`.baton-t${index}`).forEach((el) => el.classList.add('is-taken'));
    }
    for (const timer of timers) {
      const node = byId(svg, `state:${timer.stateId}`) as SVGGraphicsElement | null;
      if (!node) continue;
      node.classList.add('has-timer');
      const box = node.getBBox();
      const text = document.createElementNS('http://www.w3.org/2000/svg', 'text');
      text.setAttribute('class', 'timer-label');
      text.setAttribute('x', String(box.x + box.width + 4));
      text.setAttribute('y', String(box.y + 10));
      text.textContent = `⏱ ${timer.label} ${ago(timer.dueAt)}`;
      node.appendChild(text);
    }
  }, [svg, trail, timers]);

  if (error) return <p class="error" role="alert">The diagram could not be loaded: {error}</p>;
  return (
    <div class="diagram-frame">
      <div class="diagram-tools">
        <button type="button" onClick={() => setZoom((z) => Math.max(0.4, z - 0.2))} aria-label="Zoom out">−</button>
        <button type="button" onClick={() => setZoom(1)}>{Math.round(zoom * 100)}%</button>
        <button type="button" onClick={() => setZoom((z) => Math.min(3, z + 0.2))} aria-label="Zoom in">+</button>
        {trail && (
          <span class="legend">
            <i class="swatch active" /> current <i class="swatch visited" /> went through <i class="swatch taken" /> transition taken <i class="swatch compensation" /> compensation
          </span>
        )}
      </div>
      {!svg && <p class="muted">Laying out the statechart…</p>}
      {/* Preact renders no children here: the SVG is put in by the effect above. */}
      <div class="diagram" ref={host} style={{ width: `${zoom * 100}%` }} data-loaded={svg ? 'true' : 'false'} />
    </div>
  );
}
