// A form generated from a message's JSON Schema (as GET /definitions/{name}
// gives it): text, number, checkbox and select fields for scalar properties,
// a fieldset per nested object, and a JSON box for what a form cannot say
// (arrays, unions). The API validates the result again and names any field it refuses.
import type { JsonSchema } from '../types';

type Value = unknown;

const typeOf = (schema: JsonSchema): string | undefined => (Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type);

/** The value a schema's form starts with. */
export function initialValue(schema: JsonSchema): Value {
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  const type = typeOf(schema);
  if (type === 'object' && schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties).map(([key, inner]) => [key, initialValue(inner)]));
  }
  if (type === 'boolean') return false;
  if (schema.enum?.length) return schema.enum[0];
  return undefined;
}

/** The payload to send: empty optional fields left out. */
export function payloadOf(schema: JsonSchema, value: Value): Value {
  const type = typeOf(schema);
  if (type === 'object' && schema.properties && value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(schema.properties)) {
      const v = payloadOf(inner, (value as Record<string, unknown>)[key]);
      if (v !== undefined && v !== '') out[key] = v;
    }
    return out;
  }
  return value;
}

function Field({ name, schema, value, required, onChange, path }: { name: string; schema: JsonSchema; value: Value; required: boolean; onChange: (v: Value) => void; path: string }) {
  const type = typeOf(schema);
  const label = (
    <span>
      {name}
      {required ? <em class="required" title="required"> *</em> : null}
      {schema.description ? <small class="muted"> — {schema.description}</small> : null}
    </span>
  );
  if (type === 'object' && schema.properties) {
    return (
      <fieldset class="schema-object">
        <legend>{label}</legend>
        <SchemaFields schema={schema} value={value} onChange={onChange} path={path} />
      </fieldset>
    );
  }
  if (schema.enum?.length) {
    return (
      <label class="field">
        {label}
        <select name={path} value={JSON.stringify(value)} onChange={(e) => onChange(JSON.parse((e.target as HTMLSelectElement).value))}>
          {schema.enum.map((option) => (
            <option key={String(option)} value={JSON.stringify(option)}>
              {String(option)}
            </option>
          ))}
        </select>
      </label>
    );
  }
  if (type === 'boolean') {
    return (
      <label class="field field-check">
        <input type="checkbox" name={path} checked={value === true} onChange={(e) => onChange((e.target as HTMLInputElement).checked)} />
        {label}
      </label>
    );
  }
  if (type === 'number' || type === 'integer') {
    return (
      <label class="field">
        {label}
        <input
          type="number"
          name={path}
          step={type === 'integer' ? 1 : 'any'}
          min={schema.minimum}
          max={schema.maximum}
          required={required}
          value={value === undefined ? '' : String(value)}
          onInput={(e) => {
            const text = (e.target as HTMLInputElement).value;
            onChange(text === '' ? undefined : Number(text));
          }}
        />
      </label>
    );
  }
  if (type === 'string') {
    return (
      <label class="field">
        {label}
        <input
          type="text"
          name={path}
          required={required}
          minLength={schema.minLength}
          maxLength={schema.maxLength}
          value={value === undefined ? '' : String(value)}
          onInput={(e) => onChange((e.target as HTMLInputElement).value)}
        />
      </label>
    );
  }
  // Arrays, unions, anything else: JSON, parsed as typed.
  return (
    <label class="field">
      {label}
      <textarea
        name={path}
        rows={3}
        class="mono"
        placeholder="JSON"
        onInput={(e) => {
          const text = (e.target as HTMLTextAreaElement).value;
          try {
            onChange(text.trim() ? JSON.parse(text) : undefined);
          } catch {
            onChange(text);
          }
        }}
      />
    </label>
  );
}

export function SchemaFields({ schema, value, onChange, path = '' }: { schema: JsonSchema; value: Value; onChange: (v: Value) => void; path?: string }) {
  const properties = Object.entries(schema.properties ?? {});
  const current = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  if (!properties.length) return <p class="muted">This message carries no fields.</p>;
  return (
    <div class="schema-fields">
      {properties.map(([key, inner]) => (
        <Field
          key={key}
          name={key}
          path={path ? `${path}.${key}` : key}
          schema={inner}
          value={current[key]}
          required={schema.required?.includes(key) ?? false}
          onChange={(v) => onChange({ ...current, [key]: v })}
        />
      ))}
    </div>
  );
}
