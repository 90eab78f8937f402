import { z } from 'zod';
import { COMPATIBILITY_MODES, command, event } from './message-contract';
import { describeIssues, toFieldIssues, validatePayload, validateWith } from './payload-validation';

// --- fixtures ------------------------------------------------------------------

const OrderLine = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() });
const schema = z.object({ orderId: z.string(), items: z.array(OrderLine) });

/** Version 3 of a refund: v1 sent `amount` in euros, v2 renamed `order` to `orderId`. */
const upcasts: Array<[unknown, number]> = [];
const RefundRequested = event('RefundRequested', {
  version: 3,
  schema: z.object({ orderId: z.string(), amountCents: z.number().int() }),
  upcast: (payload, fromVersion) => {
    upcasts.push([payload, fromVersion]);
    const p = payload as Record<string, any>;
    const v2 = fromVersion === 1 ? { order: p.order, amountCents: Math.round(p.amount * 100) } : p;
    return { orderId: v2.order, amountCents: v2.amountCents };
  },
});

const issuesOf = (result: ReturnType<typeof validateWith>) => (result.ok ? [] : result.issues);

beforeEach(() => {
  upcasts.length = 0;
});

// --- declaring contracts -------------------------------------------------------

describe('A message contract', () => {
  it('declares a command with its participant, at version 1 unless told otherwise', () => {
    const ReserveStock = command('ReserveStock', { participant: 'inventory', schema });

    expect(ReserveStock).toMatchObject({ kind: 'command', type: 'ReserveStock', version: 1, schema });
    expect(ReserveStock.participant).toBe('inventory');
    expect(command('ReserveStock', { participant: 'inventory', schema, version: 4 }).version).toBe(4);
  });

  it('declares an event, at version 1 unless told otherwise', () => {
    const StockReserved = event('StockReserved', { schema });

    expect(StockReserved).toMatchObject({ kind: 'event', type: 'StockReserved', version: 1, schema });
    expect(RefundRequested.version).toBe(3);
  });

  describe.each([
    ['command', (type: string, version?: number) => command(type, { participant: 'inventory', schema, version })],
    ['event', (type: string, version?: number) => event(type, { schema, version })],
  ])('made with %s()', (_kind, declare) => {
    it.each(['reserveStock', 'Reserve-Stock', 'Reserve_Stock', 'Reserve Stock', '2Reserve', 'ReserveStöck', ''])(
      'rejects the type "%s", which is not PascalCase',
      (type) => {
        expect(() => declare(type)).toThrow(TypeError);
        expect(() => declare(type)).toThrow(`Message type "${type}" must be PascalCase letters and digits`);
      },
    );

    it.each(['ReserveStock', 'V2Refund', 'X'])('accepts the type "%s"', (type) => {
      expect(declare(type).type).toBe(type);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects the version %s', (version) => {
      expect(() => declare('ReserveStock', version)).toThrow(
        `Message type "ReserveStock": version must be an integer >= 1, got ${version}.`,
      );
    });
  });
});

// --- validating payloads -------------------------------------------------------

describe('Validating a payload against its contract', () => {
  it('returns the parsed payload when it is valid', () => {
    expect(validatePayload(RefundRequested, { orderId: 'o-1', amountCents: 500 })).toEqual({
      ok: true,
      value: { orderId: 'o-1', amountCents: 500 },
    });
    expect(upcasts).toEqual([]);
  });

  it.each([
    [1, { order: 'o-1', amount: 12.34 }],
    [2, { order: 'o-1', amountCents: 1234 }],
  ])('upcasts a payload sent at the older version %s, telling the upcast which one', (version, payload) => {
    expect(validatePayload(RefundRequested, payload, version)).toEqual({
      ok: true,
      value: { orderId: 'o-1', amountCents: 1234 },
    });
    expect(upcasts).toEqual([[payload, version]]);
  });

  it('reports a field the upcast could not fill', () => {
    const result = validatePayload(RefundRequested, { amount: 1 }, 1);

    expect(issuesOf(result).map((issue) => issue.path)).toEqual(['orderId']);
  });

  it('validates a payload of a newer version as it is, dropping the fields it does not know', () => {
    const result = validatePayload(RefundRequested, { orderId: 'o-1', amountCents: 500, reason: 'damaged' }, 4);

    expect(result).toEqual({ ok: true, value: { orderId: 'o-1', amountCents: 500 } });
    expect(upcasts).toEqual([]);
  });

  it('validates an older payload as it is when the contract has no upcast', () => {
    const Shipped = event('Shipped', { version: 2, schema: z.object({ shipmentId: z.string() }) });

    expect(validatePayload(Shipped, { shipmentId: 's-1' }, 1).ok).toBe(true);
    expect(issuesOf(validatePayload(Shipped, { id: 's-1' }, 1)).map((issue) => issue.path)).toEqual(['shipmentId']);
  });
});

describe('Validating a payload the database could not keep', () => {
  const Noted = event('Noted', { schema: z.object({ orderId: z.string(), notes: z.record(z.string(), z.array(z.string())) }) });

  it.each([
    ['U+0000 in a field', { orderId: 'a\u0000b', notes: {} }, 'orderId', /U\+0000/],
    ['an unpaired surrogate deep inside', { orderId: 'o-1', notes: { 'a/b': ['ok', 'x\ud800'] } }, 'notes.a/b.1', /unpaired surrogate/],
    ['U+0000 in a key', { orderId: 'o-1', notes: { 'k\u0000': [] } }, 'notes.k\u0000', /key contains U\+0000/],
  ])('refuses %s although its schema accepts it, naming the field', (_name, payload, path, message) => {
    const result = validatePayload(Noted, payload);

    expect(issuesOf(result)).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('keeps every other character, control characters and emoji included', () => {
    const payload = { orderId: '\u0001\u001f\u007f😀\ufeff', notes: {} };
    expect(validatePayload(Noted, payload)).toEqual({ ok: true, value: payload });
  });
});

describe('A field issue', () => {
  it('names a field inside an array by its dotted path, such as "items.0.quantity"', () => {
    const result = validateWith(schema, {
      orderId: 'o-1',
      items: [
        { sku: 'SKU-1', quantity: 0 },
        { sku: '', quantity: 1 },
      ],
    });

    expect(issuesOf(result).map((issue) => issue.path)).toEqual(['items.0.quantity', 'items.1.sku']);
  });

  it('is "(root)" when the payload as a whole is wrong', () => {
    const result = schema.safeParse('not an object');

    expect(result.success).toBe(false);
    expect(toFieldIssues(result.error!)).toEqual([{ path: '(root)', message: expect.any(String) }]);
  });

  it('reads as "path: message" pairs joined by semicolons', () => {
    expect(
      describeIssues([
        { path: 'items.0.quantity', message: 'Too small' },
        { path: 'orderId', message: 'Required' },
      ]),
    ).toBe('items.0.quantity: Too small; orderId: Required');
  });
});

describe('The compatibility mode of a contract', () => {
  const declare = {
    command: (compatibility?: unknown) => command('ReserveStock', { participant: 'inventory', schema, compatibility: compatibility as never }),
    event: (compatibility?: unknown) => event('StockReserved', { schema, compatibility: compatibility as never }),
  };

  it.each(Object.entries(declare))('is BACKWARD unless told otherwise (%s)', (_kind, make) => {
    expect(make().compatibility).toBe('BACKWARD');
  });

  it.each(COMPATIBILITY_MODES.flatMap((mode) => Object.entries(declare).map(([kind, make]) => [mode, kind, make] as const)))(
    'may be %s (%s)',
    (mode, _kind, make) => {
      expect(make(mode).compatibility).toBe(mode);
    },
  );

  it.each(Object.entries(declare).flatMap(([kind, make]) => ['backward', 'FORWARDS', '', 42].map((mode) => [kind, mode, make] as const)))(
    'is checked (%s, %p)',
    (_kind, mode, make) => {
      expect(() => make(mode)).toThrow(TypeError);
      expect(() => make(mode)).toThrow(`compatibility must be one of BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE, got ${JSON.stringify(mode)}.`);
    },
  );
});
