import { z } from 'zod';
import { samplePayloads } from './sample-payloads';
import type { JsonSchema } from './json-schema';
import { sideOf } from './schema-subset';

const samplesOf = (schema: z.ZodType) => samplePayloads(sideOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema));

describe('Sample payloads', () => {
  it.each([
    ['an order', z.object({ orderId: z.uuid(), email: z.email(), at: z.iso.datetime(), items: z.array(z.object({ sku: z.string().min(3).max(5), quantity: z.number().int().positive().max(10) })).min(1) })],
    ['optional, nullable and defaulted fields', z.object({ a: z.string().optional(), b: z.number().nullable(), c: z.boolean().default(true), d: z.enum(['x', 'y']) })],
    ['unions and literals', z.object({ pay: z.discriminatedUnion('m', [z.object({ m: z.literal('card'), last4: z.string().length(4) }), z.object({ m: z.literal('bank'), iban: z.string() })]) })],
    ['records and tuples', z.object({ tags: z.record(z.string(), z.number().multipleOf(5)), pair: z.tuple([z.string(), z.number()]) })],
    ['numbers between exclusive bounds', z.object({ ratio: z.number().gt(0).lt(1), n: z.number().int().gte(-3).lte(-2) })],
  ])('of %s are two payloads the zod schema parses: required fields only, and every field', (_name, schema) => {
    const samples = samplesOf(schema);

    expect(samples.ok).toBe(true);
    if (!samples.ok) return;
    expect(samples.samples.length).toBeGreaterThanOrEqual(1);
    for (const sample of samples.samples) expect({ sample, parsed: schema.safeParse(sample).success }).toEqual({ sample, parsed: true });
  });

  it('leave out optional fields in the first and fill them in the second', () => {
    const samples = samplesOf(z.object({ a: z.string(), b: z.string().optional() }));

    expect(samples).toEqual({ ok: true, samples: [{ a: '' }, { a: 'xxxxxxxx', b: 'xxxxxxxx' }] });
  });

  it('are not made for a string pattern of its own, saying why', () => {
    expect(samplesOf(z.object({ sku: z.string().regex(/^SKU-\d+$/) }))).toEqual({ ok: false, reason: 'no sample for a string matching /^SKU-\\d+$/' });
  });
});
