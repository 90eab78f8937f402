import { z } from 'zod';
import { componentId, payloadSchema } from './payload-schema';

describe('payloadSchema', () => {
  it('is the JSON Schema draft-07 of what a receiver accepts, without $schema', () => {
    const { payload, schemas } = payloadSchema(z.object({ id: z.string(), count: z.number().int().default(1) }), 'Count');

    expect(payload).toEqual({
      type: 'object',
      properties: { id: { type: 'string' }, count: expect.objectContaining({ type: 'integer', default: 1 }) },
      required: ['id'],
    });
    expect(schemas).toEqual({});
  });

  it('moves the definitions it refers to into schemas, under the id, and points its references there', () => {
    const Money = z.object({ cents: z.number().int() }).meta({ id: 'Money/Amount' });
    const { payload, schemas } = payloadSchema(z.object({ price: Money, tax: Money }), 'Priced.v2');

    expect(payload.properties).toEqual({
      price: { $ref: '#/components/schemas/Priced.v2.Money_Amount' },
      tax: { $ref: '#/components/schemas/Priced.v2.Money_Amount' },
    });
    expect(schemas).toEqual({ 'Priced.v2.Money_Amount': expect.objectContaining({ type: 'object', required: ['cents'] }) });
  });

  it('moves a payload that refers to itself into schemas too, and refers to it', () => {
    const Tree = z.object({
      label: z.string(),
      get children(): z.ZodArray<typeof Tree> {
        return z.array(Tree);
      },
    });
    const { payload, schemas } = payloadSchema(Tree, 'Tree');

    expect(payload).toEqual({ $ref: '#/components/schemas/Tree' });
    expect(JSON.stringify(schemas)).not.toMatch(/"\$ref":"#(\/definitions\/[^"]*)?"/);
    const tree = schemas.Tree as { properties: { children: { items: { $ref: string } } } };
    expect(schemas[tree.properties.children.items.$ref.replace('#/components/schemas/', '')]).toBeDefined();
  });
});

describe('componentId', () => {
  it('keeps what AsyncAPI accepts in a key and makes the rest _', () => {
    expect(componentId('order-fulfillment.v1_A')).toBe('order-fulfillment.v1_A');
    expect(componentId('a b/c~d')).toBe('a_b_c_d');
  });
});
