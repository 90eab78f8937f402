import { command, event, type CompatibilityMode, type MessageContract } from '@baton/core';
import { z } from 'zod';
import { checkContracts, type ContractsReport } from './check-contracts';
import { contractSnapshotOf } from './contract-snapshot';

// --- helpers -----------------------------------------------------------------

/** The check of `now` against the snapshots of `earlier` (oldest first). */
const check = (earlier: MessageContract | MessageContract[], now: MessageContract | MessageContract[]) =>
  checkContracts(([] as MessageContract[]).concat(now), ([] as MessageContract[]).concat(earlier).map(contractSnapshotOf));

const breaking = (report: ContractsReport) => report.contracts.flatMap((c) => c.findings).filter((f) => f.severity === 'breaking');
const rules = (report: ContractsReport) => breaking(report).map((f) => `${f.rule} at ${f.path}`);
const ofSeverity = (report: ContractsReport, severity: string) => report.contracts.flatMap((c) => c.findings).filter((f) => f.severity === severity);

/** A reply (written by any service: what it may send is what its receivers accept). */
const reply = (schema: z.ZodType, options: { version?: number; compatibility?: CompatibilityMode; upcast?: (p: unknown, v: number) => unknown } = {}) =>
  event('StockReserved', { schema, ...options });
/** A command (written by the saga: what it sends is what the schema parses into). */
const cmd = (schema: z.ZodType, options: { version?: number; compatibility?: CompatibilityMode; upcast?: (p: unknown, v: number) => unknown } = {}) =>
  command('ReserveStock', { participant: 'inventory', schema, ...options });

const Line = z.object({ sku: z.string(), quantity: z.number().int().positive() });
const base = z.object({ orderId: z.string(), items: z.array(Line) });

// --- the snapshot's own state --------------------------------------------------

describe('Checking contracts against their snapshot', () => {
  it('passes a contract that matches its snapshot', () => {
    const report = check(cmd(base), cmd(base));

    expect(report.ok).toBe(true);
    expect(report.contracts).toEqual([expect.objectContaining({ type: 'ReserveStock', version: 1, state: 'unchanged', findings: [] })]);
  });

  it('does not compare an unchanged contract with itself (a command that transforms sends what its output side says)', () => {
    const transforming = cmd(z.object({ quantity: z.string().transform(Number) }));

    expect(check(transforming, transforming)).toMatchObject({ ok: true, contracts: [{ state: 'unchanged', comparedWith: [], findings: [] }] });
  });

  it('passes a contract the snapshot does not hold yet, telling them to run snapshot', () => {
    const report = checkContracts([cmd(base)], []);

    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({ breaking: 0, snapshot: 1 });
    expect(ofSeverity(report, 'snapshot')).toEqual([
      expect.objectContaining({ rule: 'not-snapshotted', message: 'ReserveStock v1 is not in the snapshot yet (it is new)', fix: expect.stringContaining('run baton contracts snapshot') }),
    ]);
  });

  it('passes a compatible change the snapshot does not record yet, counting it under snapshot', () => {
    const report = check(cmd(base), cmd(base.extend({ note: z.string().optional() })));

    expect(breaking(report)).toEqual([]);
    expect(ofSeverity(report, 'snapshot')).toEqual([
      expect.objectContaining({ rule: 'snapshot-out-of-date', message: expect.stringContaining('it is BACKWARD compatible with v1') }),
    ]);
    expect(report.counts.snapshot).toBe(1);
    expect(report.ok).toBe(true);
  });

  it('warns, and passes, when a snapshotted contract is declared by no loaded saga', () => {
    const report = checkContracts([], [contractSnapshotOf(cmd(base))]);

    expect(report.ok).toBe(true);
    expect(report.contracts).toEqual([
      expect.objectContaining({
        state: 'removed',
        findings: [expect.objectContaining({ severity: 'warning', rule: 'contract-removed', message: expect.stringContaining('receivers may still get it'), fix: expect.stringContaining('delete ReserveStock.v1.json') })],
      }),
    ]);
  });

  it('breaks when a version goes down', () => {
    const report = check(cmd(base, { version: 2 }), cmd(base, { version: 1 }));

    expect(breaking(report)).toEqual([
      expect.objectContaining({ rule: 'version-lowered', old: 'v2', new: 'v1', message: expect.stringContaining('went down from v2 to v1'), fix: expect.stringContaining('keep ReserveStock at v2 or above') }),
    ]);
  });

  it('breaks on one version declared two ways', () => {
    const report = checkContracts([cmd(base)], [], [{ type: 'ReserveStock', version: 1, sagas: ['a v1', 'b v1'] }]);

    expect(rules(report)).toEqual(['conflicting-declarations at undefined']);
  });

  it('notes a changed mode and holds the contract to the new one', () => {
    const report = check(reply(z.object({ a: z.string() })), reply(z.object({ a: z.string() }), { compatibility: 'NONE' }));

    expect(ofSeverity(report, 'note')).toEqual([expect.objectContaining({ rule: 'mode-changed', old: 'BACKWARD', new: 'NONE' })]);
  });
});

// --- the rules, per mode -------------------------------------------------------

describe('A required property', () => {
  const added = cmd(z.object({ orderId: z.string(), items: z.array(Line), warehouse: z.string() }));

  it('added breaks BACKWARD: senders of the previous version do not send it', () => {
    const [finding] = breaking(check(cmd(base), added));

    expect(finding).toMatchObject({
      rule: 'required-property-added',
      type: 'ReserveStock',
      version: 1,
      mode: 'BACKWARD',
      against: 1,
      path: 'warehouse',
      old: 'absent',
      new: 'required string',
      message: 'required property added: the new schema requires warehouse, which senders of v1 do not send',
      fix: 'make warehouse optional (.optional(), or .default(...) to fill it in), or bump ReserveStock to version 2 with an upcast that turns v1 payloads into ones it accepts',
    });
  });

  it('added passes FORWARD: receivers of the previous version strip what they do not know', () => {
    expect(breaking(check(cmd(base), cmd(added.schema, { compatibility: 'FORWARD' })))).toEqual([]);
  });

  it('added with a default passes BACKWARD: the receiver fills it in', () => {
    expect(breaking(check(cmd(base), cmd(base.extend({ warehouse: z.string().default('main') }))))).toEqual([]);
  });

  it('made required from optional breaks BACKWARD', () => {
    const report = check(cmd(base.extend({ note: z.string().optional() })), cmd(base.extend({ note: z.string() })));

    expect(breaking(report)).toEqual([expect.objectContaining({ rule: 'property-made-required', path: 'note', old: 'optional string', new: 'required string' })]);
  });

  it('removed breaks FORWARD: receivers of the previous version require it', () => {
    const report = check(cmd(base), cmd(z.object({ orderId: z.string() }), { compatibility: 'FORWARD' }));

    expect(breaking(report)).toEqual([
      expect.objectContaining({ rule: 'required-property-removed', path: 'items', message: 'required property removed: receivers still on v1 require items, which new senders do not send' }),
    ]);
  });

  it('made optional breaks FORWARD', () => {
    const report = check(cmd(base), cmd(base.extend({ orderId: z.string().optional() }), { compatibility: 'FORWARD' }));

    expect(rules(report)).toEqual(['property-made-optional at orderId']);
  });

  it('names a field inside an array of objects as items[].sku, and one inside an object as address.city', () => {
    const withAddress = cmd(base.extend({ address: z.object({ city: z.string() }) }));
    const report = check(
      withAddress,
      cmd(z.object({ orderId: z.string(), items: z.array(Line.extend({ batch: z.string() })), address: z.object({ city: z.string(), zip: z.string() }) })),
    );

    expect(rules(report)).toEqual(['required-property-added at items[].batch', 'required-property-added at address.zip']);
  });
});

describe('A property removed', () => {
  it('passes BACKWARD when the new receiver strips what it does not declare (z.object: an open content model on input)', () => {
    expect(breaking(check(reply(z.object({ a: z.string(), b: z.string() })), reply(z.object({ a: z.string() }))))).toEqual([]);
  });

  it('breaks BACKWARD when the new receiver refuses what it does not declare (z.strictObject: closed)', () => {
    const report = check(reply(z.strictObject({ a: z.string(), b: z.string() })), reply(z.strictObject({ a: z.string() })));

    expect(breaking(report)).toEqual([
      expect.objectContaining({
        rule: 'property-removed-from-closed-model',
        path: 'b',
        old: 'string',
        new: 'not declared; closed content model (additionalProperties: false)',
        message: expect.stringContaining('refuses what it does not declare (additionalProperties: false)'),
      }),
    ]);
  });

  it('breaks FORWARD when optional and the content model is open: new senders may send it with any value', () => {
    const report = check(reply(z.object({ a: z.string(), b: z.number().optional() })), reply(z.object({ a: z.string() }), { compatibility: 'FORWARD' }));

    expect(breaking(report)).toEqual([expect.objectContaining({ rule: 'property-removed-from-open-model', path: 'b', old: 'number', new: expect.stringContaining('open content model') })]);
  });
});

describe('An optional property added', () => {
  const before = z.object({ a: z.string() });
  const after = z.object({ a: z.string(), b: z.string().optional() });

  it('breaks BACKWARD on an open content model: earlier senders may have sent it with any value (an event: any service writes it)', () => {
    const [finding] = breaking(check(reply(before), reply(after)));

    expect(finding).toMatchObject({
      rule: 'property-added-to-open-model',
      path: 'b',
      old: 'not declared; open content model (additionalProperties absent): any value',
      new: 'string',
      message:
        'property added to an open content model: the content model of v1 is open (additionalProperties absent), so its senders may have sent b with any value, and the new schema checks it',
    });
  });

  it('passes BACKWARD when the property accepts any value', () => {
    expect(breaking(check(reply(before), reply(before.extend({ b: z.unknown().optional() }))))).toEqual([]);
  });

  it('passes BACKWARD on a closed content model: earlier senders could not send it (z.strictObject)', () => {
    expect(breaking(check(reply(z.strictObject({ a: z.string() })), reply(z.strictObject({ a: z.string(), b: z.string().optional() }))))).toEqual([]);
  });

  it('passes BACKWARD on a command: the saga sends the parsed payload, and z.object strips what it does not declare (closed on output)', () => {
    expect(breaking(check(cmd(before), cmd(after)))).toEqual([]);
  });

  it('breaks BACKWARD on a command whose object passes unknown properties through (z.looseObject: open on output too)', () => {
    expect(rules(check(cmd(z.looseObject({ a: z.string() })), cmd(z.looseObject({ a: z.string(), b: z.string().optional() }))))).toEqual([
      'property-added-to-open-model at b',
    ]);
  });

  it('breaks FORWARD when the earlier receivers are closed (z.strictObject)', () => {
    const report = check(reply(z.strictObject({ a: z.string() })), reply(z.strictObject({ a: z.string(), b: z.string().optional() }), { compatibility: 'FORWARD' }));

    expect(breaking(report)).toEqual([expect.objectContaining({ rule: 'property-added-to-closed-model', path: 'b', old: 'not declared; closed content model (additionalProperties: false)', new: 'string' })]);
  });

  it('passes FORWARD when the earlier receivers strip it (z.object)', () => {
    expect(breaking(check(reply(before), reply(after, { compatibility: 'FORWARD' })))).toEqual([]);
  });
});

describe('A content model', () => {
  it('closed breaks BACKWARD on an event: earlier senders could send any other property', () => {
    expect(rules(check(reply(z.object({ a: z.string() })), reply(z.strictObject({ a: z.string() }))))).toEqual(['content-model-closed at *']);
  });

  it('closed passes BACKWARD on a command: the saga sent only what the schema declares', () => {
    expect(breaking(check(cmd(z.object({ a: z.string() })), cmd(z.strictObject({ a: z.string() }))))).toEqual([]);
  });

  it('opened breaks FORWARD when earlier receivers are closed', () => {
    const report = check(reply(z.strictObject({ a: z.string() })), reply(z.looseObject({ a: z.string() }), { compatibility: 'FORWARD' }));

    expect(rules(report)).toEqual(['content-model-opened at *']);
  });
});

describe('A type narrowed', () => {
  it.each([
    ['string to enum', z.string(), z.enum(['a', 'b']), 'enum-narrowed', 'string', 'one of "a", "b"'],
    ['number to integer', z.number(), z.number().int(), 'type-narrowed', 'number', 'integer'],
    ['a longer minimum length', z.string().min(1), z.string().min(3), 'length-narrowed', 'string, at least 1 character', 'string, at least 3 characters'],
    ['a maximum length', z.string(), z.string().max(10), 'length-narrowed', 'string', 'string, at most 10 characters'],
    ['a format', z.string(), z.email(), 'format-narrowed', 'string', 'string, format email'],
    ['a pattern', z.string(), z.string().regex(/^SKU-/), 'pattern-narrowed', 'string', 'string, pattern /^SKU-/'],
    ['a higher minimum', z.number().min(0), z.number().min(1), 'range-narrowed', 'number >= 0', 'number >= 1'],
    ['a maximum', z.number().int(), z.number().int().max(100), 'range-narrowed', 'integer', 'integer <= 100'],
    ['a step', z.number(), z.number().multipleOf(5), 'multiple-of-narrowed', 'number', 'number multiple of 5'],
    ['fewer items allowed', z.array(z.string()), z.array(z.string()).max(3), 'item-count-narrowed', 'array', 'array, at most 3 items'],
    ['at least one item', z.array(z.string()), z.array(z.string()).min(1), 'item-count-narrowed', 'array', 'array, at least 1 item'],
    ['nullable no more', z.string().nullable(), z.string(), 'type-narrowed', 'string | null', 'string (refuses null)'],
    ['a union shrunk', z.union([z.string(), z.number()]), z.string(), 'type-narrowed', 'string | number', 'string (refuses number)'],
  ])('(%s) breaks BACKWARD and passes FORWARD', (_name, from, to, rule, old, now) => {
    const backward = breaking(check(reply(z.object({ f: from })), reply(z.object({ f: to }))));
    const forward = breaking(check(reply(z.object({ f: from })), reply(z.object({ f: to }), { compatibility: 'FORWARD' })));

    expect(backward).toEqual([expect.objectContaining({ rule, path: 'f', old, new: now, mode: 'BACKWARD' })]);
    expect(forward).toEqual([]);
  });

  it.each([
    ['string to number', z.string(), z.number(), 'type-narrowed', 'type-widened'],
    ['a literal changed', z.literal('a'), z.literal('b'), 'enum-narrowed', 'enum-widened'],
  ])('and widened at once (%s) breaks both ways', (_name, from, to, backwardRule, forwardRule) => {
    expect(rules(check(reply(z.object({ f: from })), reply(z.object({ f: to }))))).toEqual([`${backwardRule} at f`]);
    expect(rules(check(reply(z.object({ f: from })), reply(z.object({ f: to }), { compatibility: 'FULL' })))).toEqual([`${backwardRule} at f`, `${forwardRule} at f`]);
  });

  it('inside an array of objects is named by its path', () => {
    const report = check(cmd(base), cmd(z.object({ orderId: z.string(), items: z.array(z.object({ sku: z.string().uuid(), quantity: z.number().int().positive() })) })));

    expect(rules(report)).toEqual(['format-narrowed at items[].sku']);
  });
});

describe('A type widened', () => {
  it.each([
    ['enum to string', z.enum(['a', 'b']), z.string(), 'enum-widened'],
    ['integer to number', z.number().int(), z.number(), 'type-widened'],
    ['nullable added', z.string(), z.string().nullable(), 'type-widened'],
    ['a union grown', z.string(), z.union([z.string(), z.number()]), 'type-widened'],
    ['a lower minimum', z.number().min(1), z.number().min(0), 'range-widened'],
    ['a longer maximum length', z.string().max(3), z.string().max(10), 'length-widened'],
    ['a format dropped', z.email(), z.string(), 'format-widened'],
  ])('(%s) passes BACKWARD and breaks FORWARD', (_name, from, to, rule) => {
    const backward = breaking(check(reply(z.object({ f: from })), reply(z.object({ f: to }))));
    const forward = breaking(check(reply(z.object({ f: from })), reply(z.object({ f: to }), { compatibility: 'FORWARD' })));

    expect(backward).toEqual([]);
    expect(forward).toEqual([expect.objectContaining({ rule, path: 'f', mode: 'FORWARD', fix: expect.stringContaining('upgrade the receivers first') })]);
  });
});

describe('An enum value', () => {
  const two = reply(z.object({ status: z.enum(['open', 'closed']) }));
  const three = (compatibility?: CompatibilityMode) => reply(z.object({ status: z.enum(['open', 'closed', 'void']) }), { compatibility });
  const one = (compatibility?: CompatibilityMode) => reply(z.object({ status: z.enum(['open']) }), { compatibility });

  it('added passes BACKWARD', () => expect(breaking(check(two, three()))).toEqual([]));

  it('added breaks FORWARD: earlier receivers refuse it', () => {
    expect(breaking(check(two, three('FORWARD')))).toEqual([
      expect.objectContaining({ rule: 'enum-widened', path: 'status', old: 'one of "open", "closed" (refuses "void")', new: 'one of "open", "closed", "void"' }),
    ]);
  });

  it('removed breaks BACKWARD: earlier senders still send it', () => {
    expect(breaking(check(two, one()))).toEqual([expect.objectContaining({ rule: 'enum-narrowed', path: 'status', old: 'one of "open", "closed"', new: '"open" (refuses "closed")' })]);
  });

  it('removed passes FORWARD', () => expect(breaking(check(two, one('FORWARD')))).toEqual([]));

  it('added or removed breaks FULL, one way each', () => {
    expect(rules(check(two, three('FULL')))).toEqual(['enum-widened at status']);
    expect(rules(check(two, one('FULL')))).toEqual(['enum-narrowed at status']);
  });

  it('changes nothing under NONE', () => {
    expect(breaking(check(two, one('NONE')))).toEqual([]);
    expect(breaking(check(two, three('NONE')))).toEqual([]);
  });
});

describe('A union of objects (discriminated)', () => {
  const card = z.object({ method: z.literal('card'), last4: z.string() });
  const bank = z.object({ method: z.literal('bank'), iban: z.string() });
  const wallet = z.object({ method: z.literal('wallet'), provider: z.string() });
  const of = (...members: [z.ZodObject<any>, ...z.ZodObject<any>[]]) => z.object({ payment: z.discriminatedUnion('method', members) });

  it('losing an alternative breaks BACKWARD (union shrunk)', () => {
    expect(breaking(check(reply(of(card, bank)), reply(of(card))))).toEqual([
      expect.objectContaining({ rule: 'union-shrunk', path: 'payment', old: 'object (method: "bank")', new: 'object (method: "card")' }),
    ]);
  });

  it('gaining an alternative breaks FORWARD (union grown) and passes BACKWARD', () => {
    expect(breaking(check(reply(of(card, bank)), reply(of(card, bank, wallet))))).toEqual([]);
    expect(rules(check(reply(of(card, bank)), reply(of(card, bank, wallet), { compatibility: 'FORWARD' })))).toEqual(['union-grown at payment']);
  });

  it('a change inside one alternative is named inside it', () => {
    const report = check(reply(of(card, bank)), reply(of(card.extend({ expiry: z.string() }), bank)));

    expect(rules(report)).toEqual(['required-property-added at payment.expiry']);
  });
});

describe('A recursive schema', () => {
  type Node = { name: string; children: Node[] };
  const tree = (leaf: z.ZodType): z.ZodType<Node> => {
    const node: z.ZodType<Node> = z.object({ name: leaf, get children() { return z.array(node); } }) as any;
    return node;
  };

  it('unchanged passes, and a change is found at its first occurrence', () => {
    expect(breaking(check(reply(tree(z.string())), reply(tree(z.string()))))).toEqual([]);
    expect(rules(check(reply(tree(z.string())), reply(tree(z.string().min(2)))))).toEqual(['length-narrowed at name']);
  });
});

// --- versions -----------------------------------------------------------------

describe('A version bump', () => {
  const v1 = cmd(base);
  const withWarehouse = z.object({ orderId: z.string(), items: z.array(Line.extend({ warehouse: z.string() })) });

  it('with an upcast passes: receivers upcast earlier payloads, checked on sample payloads of the earlier version', () => {
    const v2 = cmd(withWarehouse, { version: 2, upcast: (p: any) => ({ ...p, items: p.items.map((item: object) => ({ ...item, warehouse: 'main' })) }) });
    const report = check(v1, v2);

    expect(breaking(report)).toEqual([]);
    expect(report.contracts[0]).toMatchObject({ state: 'new-version', comparedWith: [1] });
    expect(ofSeverity(report, 'note')).toEqual([expect.objectContaining({ rule: 'upcast-verified', against: 1, message: 'the upcast from v1 turned 2 sample v1 payload(s) into valid v2 ones' })]);
    expect(ofSeverity(report, 'snapshot')).toEqual([expect.objectContaining({ rule: 'not-snapshotted' })]);
  });

  it('without an upcast breaks like the change itself: a version bump alone does not excuse it', () => {
    const [finding] = breaking(check(v1, cmd(withWarehouse, { version: 2 })));

    expect(finding).toMatchObject({
      rule: 'required-property-added',
      path: 'items[].warehouse',
      version: 2,
      against: 1,
      message: expect.stringContaining('ReserveStock v2 has no upcast, so v1 payloads reach it as they are'),
      fix: 'make warehouse optional (.optional(), or .default(...) to fill it in), or give ReserveStock v2 an upcast that turns v1 payloads into ones it accepts',
    });
  });

  it('with an upcast that leaves a field out breaks, naming the field', () => {
    const [finding] = breaking(check(v1, cmd(withWarehouse, { version: 2, upcast: (p) => p })));

    expect(finding).toMatchObject({ rule: 'upcast-result-refused', path: 'items[].warehouse', new: expect.stringContaining('items.0.warehouse') });
  });

  it('with an upcast that throws breaks', () => {
    const upcast = () => {
      throw new Error('no');
    };
    expect(breaking(check(v1, cmd(withWarehouse, { version: 2, upcast })))).toEqual([expect.objectContaining({ rule: 'upcast-throws', new: 'no' })]);
  });

  it('with an upcast is still held FORWARD under FULL: earlier receivers validate a newer payload as it is', () => {
    const v2 = cmd(z.object({ orderId: z.string(), items: z.array(z.object({ sku: z.string(), quantity: z.number().positive() })) }), { version: 2, compatibility: 'FULL', upcast: (p) => p });
    const report = check(v1, v2);

    expect(rules(report)).toEqual(['type-widened at items[].quantity']);
    expect(breaking(report)[0].fix).toContain('a version bump does not help them');
  });

  it('trusts an upcast it cannot make a sample for, and says so', () => {
    const patterned = cmd(z.object({ sku: z.string().regex(/^SKU-\d+$/) }));
    const report = check(patterned, cmd(z.object({ sku: z.string(), warehouse: z.string() }), { version: 2, upcast: (p: any) => ({ ...p, warehouse: 'main' }) }));

    expect(breaking(report)).toEqual([]);
    expect(ofSeverity(report, 'note')).toEqual([expect.objectContaining({ rule: 'upcast-not-verified', message: expect.stringContaining('no sample for a string matching /^SKU-\\d+$/') })]);
  });
});

describe('A TRANSITIVE mode', () => {
  // v1 sent `note` as a string; v2 dropped it (its receivers strip it); v3 brings it back as a number.
  const v1 = cmd(z.object({ orderId: z.string(), note: z.string() }), { version: 1 });
  const v2 = cmd(z.object({ orderId: z.string() }), { version: 2 });
  const v3 = (compatibility: CompatibilityMode) => cmd(z.object({ orderId: z.string(), note: z.number().optional() }), { version: 3, compatibility });

  it('BACKWARD compares with the latest version only, and misses the break against v1', () => {
    const report = check([v1, v2], v3('BACKWARD'));

    expect(report.contracts[0].comparedWith).toEqual([2]);
    expect(breaking(report)).toEqual([]);
  });

  it('BACKWARD_TRANSITIVE compares with every earlier version, and catches it', () => {
    const report = check([v1, v2], v3('BACKWARD_TRANSITIVE'));

    expect(report.contracts[0].comparedWith).toEqual([2, 1]);
    expect(breaking(report)).toEqual([expect.objectContaining({ rule: 'type-narrowed', path: 'note', against: 1, old: 'string', new: 'number', mode: 'BACKWARD_TRANSITIVE' })]);
  });

  it('FORWARD_TRANSITIVE holds what new senders write against every earlier receiver', () => {
    const r1 = reply(z.object({ status: z.enum(['a']) }), { version: 1 });
    const r2 = reply(z.object({ status: z.enum(['a', 'b']) }), { version: 2 });
    const r3 = (compatibility: CompatibilityMode) => reply(z.object({ status: z.enum(['a', 'b']) }), { version: 3, compatibility });

    expect(breaking(check([r1, r2], r3('FORWARD')))).toEqual([]);
    expect(breaking(check([r1, r2], r3('FORWARD_TRANSITIVE')))).toEqual([expect.objectContaining({ rule: 'enum-widened', against: 1 })]);
    expect(breaking(check([r1, r2], r3('FULL_TRANSITIVE')))).toEqual([expect.objectContaining({ rule: 'enum-widened', against: 1 })]);
  });
});
