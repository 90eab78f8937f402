// JSON as collapsible <details>: objects and arrays fold, values are text
// nodes (never markup), so whatever a saga carries is shown, not run.

function Value({ value, name, depth }: { value: unknown; name?: string; depth: number }) {
  const label = name !== undefined ? <span class="json-key">{name}: </span> : null;
  if (value === null || typeof value !== 'object') {
    const kind = value === null ? 'null' : typeof value;
    return (
      <div class="json-leaf">
        {label}
        <span class={`json-${kind}`}>{value === undefined ? 'undefined' : JSON.stringify(value)}</span>
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <details class="json-node" open={depth < 2}>
      <summary>
        {label}
        <span class="json-summary">{summary}</span>
      </summary>
      <div class="json-children">
        {entries.map(([key, inner]) => (
          <Value key={key} name={key} value={inner} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}

export function JsonTree({ value, title }: { value: unknown; title: string }) {
  return (
    <details class="json-block" open>
      <summary class="json-title">{title}</summary>
      {value === undefined ? <p class="muted">none</p> : <Value value={value} depth={0} />}
    </details>
  );
}
