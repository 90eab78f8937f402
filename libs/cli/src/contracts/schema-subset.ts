import { describeBranch, describeSchema, literal } from './describe-schema';
import type { Branch, JsonSchema, JsonType } from './json-schema';
import { SchemaDocument, typeAccepts, UnreadableSchemaError } from './json-schema';
import { sameJson } from './stable-json';
import { validates } from './validate-json';

/**
 * What a reader's schema may refuse of what a writer's schema lets through,
 * field by field. BACKWARD compares the previous version as the writer with
 * the new one as the reader, FORWARD the other way round; the rule a
 * finding names follows from the direction (see contract-findings.ts).
 */

/** The kind of thing a reader refuses. */
export type IssueKind =
  /** The reader requires a property the writer may leave out. */
  | 'required'
  /** The writer may send a property the reader's closed content model (additionalProperties: false) refuses. */
  | 'closed-model'
  /** The reader declares a property the writer's open content model lets it send with any value. */
  | 'open-model'
  /** The writer may send a JSON type the reader refuses (null included). */
  | 'type'
  /** The writer may send a number that is not whole; the reader takes integers only. */
  | 'integer'
  /** The writer may send a value outside the reader's enum or const. */
  | 'values'
  | 'length'
  | 'pattern'
  | 'format'
  | 'range'
  | 'multiple-of'
  | 'item-count'
  | 'unique-items'
  | 'property-count'
  | 'property-names'
  /** An alternative of the writer's union that no alternative of the reader's accepts. */
  | 'union'
  /** A part of the schema the comparison does not read, and that changed. */
  | 'unread';

/** One thing a reader may refuse, where, and both sides in a few words. */
export interface SchemaIssue {
  readonly kind: IssueKind;
  /** The field: `items[].sku`, `(root)` for the payload itself; `[]` an array's items, `.*` a property not declared by name. */
  readonly path: string;
  /** What the writer may send there. */
  readonly writer: string;
  /** What the reader accepts there. */
  readonly reader: string;
  /** A property's issue: whether the writer declares the property by name. */
  readonly declared?: boolean;
}

/** A schema and the document its `$ref`s resolve in. */
export interface SchemaSide {
  readonly schema: JsonSchema;
  readonly document: SchemaDocument;
}

/** `schema` as the root of its own document. */
export const sideOf = (schema: JsonSchema): SchemaSide => ({ schema, document: new SchemaDocument(schema) });

const ROOT = '(root)';
const child = (path: string, name: string) => (path === ROOT ? name : `${path}.${name}`);
const itemsOf = (path: string) => (path === ROOT ? '[]' : `${path}[]`);

type Node = Readonly<Record<string, unknown>>;
/** What a node lets through under names it does not declare: `true` for any value (absent, `true` or `{}`), `false` for nothing, else a schema. */
const extraOf = (node: Node): JsonSchema => {
  const extra = node.additionalProperties;
  if (extra === undefined || extra === true) return true;
  return typeof extra === 'object' && extra !== null && !Object.keys(extra).length ? true : (extra as JsonSchema);
};
const propertiesOf = (node: Node) => (node.properties ?? {}) as Record<string, JsonSchema>;
const requiredOf = (node: Node) => new Set((node.required ?? []) as string[]);
const OPEN = 'not declared; open content model (additionalProperties absent): any value';
const CLOSED = 'not declared; closed content model (additionalProperties: false)';

/** A lower or upper bound of a number: its value and whether it is excluded. */
interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** The tighter lower bound of a number branch (for integers, as the least integer allowed). */
function lowerOf(node: Node, integer: boolean): Bound | undefined {
  const candidates: Bound[] = [];
  if (typeof node.minimum === 'number') candidates.push({ value: node.minimum, exclusive: false });
  if (typeof node.exclusiveMinimum === 'number') candidates.push({ value: node.exclusiveMinimum, exclusive: true });
  const bounds = integer ? candidates.map((b) => ({ value: b.exclusive ? Math.floor(b.value) + 1 : Math.ceil(b.value), exclusive: false })) : candidates;
  return bounds.sort((a, b) => b.value - a.value || Number(b.exclusive) - Number(a.exclusive))[0];
}

function upperOf(node: Node, integer: boolean): Bound | undefined {
  const candidates: Bound[] = [];
  if (typeof node.maximum === 'number') candidates.push({ value: node.maximum, exclusive: false });
  if (typeof node.exclusiveMaximum === 'number') candidates.push({ value: node.exclusiveMaximum, exclusive: true });
  const bounds = integer ? candidates.map((b) => ({ value: b.exclusive ? Math.ceil(b.value) - 1 : Math.floor(b.value), exclusive: false })) : candidates;
  return bounds.sort((a, b) => a.value - b.value || Number(b.exclusive) - Number(a.exclusive))[0];
}

/** Whether the reader's lower bound lets through every value above the writer's. */
const lowerCovers = (reader: Bound | undefined, writer: Bound | undefined) =>
  !reader || (!!writer && (writer.value > reader.value || (writer.value === reader.value && (!reader.exclusive || writer.exclusive))));
const upperCovers = (reader: Bound | undefined, writer: Bound | undefined) =>
  !reader || (!!writer && (writer.value < reader.value || (writer.value === reader.value && (!reader.exclusive || writer.exclusive))));

/** Whether the reader's count range (string length, items, properties) holds every count the writer's allows. */
function countCovers(writer: Node, reader: Node, min: string, max: string): boolean {
  const writerMin = (writer[min] as number | undefined) ?? 0;
  const readerMin = (reader[min] as number | undefined) ?? 0;
  const writerMax = (writer[max] as number | undefined) ?? Infinity;
  const readerMax = (reader[max] as number | undefined) ?? Infinity;
  return readerMin <= writerMin && readerMax >= writerMax;
}

/** The writer's and the reader's schema, compared. */
class SubsetCheck {
  /** Pairs of schemas being compared further up: a recursive schema meets itself again and is taken as covered there. */
  private readonly active = new Map<JsonSchema, Set<JsonSchema>>();

  constructor(
    private readonly writer: SchemaDocument,
    private readonly reader: SchemaDocument,
  ) {}

  /** What the reader refuses of what the writer lets through at `path`. */
  compare(writerSchema: JsonSchema, readerSchema: JsonSchema, path: string): SchemaIssue[] {
    const writer = this.deref(writerSchema, this.writer);
    const reader = this.deref(readerSchema, this.reader);
    if (sameJson(writer, reader) && !JSON.stringify(writer).includes('"$ref"')) return [];
    const seen = this.active.get(writer) ?? new Set<JsonSchema>();
    if (seen.has(reader)) return [];
    this.active.set(writer, seen.add(reader));
    try {
      return this.compareBranches(this.writer.branches(writer), this.reader.branches(reader), writer, reader, path);
    } catch (error) {
      if (!(error instanceof UnreadableSchemaError)) throw error;
      return sameJson(writer, reader) ? [] : [{ kind: 'unread', path, writer: `a schema not read (${error.message})`, reader: 'a different one' }];
    } finally {
      seen.delete(reader);
    }
  }

  /** A schema that is only a `$ref` (and annotations) as the schema it points to, so a recursive schema meets the same node again. */
  private deref(schema: JsonSchema, document: SchemaDocument): JsonSchema {
    let node = schema;
    for (let hops = 0; hops < 32 && typeof node === 'object' && typeof node.$ref === 'string'; hops++) {
      const asserting = Object.keys(node).filter((k) => !['$ref', 'description', 'title', 'default', 'examples', '$comment', 'deprecated', 'readOnly', 'writeOnly'].includes(k));
      if (asserting.length) break;
      try {
        node = document.resolve(node.$ref);
      } catch {
        break;
      }
    }
    return node;
  }

  private compareBranches(writerBranches: Branch[], readerBranches: Branch[], writer: JsonSchema, reader: JsonSchema, path: string): SchemaIssue[] {
    if (readerBranches.some((branch) => branch.kind === 'any')) return [];
    const issues: SchemaIssue[] = [];
    const readerText = () => describeSchema(reader, this.reader);
    for (const branch of writerBranches) {
      if (branch.kind === 'any') {
        issues.push({ kind: 'type', path, writer: 'any value', reader: readerText() });
        continue;
      }
      if (branch.kind === 'unread') {
        const same = readerBranches.some((other) => other.kind === 'unread' && sameJson(other.node, branch.node));
        if (!same) issues.push({ kind: 'unread', path, writer: describeBranch(branch), reader: readerText() });
        continue;
      }
      const candidates = readerBranches.filter(
        (other): other is Extract<Branch, { kind: 'typed' }> =>
          other.kind === 'typed' && (typeAccepts(other.type, branch.type) || (other.type === 'integer' && branch.type === 'number')),
      );
      if (!candidates.length) {
        const refused = writerBranches.length > 1 ? ` (refuses ${describeBranch(branch)})` : '';
        issues.push({ kind: 'type', path, writer: describeSchema(writer, this.writer), reader: `${readerText()}${refused}` });
        continue;
      }
      if (branch.values) {
        issues.push(...this.valuesIssues(branch, candidates, path));
        continue;
      }
      const sameType = (b: Branch) => b.kind === 'typed' && b.type === branch.type;
      const union = writerBranches.filter(sameType).length > 1 || candidates.length > 1;
      issues.push(...this.bestOf(branch, candidates, path, readerText, union));
    }
    return issues;
  }

  /** Every value of an enum or const must pass one of the reader's branches of its type. */
  private valuesIssues(branch: Extract<Branch, { kind: 'typed' }>, candidates: Extract<Branch, { kind: 'typed' }>[], path: string): SchemaIssue[] {
    const refused = branch.values!.filter((value) => !candidates.some((candidate) => validates(value, candidate.node, this.reader)));
    if (!refused.length) return [];
    const reader = candidates.map(describeBranch).join(' | ');
    return [{ kind: 'values', path, writer: describeBranch(branch), reader: `${reader} (refuses ${refused.map(literal).join(', ')})` }];
  }

  /**
   * A writer's branch against the reader's branches of its type: covered if
   * one of them covers it; else the issues of the closest one (for objects,
   * the alternatives whose constants agree with the writer's: the other
   * arm of a discriminated union is not the one it changed into).
   */
  private bestOf(branch: Extract<Branch, { kind: 'typed' }>, candidates: Extract<Branch, { kind: 'typed' }>[], path: string, readerText: () => string, union: boolean): SchemaIssue[] {
    const results = candidates.map((candidate) => this.typedIssues(branch, candidate, path));
    if (results.some((issues) => !issues.length)) return [];
    if (!union) return results[0];
    const discriminated = candidates.map((candidate) => this.discriminatorsAgree(branch.node, candidate.node));
    const pool = results.filter((_, i) => discriminated[i]);
    if (!pool.length) return [{ kind: 'union', path, writer: describeBranch(branch), reader: readerText() }];
    return pool.sort((a, b) => a.length - b.length)[0];
  }

  /** Whether the constants two object schemas both fix (a discriminator) have a value in common. */
  private discriminatorsAgree(writer: Node, reader: Node): boolean {
    const writerProperties = propertiesOf(writer);
    const readerProperties = propertiesOf(reader);
    return Object.entries(writerProperties).every(([name, schema]) => {
      const other = readerProperties[name];
      if (typeof schema !== 'object' || typeof other !== 'object' || !('const' in schema || 'enum' in schema) || !('const' in other || 'enum' in other)) return true;
      const valuesOf = (s: Node) => ('const' in s ? [s.const] : (s.enum as unknown[]));
      return valuesOf(schema).some((value) => valuesOf(other).some((candidate) => sameJson(value, candidate)));
    });
  }

  /** What the reader's branch refuses of the writer's branch of the same JSON type (or number against integer). */
  private typedIssues(writer: Extract<Branch, { kind: 'typed' }>, reader: Extract<Branch, { kind: 'typed' }>, path: string): SchemaIssue[] {
    const w = writer.node;
    const r = reader.node;
    const issue = (kind: IssueKind): SchemaIssue => ({ kind, path, writer: describeBranch(writer), reader: describeBranch(reader) });
    if (reader.values) {
      const finite: Partial<Record<JsonType, unknown[]>> = { boolean: [true, false], null: [null] };
      const all = finite[writer.type];
      return all && all.every((value) => reader.values!.some((allowed) => sameJson(allowed, value))) ? [] : [issue('values')];
    }
    switch (writer.type) {
      case 'string': {
        const issues: SchemaIssue[] = [];
        if (!countCovers(w, r, 'minLength', 'maxLength')) issues.push(issue('length'));
        if (r.format !== undefined && r.format !== w.format) issues.push(issue('format'));
        else if (r.pattern !== undefined && r.pattern !== w.pattern) issues.push(issue('pattern'));
        return issues;
      }
      case 'number':
      case 'integer': {
        if (reader.type === 'integer' && writer.type === 'number') return [issue('integer')];
        const integer = writer.type === 'integer';
        const issues: SchemaIssue[] = [];
        if (!lowerCovers(lowerOf(r, integer), lowerOf(w, integer)) || !upperCovers(upperOf(r, integer), upperOf(w, integer))) issues.push(issue('range'));
        const step = r.multipleOf as number | undefined;
        const writerStep = (w.multipleOf as number | undefined) ?? (integer ? 1 : undefined);
        if (step !== undefined && !(writerStep !== undefined && Number.isInteger(writerStep / step))) issues.push(issue('multiple-of'));
        return issues;
      }
      case 'array':
        return this.arrayIssues(w, r, path, issue);
      case 'object':
        return this.objectIssues(w, r, path, issue);
      default:
        return [];
    }
  }

  private arrayIssues(w: Node, r: Node, path: string, issue: (kind: IssueKind) => SchemaIssue): SchemaIssue[] {
    const issues: SchemaIssue[] = [];
    if (!countCovers(w, r, 'minItems', 'maxItems')) issues.push(issue('item-count'));
    if (r.uniqueItems === true && w.uniqueItems !== true) issues.push(issue('unique-items'));
    const writerPrefix = (w.prefixItems ?? []) as JsonSchema[];
    const readerPrefix = (r.prefixItems ?? []) as JsonSchema[];
    const writerItems = (w.items ?? true) as JsonSchema;
    const readerItems = (r.items ?? true) as JsonSchema;
    for (let i = 0; i < Math.max(writerPrefix.length, readerPrefix.length); i++) {
      issues.push(...this.compare(writerPrefix[i] ?? writerItems, readerPrefix[i] ?? readerItems, path === ROOT ? `[${i}]` : `${path}[${i}]`));
    }
    issues.push(...this.compare(writerItems, readerItems, itemsOf(path)));
    return issues;
  }

  private objectIssues(w: Node, r: Node, path: string, issue: (kind: IssueKind) => SchemaIssue): SchemaIssue[] {
    const issues: SchemaIssue[] = [];
    if (!countCovers(w, r, 'minProperties', 'maxProperties')) issues.push(issue('property-count'));
    const writerProperties = propertiesOf(w);
    const readerProperties = propertiesOf(r);
    const writerRequired = requiredOf(w);
    const readerRequired = requiredOf(r);
    const writerExtra = extraOf(w);
    const readerExtra = extraOf(r);
    const names = [...new Set([...Object.keys(writerProperties), ...Object.keys(readerProperties), ...writerRequired, ...readerRequired])];
    for (const name of names) {
      const at = child(path, name);
      const written = writerProperties[name];
      const read = readerProperties[name];
      if (readerRequired.has(name) && !writerRequired.has(name)) {
        issues.push({ kind: 'required', path: at, writer: written === undefined ? 'absent' : `optional ${describeSchema(written, this.writer)}`, reader: `required ${read === undefined ? 'any value' : describeSchema(read, this.reader)}`, declared: written !== undefined });
      }
      const sent = written ?? writerExtra;
      const accepted = read ?? readerExtra;
      if (sent === false) continue;
      if (accepted === false) {
        issues.push({ kind: 'closed-model', path: at, writer: written === undefined ? 'any value (open content model)' : describeSchema(written, this.writer), reader: CLOSED, declared: written !== undefined });
        continue;
      }
      const found = this.compare(sent, accepted, at);
      if (found.length && written === undefined && writerExtra === true) {
        // A property the writer leaves out and the reader requires is reported as such, once.
        if (!readerRequired.has(name)) issues.push({ kind: 'open-model', path: at, writer: OPEN, reader: describeSchema(accepted, this.reader), declared: false });
      } else {
        issues.push(...found);
      }
    }
    if (writerExtra !== false) {
      const at = child(path, '*');
      if (readerExtra === false) issues.push({ kind: 'closed-model', path: at, writer: 'other properties (open content model)', reader: CLOSED, declared: false });
      else issues.push(...this.compare(writerExtra, readerExtra, at));
      if (r.propertyNames !== undefined) issues.push(...this.namesIssues((w.propertyNames ?? { type: 'string' }) as JsonSchema, r.propertyNames as JsonSchema, path));
    } else if (r.propertyNames !== undefined) {
      const refused = Object.keys(writerProperties).filter((name) => !validates(name, r.propertyNames as JsonSchema, this.reader));
      if (refused.length) issues.push({ kind: 'property-names', path, writer: `properties ${refused.map(literal).join(', ')}`, reader: `property names ${describeSchema(r.propertyNames as JsonSchema, this.reader)}` });
    }
    return issues;
  }

  private namesIssues(writer: JsonSchema, reader: JsonSchema, path: string): SchemaIssue[] {
    return this.compare(writer, reader, `${path === ROOT ? '' : path}{}`).map((found) => ({ ...found, kind: 'property-names', path, writer: `property names ${found.writer}`, reader: `property names ${found.reader}` }));
  }
}

/** What `reader` refuses of what `writer` lets through (each schema the root of its own document): empty when it reads everything written. */
export function schemaIssues(writer: SchemaSide, reader: SchemaSide): SchemaIssue[] {
  return new SubsetCheck(writer.document, reader.document).compare(writer.schema, reader.schema, ROOT);
}
