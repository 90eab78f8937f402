import { useState } from 'preact/hooks';

/** The ids ticked in a list, for a batch action. */
export function useSelection() {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  return { selected, toggle, set: (ids: Iterable<string>) => setSelected(new Set(ids)), clear: () => setSelected(new Set()) };
}
