import type { Branch, JsonSchema } from './json-schema';
import { UnreadableSchemaError } from './json-schema';
import type { SchemaSide } from './schema-subset';
import { validates } from './validate-json';

/** A schema this generator cannot make a value for (a pattern of its own, a keyword it does not read). */
class NoSample extends Error {}

/** A value for each string format zod writes, valid under the pattern zod puts beside it. */
const FORMATS: Record<string, string> = {
  email: 'someone@example.com',
  uuid: '00000000-0000-4000-8000-000000000000',
  guid: '00000000-0000-4000-8000-000000000000',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  'date-time': '2024-01-01T00:00:00Z',
  date: '2024-01-01',
  time: '00:00:00',
  duration: 'P1D',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  cuid: 'cjld2cjxh0000qzrmn831i7rn',
  cuid2: 'tz4a98xxat96iws9zmbrgj3a',
  ulid: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  nanoid: 'V1StGXR8_Z5jdHi6B-myT',
  base64: 'c2FtcGxl',
  base64url: 'c2FtcGxl',
  emoji: '😀',
  e164: '+4930123456',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo',
};

type Depth = 'minimal' | 'full';

class SampleMaker {
  constructor(private readonly side: SchemaSide) {}

  make(schema: JsonSchema, depth: Depth, level = 0): unknown {
    if (level > 16) throw new NoSample('it nests too deep');
    const branches = this.side.document.branches(schema);
    if (!branches.length) throw new NoSample('part of it accepts nothing');
    const nonNull = branches.filter((b) => !(b.kind === 'typed' && b.type === 'null'));
    const branch: Branch =
      depth === 'minimal' ? (branches.find((b) => b.kind === 'typed' && b.type === 'null') ?? branches[0]) : (nonNull[nonNull.length - 1] ?? branches[0]);
    if (branch.kind === 'any') return depth === 'minimal' ? null : 'sample';
    if (branch.kind === 'unread') throw new NoSample(`it uses ${branch.keywords.join(', ')}`);
    if (branch.values) return depth === 'minimal' ? branch.values[0] : branch.values[branch.values.length - 1];
    const node = branch.node;
    switch (branch.type) {
      case 'null':
        return null;
      case 'boolean':
        return depth === 'full';
      case 'string':
        return this.string(node, depth);
      case 'number':
      case 'integer':
        return this.number(node, branch.type, depth);
      case 'array': {
        const prefix = ((node.prefixItems ?? []) as JsonSchema[]).map((item) => this.make(item, depth, level + 1));
        const items = (node.items ?? true) as JsonSchema;
        const min = (node.minItems as number | undefined) ?? 0;
        const max = (node.maxItems as number | undefined) ?? Infinity;
        const count = Math.max(0, Math.min(depth === 'minimal' ? min : Math.max(min, prefix.length + 1), max) - prefix.length);
        return items === false ? prefix : [...prefix, ...Array.from({ length: count }, () => this.make(items, depth, level + 1))];
      }
      case 'object': {
        const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
        const required = (node.required ?? []) as string[];
        const extra = (node.additionalProperties ?? true) as JsonSchema;
        const names = depth === 'minimal' ? required : [...new Set([...Object.keys(properties), ...required])];
        return Object.fromEntries(names.map((name) => [name, this.make(properties[name] ?? extra, depth, level + 1)]));
      }
    }
  }

  private string(node: Readonly<Record<string, unknown>>, depth: Depth): string {
    if (typeof node.format === 'string') {
      const sample = FORMATS[node.format];
      if (sample === undefined) throw new NoSample(`no sample for the string format ${node.format}`);
      return sample;
    }
    if (node.pattern !== undefined) throw new NoSample(`no sample for a string matching /${String(node.pattern)}/`);
    const min = (node.minLength as number | undefined) ?? 0;
    const max = (node.maxLength as number | undefined) ?? Infinity;
    return 'x'.repeat(depth === 'minimal' ? min : Math.min(Math.max(min, 8), max));
  }

  private number(node: Readonly<Record<string, unknown>>, type: 'number' | 'integer', depth: Depth): number {
    const bounds = ['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'multipleOf']
      .map((keyword) => node[keyword])
      .filter((value): value is number => typeof value === 'number');
    const low = [node.minimum, node.exclusiveMinimum].find((b): b is number => typeof b === 'number');
    const high = [node.maximum, node.exclusiveMaximum].find((b): b is number => typeof b === 'number');
    const middle = low !== undefined && high !== undefined ? [(low + high) / 2, Math.round((low + high) / 2)] : [];
    const candidates = [0, 1, 42, -1, 1.5, ...middle, ...bounds.flatMap((b) => [b, b + 1, b - 1, Math.ceil(b), Math.floor(b), b * 2])];
    const valid = candidates.filter((n) => (type === 'number' || Number.isInteger(n)) && validates(n, { ...node, type }, this.side.document));
    if (!valid.length) throw new NoSample(`no ${type} between its bounds`);
    return depth === 'minimal' ? valid[0] : valid.includes(42) ? 42 : valid[valid.length - 1];
  }
}

/** Sample payloads of a schema, or why there are none. */
export type Samples = { readonly ok: true; readonly samples: readonly unknown[] } | { readonly ok: false; readonly reason: string };

/**
 * Sample payloads a schema accepts: one with only its required properties
 * (null where null is allowed, the shortest strings, the fewest items), one
 * with every property it declares (the last alternative of each union).
 * Each is checked against the schema; none is made for a string pattern
 * without a known format, or a keyword the comparison does not read.
 */
export function samplePayloads(side: SchemaSide): Samples {
  const maker = new SampleMaker(side);
  try {
    const samples = (['minimal', 'full'] as const).map((depth) => maker.make(side.schema, depth));
    const valid = samples.filter((sample, i) => validates(sample, side.schema, side.document) && !samples.slice(0, i).some((s) => JSON.stringify(s) === JSON.stringify(sample)));
    return valid.length ? { ok: true, samples: valid } : { ok: false, reason: 'no sample it accepts could be made' };
  } catch (error) {
    if (error instanceof NoSample || error instanceof UnreadableSchemaError) return { ok: false, reason: error.message };
    throw error;
  }
}
