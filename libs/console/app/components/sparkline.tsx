// A small line chart of one series, drawn as SVG: enough to see a trend.

export function Sparkline({ values, label, unit = '', danger }: { values: number[]; label: string; unit?: string; danger?: (v: number) => boolean }) {
  const width = 240;
  const height = 48;
  const last = values.length ? values[values.length - 1] : undefined;
  const top = Math.max(0, ...values);
  // Scaled to at least 1, so a flat zero stays on the floor.
  const max = Math.max(1, top);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 6)).toFixed(1)}`).join(' ');
  const bad = last !== undefined && danger?.(last);
  return (
    <figure class={`spark ${bad ? 'spark-bad' : ''}`} data-metric={label}>
      <figcaption>
        <span>{label}</span>
        <strong>{last === undefined ? '—' : `${Number.isInteger(last) ? last : last.toFixed(1)}${unit}`}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`${label}, last ${values.length} samples`}>
        {values.length > 1 ? <polyline points={points} /> : <line x1="0" x2={width} y1={height - 2} y2={height - 2} />}
      </svg>
      <small class="muted">max {Number.isInteger(top) ? top : top.toFixed(1)}{unit}</small>
    </figure>
  );
}
