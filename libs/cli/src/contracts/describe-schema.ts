import type { Branch, JsonSchema, SchemaDocument } from './json-schema';

const SAFE = Number.MAX_SAFE_INTEGER;

/** A value as it reads in a message: strings quoted, the rest as JSON. */
export const literal = (value: unknown) => JSON.stringify(value);

function bounds(node: Readonly<Record<string, unknown>>, integer: boolean): string[] {
  const parts: string[] = [];
  const hide = (n: unknown) => integer && (n === SAFE || n === -SAFE);
  if (typeof node.minimum === 'number' && !hide(node.minimum)) parts.push(`>= ${node.minimum}`);
  if (typeof node.exclusiveMinimum === 'number') parts.push(`> ${node.exclusiveMinimum}`);
  if (typeof node.maximum === 'number' && !hide(node.maximum)) parts.push(`<= ${node.maximum}`);
  if (typeof node.exclusiveMaximum === 'number') parts.push(`< ${node.exclusiveMaximum}`);
  if (typeof node.multipleOf === 'number') parts.push(`multiple of ${node.multipleOf}`);
  return parts;
}

function counted(node: Readonly<Record<string, unknown>>, min: string, max: string, unit: string): string | undefined {
  const low = node[min] as number | undefined;
  const high = node[max] as number | undefined;
  const units = (n: number) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (low === undefined && high === undefined) return undefined;
  if (low === high) return `exactly ${units(low!)}`;
  if (high === undefined) return `at least ${units(low!)}`;
  if (low === undefined || low === 0) return `at most ${units(high)}`;
  return `${low} to ${units(high)}`;
}

/** The discriminating constants of an object branch: `kind: "card"`. */
function constants(node: Readonly<Record<string, unknown>>): string[] {
  const properties = (node.properties ?? {}) as Record<string, Record<string, unknown> | boolean>;
  return Object.entries(properties).flatMap(([name, inner]) =>
    typeof inner === 'object' && 'const' in inner ? [`${name}: ${literal(inner.const)}`] : [],
  );
}

/** One branch in a few words: `integer > 0`, `string, at least 1 characters`, `one of "a", "b"`. */
export function describeBranch(branch: Branch): string {
  if (branch.kind === 'any') return 'any value';
  if (branch.kind === 'unread') return `a schema with ${branch.keywords.join(', ')}`;
  const { type, node, values } = branch;
  if (values) return values.length === 1 ? literal(values[0]) : `one of ${values.map(literal).join(', ')}`;
  const parts: string[] = [type];
  if (type === 'string') {
    const length = counted(node, 'minLength', 'maxLength', 'character');
    if (length) parts.push(length);
    if (typeof node.format === 'string') parts.push(`format ${node.format}`);
    else if (typeof node.pattern === 'string') parts.push(`pattern /${node.pattern}/`);
  } else if (type === 'number' || type === 'integer') {
    return [type, ...bounds(node, type === 'integer')].join(' ');
  } else if (type === 'array') {
    const count = counted(node, 'minItems', 'maxItems', 'item');
    if (count) parts.push(count);
  } else if (type === 'object') {
    const discriminators = constants(node);
    if (discriminators.length) return `object (${discriminators.join(', ')})`;
  }
  return parts.join(', ');
}

/** A schema in a few words: its branches joined by `|`. */
export function describeSchema(schema: JsonSchema, document: SchemaDocument): string {
  const branches = document.branches(schema);
  if (!branches.length) return 'nothing';
  return branches.map(describeBranch).join(' | ');
}
