import { z } from 'zod';

/** A JSON Schema object, as the AsyncAPI document holds it. */
export type JsonSchema = Record<string, unknown>;

/** A payload schema, and the schemas it refers to by `#/components/schemas/<id>`. */
export interface PayloadSchema {
  readonly payload: JsonSchema;
  readonly schemas: Record<string, JsonSchema>;
}

/** A component id AsyncAPI accepts (^[a-zA-Z0-9.\-_]+$): other characters become `_`. */
export const componentId = (text: string) => text.replace(/[^a-zA-Z0-9._-]/g, '_');

const schemaRef = (id: string) => `#/components/schemas/${id}`;

/** A JSON pointer's segment as the name it stands for. */
function pointerSegment(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // not percent-encoded after all
  }
  return decoded.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `value` with every `$ref` replaced by what `rewrite` makes of it. */
function withRefs(value: unknown, rewrite: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => withRefs(item, rewrite));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, inner]) => [name, name === '$ref' && typeof inner === 'string' ? rewrite(inner) : withRefs(inner, rewrite)]),
  );
}

/**
 * A contract's payload as JSON Schema draft-07, the base of AsyncAPI's
 * Schema Object: the form a receiver accepts (zod's input side), with what
 * JSON Schema cannot say left open, as GET /definitions shows contracts.
 * What zod puts under `definitions` (a schema with an id, a recursive one)
 * moves to `schemas` as `<id>.<name>`, and so does the payload itself when
 * it refers to itself: a `#/...` reference inside the AsyncAPI document
 * points into the document, not into the payload.
 */
export function payloadSchema(schema: z.ZodType, id: string): PayloadSchema {
  const generated = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const { $schema: _dialect, definitions, ...root } = generated as JsonSchema & { definitions?: Record<string, JsonSchema> };
  let selfReferring = false;
  const rewrite = (ref: string) => {
    if (ref === '#') {
      selfReferring = true;
      return schemaRef(id);
    }
    const definition = /^#\/definitions\/(.+)$/.exec(ref);
    return definition ? schemaRef(`${id}.${componentId(pointerSegment(definition[1]))}`) : ref;
  };
  const payload = withRefs(root, rewrite) as JsonSchema;
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, definition] of Object.entries(definitions ?? {})) {
    schemas[`${id}.${componentId(name)}`] = withRefs(definition, rewrite) as JsonSchema;
  }
  if (!selfReferring) return { payload, schemas };
  schemas[id] = payload;
  return { payload: { $ref: schemaRef(id) }, schemas };
}
