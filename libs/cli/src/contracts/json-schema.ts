/**
 * The JSON Schema a snapshot holds, as zod writes it (draft 2020-12), read
 * by the comparison: `$ref`s resolved against the document they belong to,
 * and each schema split into branches, one per JSON type it accepts.
 */

/** A JSON Schema: `true` (anything), `false` (nothing), or an object of keywords. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** The JSON types a schema's `type` names. */
export type JsonType = 'null' | 'boolean' | 'string' | 'number' | 'integer' | 'array' | 'object';

/** Keywords that assert something this reading does not follow; a schema that uses one is compared as a whole. */
const UNREAD = ['not', 'if', 'then', 'else', 'contains', 'minContains', 'maxContains', 'dependentRequired', 'dependentSchemas', 'dependencies', 'unevaluatedProperties', 'unevaluatedItems', 'patternProperties', '$dynamicRef', '$recursiveRef'];

/** Keywords that hold for one JSON type only. */
const TYPE_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'properties', 'required', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties'];

/** Keywords that combine or point to other schemas, handled before the type's own. */
const STRUCTURE = ['$ref', 'anyOf', 'oneOf', 'allOf', 'type', 'enum', 'const'];

/** A schema the comparison cannot read: unknown `$ref`, a cycle of references. */
export class UnreadableSchemaError extends Error {}

/** One way a value may satisfy a schema: anything, one JSON type (with its keywords, maybe a list of values), or a schema not read. */
export type Branch =
  | { readonly kind: 'any' }
  | { readonly kind: 'typed'; readonly type: JsonType; readonly node: Readonly<Record<string, unknown>>; readonly values?: readonly unknown[] }
  | { readonly kind: 'unread'; readonly node: JsonSchema; readonly keywords: readonly string[] };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The JSON type of a value (numbers as "number", "integer" when whole). */
export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as JsonType;
  return 'object';
}

/** Whether `type` accepts a value of JSON type `valueType`. */
export function typeAccepts(type: JsonType, valueType: JsonType): boolean {
  return type === valueType || (type === 'number' && valueType === 'integer');
}

/** A JSON Schema document: its root, against which its `$ref`s resolve. */
export class SchemaDocument {
  constructor(readonly root: JsonSchema) {}

  /** The schema a `$ref` of this document points to (`#`, `#/$defs/Name`, any JSON pointer into it). */
  resolve(ref: string): JsonSchema {
    if (!ref.startsWith('#')) throw new UnreadableSchemaError(`the reference ${ref} points outside the schema`);
    let target: unknown = this.root;
    for (const raw of ref.slice(1).split('/').slice(1)) {
      const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) || Array.isArray(target) ? (target as Record<string, unknown>)[segment] : undefined;
    }
    if (typeof target !== 'boolean' && !isObject(target)) throw new UnreadableSchemaError(`the reference ${ref} points to nothing`);
    return target as JsonSchema;
  }

  /**
   * The branches of `schema`: an empty list accepts nothing. `$ref`s are
   * followed, `anyOf`/`oneOf` give one branch per alternative (`oneOf` read
   * as `anyOf`: a value two alternatives accept is taken as accepted),
   * `enum`/`const` a branch per JSON type of their values.
   */
  branches(schema: JsonSchema, depth = 0): Branch[] {
    if (depth > 32) throw new UnreadableSchemaError('its references go round in a cycle');
    if (schema === true) return [{ kind: 'any' }];
    if (schema === false) return [];
    const node = schema as Record<string, unknown>;
    const asserted = Object.keys(node).filter((keyword) => STRUCTURE.includes(keyword) || TYPE_KEYWORDS.includes(keyword) || UNREAD.includes(keyword));
    const unread = asserted.filter((keyword) => UNREAD.includes(keyword));
    if (unread.length) return [{ kind: 'unread', node: schema, keywords: unread }];
    if (typeof node.$ref === 'string') {
      if (asserted.length > 1) return [{ kind: 'unread', node: schema, keywords: ['$ref beside other keywords'] }];
      return this.branches(this.resolve(node.$ref), depth + 1);
    }
    if (Array.isArray(node.allOf)) {
      if (node.allOf.length === 1 && asserted.length === 1) return this.branches(node.allOf[0] as JsonSchema, depth + 1);
      return [{ kind: 'unread', node: schema, keywords: ['allOf'] }];
    }
    const alternatives = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
    if (Array.isArray(alternatives)) {
      if (asserted.length > 1) return [{ kind: 'unread', node: schema, keywords: ['anyOf/oneOf beside other keywords'] }];
      return alternatives.flatMap((alternative) => this.branches(alternative, depth + 1));
    }
    const types = node.type === undefined ? undefined : ([] as JsonType[]).concat(node.type as JsonType);
    const values = 'const' in node ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
    if (values) {
      const byType = new Map<JsonType, unknown[]>();
      for (const value of values) {
        const valueType = jsonTypeOf(value);
        const type = types ? types.find((t) => typeAccepts(t, valueType)) : valueType === 'integer' ? 'number' : valueType;
        if (type) byType.set(type, [...(byType.get(type) ?? []), value]);
      }
      return [...byType].map(([type, typed]) => ({ kind: 'typed', type, node, values: typed }));
    }
    if (types) return types.map((type) => ({ kind: 'typed', type, node }));
    if (asserted.length) return [{ kind: 'unread', node: schema, keywords: ['keywords without a type'] }];
    return [{ kind: 'any' }];
  }
}
