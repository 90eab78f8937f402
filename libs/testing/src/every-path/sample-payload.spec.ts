import { z } from 'zod';
import { samplePayload } from './sample-payload';

describe('samplePayload', () => {
  it('writes a value each kind of schema accepts', () => {
    const schema = z.object({
      name: z.string(),
      code: z.string().length(3),
      long: z.string().min(12).max(14),
      id: z.uuid(),
      legacyId: z.string().uuid(),
      mail: z.email(),
      at: z.iso.datetime(),
      day: z.iso.date(),
      site: z.url(),
      prefixed: z.string().startsWith('ord-'),
      count: z.number().int().min(5),
      positive: z.number().positive(),
      between: z.number().gt(3).lt(10),
      narrow: z.number().gt(0.1).lt(0.2),
      negative: z.number().negative(),
      tens: z.int().multipleOf(10).min(11),
      flag: z.boolean(),
      colour: z.enum(['red', 'green']),
      kind: z.literal('order'),
      lines: z.array(z.object({ sku: z.string().min(1) })).min(2),
      tags: z.array(z.string()),
      note: z.string().optional(),
      maybe: z.string().nullable(),
      either: z.union([z.number(), z.string()]),
      byKey: z.record(z.string(), z.number()),
      withDefault: z.string().default('x'),
      trimmed: z.string().trim().min(2),
      piped: z.string().transform((text) => text.length),
      when: z.coerce.date(),
    });
    const value = samplePayload(schema) as Record<string, unknown>;
    expect(schema.safeParse(value).success).toBe(true);
    expect(value).toMatchObject({
      name: 'sample',
      code: 'sam',
      long: 'samplexxxxxx',
      id: '00000000-0000-4000-8000-000000000000',
      mail: 'sample@example.com',
      at: '2024-01-01T00:00:00.000Z',
      prefixed: 'ord-sample',
      count: 5,
      positive: 1,
      between: 4,
      tens: 20,
      narrow: 0.15000000000000002,
      negative: -1,
      flag: true,
      colour: 'red',
      kind: 'order',
      lines: [{ sku: 'sample' }, { sku: 'sample' }],
      tags: ['sample'],
      note: 'sample',
      maybe: 'sample',
      either: 1,
      byKey: { sample: 1 },
      // As sent, not as the schema reads it.
      piped: 'sample',
    });
  });

  it('names the kind of schema, and where, when it cannot write one', () => {
    expect(() => samplePayload(z.object({ at: z.object({ when: z.date() }) }), 'Shipped')).toThrow(
      'samplePayload: cannot sample a zod "date" schema at Shipped.at.when; give this message a sample of its own.',
    );
    expect(() => samplePayload(z.object({ id: z.string().regex(/^[A-Z]{3}-\d+$/) }), 'Booked')).toThrow(
      'samplePayload: cannot sample a zod string matching /^[A-Z]{3}-\\d+$/ at Booked.id; give this message a sample of its own.',
    );
    expect(() => samplePayload(z.object({ even: z.number().refine((n) => n % 2 === 0, 'must be even') }), 'Counted')).toThrow(
      'samplePayload: the sample written for Counted.even is refused by its schema (must be even); give this message a sample of its own.',
    );
    expect(samplePayload(z.object({ word: z.string().regex(/^[a-z]+$/) }))).toEqual({ word: 'sample' });
    expect(() => samplePayload(z.map(z.string(), z.number()))).toThrow('cannot sample a zod "map" schema at (payload)');
  });
});
