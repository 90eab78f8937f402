import type { z } from 'zod';

/** A zod 4 schema's definition, as far as the sampler reads it. */
interface Def {
  readonly type: string;
  readonly [key: string]: any;
}

/** A zod 4 check's definition (`min_length`, `string_format`, `greater_than`, ...). */
interface CheckDef {
  readonly check: string;
  readonly [key: string]: any;
}

const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** The checks on a schema: those in `checks`, and the schema itself when it is one (`z.uuid()`, `z.int()`). */
function checksOf(def: Def): CheckDef[] {
  const own = def.check ? [def as unknown as CheckDef] : [];
  return [...own, ...((def.checks ?? []) as { _zod: { def: CheckDef } }[]).map((check) => check._zod.def)];
}

/** A value for each string format zod 4 has, where one is easy to write. */
const FORMATS: Record<string, string> = {
  uuid: '00000000-0000-4000-8000-000000000000',
  guid: '00000000-0000-4000-8000-000000000000',
  email: 'sample@example.com',
  url: 'https://example.com/sample',
  datetime: '2024-01-01T00:00:00.000Z',
  date: '2024-01-01',
  time: '12:00:00',
  duration: 'PT1H',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  cidrv4: '192.0.2.0/24',
  cidrv6: '2001:db8::/32',
  base64: 'c2FtcGxl',
  base64url: 'c2FtcGxl',
  e164: '+4930123456',
  emoji: '🙂',
  nanoid: 'V1StGXR8_Z5jdHi6B-myT',
  cuid: 'cjld2cjxh0000qzrmn831i7rn',
  cuid2: 'tz4a98xxat96iws9zmbrgj3a',
  ulid: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  xid: '9m4e2mr0ui3e8a215n4g',
  ksuid: '0ujtsYcgvSTl8PAuAdqWYSMnLOv',
  lowercase: 'sample',
};

/**
 * A value the schema accepts, to send as a payload the way a participant
 * would: objects (every field, optional ones included), strings (their
 * length bounds and formats such as uuid, email, datetime), numbers (int,
 * bounds, multiples), booleans, enums and literals (the first), arrays (as
 * many items as their minimum, at least one), unions (the first option),
 * records (one entry), nullable and default (the inner value), pipes and
 * transforms (what goes in). Throws naming the kind of schema, and where it
 * is, when it cannot write one (a regex, a refinement it cannot satisfy):
 * give that message type a sample of its own then.
 */
export function samplePayload(schema: z.ZodType, where = '(payload)'): unknown {
  const value = sample(defOf(schema), where);
  const checked = schema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const at = issue.path.length ? `${where}.${issue.path.join('.')}` : where;
    throw new Error(`samplePayload: the sample written for ${at} is refused by its schema (${issue.message}); give this message a sample of its own.`);
  }
  // What goes on the wire: the value as sent, not as the schema reads it (defaults, transforms).
  return value;
}

function sample(def: Def, where: string): unknown {
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, sample(defOf(field), `${where}.${key}`)]));
    }
    case 'string':
      return sampleString(def, where);
    case 'number':
      return sampleNumber(def, where);
    case 'bigint':
      // A payload comes as JSON: only a coerced bigint can be written in it.
      if (def.coerce) return '1';
      break;
    case 'boolean':
      return true;
    case 'enum':
      return Object.values(def.entries as Record<string, unknown>)[0];
    case 'literal':
      return (def.values as unknown[])[0];
    case 'array': {
      const bounds = lengthBounds(checksOf(def));
      const count = bounds.exact ?? Math.max(bounds.min ?? 1, 1);
      return Array.from({ length: Math.min(count, bounds.max ?? count) }, (_, i) => sample(defOf(def.element), `${where}[${i}]`));
    }
    case 'tuple':
      return (def.items as z.ZodType[]).map((item, i) => sample(defOf(item), `${where}[${i}]`));
    case 'optional':
    case 'nullable':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return sample(defOf(def.innerType), where);
    case 'default':
    case 'prefault':
      return sample(defOf(def.innerType), where);
    case 'union':
      return sample(defOf((def.options as z.ZodType[])[0]), where);
    case 'intersection':
      return { ...(sample(defOf(def.left), where) as object), ...(sample(defOf(def.right), where) as object) };
    case 'record':
      return { [String(sample(defOf(def.keyType), `${where}(key)`))]: sample(defOf(def.valueType), `${where}.*`) };
    case 'pipe':
      return sample(defOf(def.in), where);
    case 'lazy':
      return sample(defOf(def.getter()), where);
    case 'null':
      return null;
    case 'undefined':
    case 'void':
      return undefined;
    case 'any':
    case 'unknown':
      return 'sample';
    case 'date':
      if (def.coerce) return '2024-01-01T00:00:00.000Z';
      break;
  }
  throw new Error(`samplePayload: cannot sample a zod "${def.type}" schema at ${where}; give this message a sample of its own.`);
}

function lengthBounds(checks: readonly CheckDef[]): { min?: number; max?: number; exact?: number } {
  const bounds: { min?: number; max?: number; exact?: number } = {};
  for (const check of checks) {
    if (check.check === 'min_length') bounds.min = Math.max(bounds.min ?? 0, check.minimum);
    if (check.check === 'max_length') bounds.max = Math.min(bounds.max ?? Infinity, check.maximum);
    if (check.check === 'length_equals') bounds.exact = check.length;
  }
  return bounds;
}

function sampleString(def: Def, where: string): string {
  const checks = checksOf(def);
  const formats = checks.filter((check) => check.check === 'string_format').map((check) => check.format as string);
  const known = formats.find((format) => FORMATS[format] !== undefined);
  const unknown = formats.find((format) => FORMATS[format] === undefined && !['starts_with', 'ends_with', 'includes', 'regex'].includes(format));
  if (unknown) throw new Error(`samplePayload: cannot sample a zod string of format "${unknown}" at ${where}; give this message a sample of its own.`);
  if (known) return FORMATS[known];
  const prefix = checks.find((check) => check.format === 'starts_with')?.prefix ?? '';
  const suffix = checks.find((check) => check.format === 'ends_with')?.suffix ?? '';
  const includes = checks.find((check) => check.format === 'includes')?.includes ?? '';
  const bounds = lengthBounds(checks);
  let text = `${prefix}${includes}sample${suffix}`;
  const length = bounds.exact ?? Math.min(Math.max(text.length, bounds.min ?? 0), bounds.max ?? Infinity);
  if (text.length < length) text = `${prefix}${includes}sample${'x'.repeat(length - text.length)}${suffix}`;
  if (text.length > length) text = `${prefix}${includes}sample`.slice(0, length - suffix.length) + suffix;
  const pattern = checks.find((check) => check.format === 'regex' && !(check.pattern as RegExp).test(text))?.pattern;
  if (pattern) throw new Error(`samplePayload: cannot sample a zod string matching ${pattern} at ${where}; give this message a sample of its own.`);
  return text;
}

function sampleNumber(def: Def, where: string): number {
  const checks = checksOf(def);
  const integer = checks.some((check) => check.check === 'number_format' && /int/.test(check.format));
  const fits: ((n: number) => boolean)[] = [(n) => Number.isFinite(n) && (!integer || Number.isInteger(n))];
  let low = -Infinity;
  let high = Infinity;
  let step = 1;
  for (const check of checks) {
    const bound = check.value as number;
    if (check.check === 'greater_than') {
      low = Math.max(low, bound);
      fits.push(check.inclusive ? (n) => n >= bound : (n) => n > bound);
    }
    if (check.check === 'less_than') {
      high = Math.min(high, bound);
      fits.push(check.inclusive ? (n) => n <= bound : (n) => n < bound);
    }
    if (check.check === 'multiple_of') {
      step = bound;
      fits.push((n) => Math.abs(n / bound - Math.round(n / bound)) < 1e-9);
    }
  }
  // 1 when it fits; else the first multiple of the step at or past the lower bound, or at or below the upper one; else halfway.
  const fromLow = Math.ceil(low / step) * step;
  const fromHigh = Math.floor(high / step) * step;
  const candidates = [1, step, fromLow, fromLow + step, fromHigh, fromHigh - step, (low + high) / 2, Math.ceil((low + high) / 2)];
  const value = candidates.find((n) => fits.every((fit) => fit(n)));
  if (value === undefined) {
    throw new Error(`samplePayload: cannot sample a zod number between ${low} and ${high} at ${where}; give this message a sample of its own.`);
  }
  return value;
}
