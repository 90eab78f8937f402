/**
 * A saga's state value as its active leaf states, each a dot-joined path:
 * `'done'` → `['done']`, `{ securing: { stock: 'reserving', payment: 'authorizing' } }`
 * (a parallel state) → `['securing.payment.authorizing', 'securing.stock.reserving']`,
 * one path per region, sorted. Null or another shape gives no path.
 */
export function statePaths(value: unknown): string[] {
  const paths: string[] = [];
  const walk = (node: unknown, prefix: string) => {
    if (typeof node === 'string') paths.push(prefix + node);
    else if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      const entries = Object.entries(node as Record<string, unknown>);
      // A compound state whose child is not settled yet ({ a: {} }) is itself the leaf.
      if (!entries.length && prefix) paths.push(prefix.slice(0, -1));
      for (const [key, child] of entries) walk(child, `${prefix}${key}.`);
    }
  };
  walk(value, '');
  return paths.sort();
}
