/**
 * What text from outside Baton may be: the rule every boundary applies (a
 * message decoded from a broker, a REST body or query), written once here
 * (docs/wire-protocol.md, "Text"). Sagas keep what they are sent as JSON in
 * a database whose JSON and text types cannot hold U+0000 and refuse an
 * unpaired UTF-16 surrogate; such a value is refused where it arrives, with
 * the place it was found, rather than failing a transaction later.
 */

/** How deep a JSON value may nest (objects and arrays): deeper is refused. */
export const MAX_JSON_DEPTH = 64;

/** Where a value breaks the rule: a JSON pointer (RFC 6901, '' is the whole value) and what is wrong there. */
export interface UnstorableValue {
  readonly path: string;
  readonly problem: string;
}

/** U+0000, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- U+0000 is what it looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** What is wrong with one string, or undefined when it may be stored. */
export function unstorableText(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  if (found[0] === '\u0000') return `contains U+0000 (NUL) at index ${found.index}, which cannot be stored`;
  const code = found[0].charCodeAt(0).toString(16).toUpperCase();
  return `contains an unpaired surrogate U+${code} at index ${found.index} (not valid Unicode)`;
}

/**
 * The first place in a JSON value (strings and object keys) that breaks the
 * rule, or undefined. Only walks `maxDepth` levels: deeper nesting is itself
 * a finding, so a hostile value cannot exhaust the stack.
 */
export function findUnstorable(value: unknown, maxDepth = MAX_JSON_DEPTH): UnstorableValue | undefined {
  return walk(value, '', 0, maxDepth);
}

function walk(value: unknown, path: string, depth: number, maxDepth: number): UnstorableValue | undefined {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    return problem ? { path, problem } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= maxDepth) return { path, problem: `nests deeper than ${maxDepth} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], `${path}/${i}`, depth + 1, maxDepth);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const keyProblem = unstorableText(key);
    if (keyProblem) return { path: at, problem: `its key ${keyProblem}` };
    const found = walk(item, at, depth + 1, maxDepth);
    if (found) return found;
  }
  return undefined;
}

/**
 * A text Baton writes itself (an error's message, a reason) made storable:
 * U+0000 and unpaired surrogates become U+FFFD. Never for what a user sent:
 * that is refused, not altered.
 */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, '\ufffd') : text;
}
