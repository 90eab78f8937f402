import { CommandFailed, command, defineSaga, event } from '@baton/core';
import { createOrderFulfillmentSaga } from '@example/sagas';
import { setup } from 'xstate';
import { z } from 'zod';
import { contractSnapshotOf, sagaContracts } from './contract-snapshot';

const ReserveStock = command('ReserveStock', {
  participant: 'inventory',
  schema: z.object({ orderId: z.string(), priority: z.number().default(0), items: z.array(z.object({ sku: z.string() })) }),
});

/** A saga with no machine to speak of, declaring `commands` and `events`. */
const sagaWith = (name: string, commands: Parameters<typeof defineSaga>[0]['commands'], events: Parameters<typeof defineSaga>[0]['events'] = []) =>
  defineSaga({ name, version: 1, input: z.object({}), commands, events, machine: setup({}).createMachine({ id: name, initial: 'done', states: { done: { type: 'final' } } }) });

describe('A contract snapshot', () => {
  it("of a command holds what receivers accept (zod's input side: open objects, defaults optional) and what the saga sends (output: closed, defaults filled)", () => {
    const snapshot = contractSnapshotOf(ReserveStock);

    expect(snapshot).toMatchObject({ type: 'ReserveStock', version: 1, kind: 'command', participant: 'inventory', compatibility: 'BACKWARD' });
    expect(snapshot.schema).toMatchObject({ type: 'object', required: ['items', 'orderId'] });
    expect(snapshot.schema).not.toHaveProperty('additionalProperties');
    expect(snapshot.written).toMatchObject({ type: 'object', required: ['items', 'orderId', 'priority'], additionalProperties: false });
    expect((snapshot.written as any).properties.items.items.additionalProperties).toBe(false);
  });

  it('of an event holds what receivers accept only: any service may send it (docs/wire-protocol.md)', () => {
    const snapshot = contractSnapshotOf(event('StockReserved', { schema: z.object({ reservationId: z.string() }), compatibility: 'FULL', version: 3 }));

    expect(snapshot).toEqual({
      type: 'StockReserved',
      version: 3,
      kind: 'event',
      compatibility: 'FULL',
      schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { reservationId: { type: 'string' } }, required: ['reservationId'] },
    });
  });

  it('is plain JSON, the same for the same contract', () => {
    expect(JSON.parse(JSON.stringify(contractSnapshotOf(ReserveStock)))).toEqual(contractSnapshotOf(ReserveStock));
  });
});

describe("A saga's contracts", () => {
  it("are its commands and events, sorted, Baton's built-in events left out", () => {
    const { contracts, conflicts } = sagaContracts([createOrderFulfillmentSaga()]);

    expect(conflicts).toEqual([]);
    expect(contracts.map((c) => `${c.contract.type} v${c.contract.version}`)).toEqual([
      'AuthorizationVoided v2',
      'AuthorizePayment v1',
      'CancelShipment v1',
      'NotifyCustomer v1',
      'PaymentAuthorized v1',
      'PaymentRefused v1',
      'ReleaseStock v2',
      'ReserveStock v1',
      'ScheduleShipment v1',
      'ShipmentCancelled v1',
      'ShipmentRefused v1',
      'ShipmentScheduled v1',
      'StockRefused v1',
      'StockReleased v2',
      'StockReserved v1',
      'VoidAuthorization v1',
    ]);
    expect(createOrderFulfillmentSaga().events.has('CommandFailed')).toBe(true);
  });

  it('leave out a copy of a built-in event (another copy of @baton/core), but keep a saga\'s own event of that name', () => {
    const copy = event('CommandFailed', { schema: z.object({ command: z.string(), reason: z.string(), transient: z.boolean() }) });
    const own = event('AbortRequested', { schema: z.object({ ticket: z.string() }), signal: true });
    const { contracts } = sagaContracts([sagaWith('copies', [ReserveStock], [copy, own])]);

    expect(copy).not.toBe(CommandFailed);
    expect(contracts.map((c) => c.contract.type)).toEqual(['AbortRequested', 'ReserveStock']);
  });

  it('are listed once when sagas share them, with every saga that declares them', () => {
    const { contracts, conflicts } = sagaContracts([sagaWith('one', [ReserveStock]), sagaWith('two', [ReserveStock])]);

    expect(contracts).toEqual([expect.objectContaining({ sagas: ['one v1', 'two v1'] })]);
    expect(conflicts).toEqual([]);
  });

  it('conflict when two sagas declare one type at one version differently', () => {
    const other = command('ReserveStock', { participant: 'warehouse', schema: ReserveStock.schema });
    const { conflicts } = sagaContracts([sagaWith('one', [ReserveStock]), sagaWith('two', [other])]);

    expect(conflicts).toEqual([{ type: 'ReserveStock', version: 1, sagas: ['one v1', 'two v1'] }]);
  });
});
