/**
 * Where a value would change on its way through JSON (`JSON.stringify` then
 * `JSON.parse`), as a JSON pointer and what is lost there, or undefined when
 * it comes back the same. A property whose value is `undefined` counts as
 * kept: it reads the same as a missing one. The harness checks every
 * snapshot and runtime with it, because the host stores them as JSON
 * (docs/architecture.md, "The step: decide, then write").
 */
export function jsonLoss(value: unknown): string | undefined {
  const at: string[] = [];
  const problem = lossIn(value, at);
  return problem && `${at.length ? at.reverse().join('') : '/'}: ${problem}`;
}

/** What is lost in `value`, if anything; `at` gets the way to it, innermost first (kept cheap: it is built only on a loss). */
function lossIn(value: unknown, at: string[]): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${value} becomes null`;
    case 'undefined':
      return 'undefined is dropped';
    case 'bigint':
      return 'a bigint cannot be written as JSON';
    case 'function':
    case 'symbol':
      return `a ${typeof value} is dropped`;
  }
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const problem =
        item === undefined || typeof item === 'function' || typeof item === 'symbol' ? `${String(item)} becomes null` : lossIn(item, at);
      if (problem) {
        at.push(`/${i}`);
        return problem;
      }
    }
    return undefined;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    return `a ${(value as object).constructor?.name ?? 'object'} comes back as ${value instanceof Date ? 'a string' : 'a plain object'}`;
  }
  for (const key in value as object) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (item === undefined) continue;
    const problem = lossIn(item, at);
    if (problem) {
      at.push(`/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      return problem;
    }
  }
  return undefined;
}
