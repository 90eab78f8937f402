import type { JsonSchema, JsonType, SchemaDocument } from './json-schema';
import { jsonTypeOf, typeAccepts, UnreadableSchemaError } from './json-schema';
import { sameJson } from './stable-json';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A pattern as JavaScript reads it: with the `u` flag as JSON Schema means it, without when zod wrote one `u` refuses. */
function regExpOf(pattern: string): RegExp {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return new RegExp(pattern);
  }
}

/** Keywords that assert nothing here: annotations, and `format` (an annotation in draft 2020-12; zod adds a `pattern` beside the formats it checks). */
const IGNORED = new Set(['$schema', '$id', '$comment', '$defs', 'definitions', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'format', 'contentEncoding', 'contentMediaType']);

/**
 * Whether a JSON value satisfies a schema of `document`, for the keywords
 * zod writes; a keyword it does not know throws UnreadableSchemaError (so
 * a caller never takes "not checked" for "valid").
 */
export function validates(value: unknown, schema: JsonSchema, document: SchemaDocument, depth = 0): boolean {
  if (depth > 64) throw new UnreadableSchemaError('the value or its schema nests too deep');
  if (typeof schema === 'boolean') return schema;
  const next = (inner: unknown, at: unknown) => validates(inner, at as JsonSchema, document, depth + 1);
  for (const [keyword, argument] of Object.entries(schema)) {
    if (IGNORED.has(keyword)) continue;
    const ok = (() => {
      const arg = argument as any;
      switch (keyword) {
        case '$ref':
          return next(value, document.resolve(arg));
        case 'type':
          return ([] as JsonType[]).concat(arg).some((type) => typeAccepts(type, jsonTypeOf(value)));
        case 'enum':
          return (arg as unknown[]).some((allowed) => sameJson(allowed, value));
        case 'const':
          return sameJson(arg, value);
        case 'anyOf':
          return (arg as unknown[]).some((alternative) => next(value, alternative));
        case 'oneOf':
          return (arg as unknown[]).filter((alternative) => next(value, alternative)).length === 1;
        case 'allOf':
          return (arg as unknown[]).every((part) => next(value, part));
        case 'minLength':
          return typeof value !== 'string' || value.length >= arg;
        case 'maxLength':
          return typeof value !== 'string' || value.length <= arg;
        case 'pattern':
          return typeof value !== 'string' || regExpOf(arg).test(value);
        case 'minimum':
          return typeof value !== 'number' || value >= arg;
        case 'maximum':
          return typeof value !== 'number' || value <= arg;
        case 'exclusiveMinimum':
          return typeof value !== 'number' || value > arg;
        case 'exclusiveMaximum':
          return typeof value !== 'number' || value < arg;
        case 'multipleOf':
          return typeof value !== 'number' || Number.isInteger(value / arg);
        case 'items':
          return !Array.isArray(value) || value.slice(((schema as any).prefixItems ?? []).length).every((item) => next(item, arg));
        case 'prefixItems':
          return !Array.isArray(value) || (arg as unknown[]).every((itemSchema, i) => i >= value.length || next(value[i], itemSchema));
        case 'minItems':
          return !Array.isArray(value) || value.length >= arg;
        case 'maxItems':
          return !Array.isArray(value) || value.length <= arg;
        case 'uniqueItems':
          return !Array.isArray(value) || !arg || value.every((item, i) => value.findIndex((other) => sameJson(other, item)) === i);
        case 'properties':
          return !isObject(value) || Object.entries(arg as Record<string, unknown>).every(([name, inner]) => !(name in value) || next(value[name], inner));
        case 'required':
          return !isObject(value) || (arg as string[]).every((name) => name in value);
        case 'additionalProperties': {
          if (!isObject(value)) return true;
          const declared = isObject((schema as any).properties) ? (schema as any).properties : {};
          return Object.keys(value).every((name) => name in declared || next(value[name], arg));
        }
        case 'propertyNames':
          return !isObject(value) || Object.keys(value).every((name) => next(name, arg));
        case 'minProperties':
          return !isObject(value) || Object.keys(value).length >= arg;
        case 'maxProperties':
          return !isObject(value) || Object.keys(value).length <= arg;
        default:
          // Unknown keywords are annotations in JSON Schema, but these assert, and are not read here.
          if (['not', 'if', 'then', 'else', 'contains', 'dependentRequired', 'dependentSchemas', 'dependencies', 'patternProperties', 'unevaluatedProperties', 'unevaluatedItems', '$dynamicRef'].includes(keyword)) {
            throw new UnreadableSchemaError(`the keyword ${keyword} is not read`);
          }
          return true;
      }
    })();
    if (!ok) return false;
  }
  return true;
}
