import { doubledEffects, implausibleEnding, unbalancedLedger, unrecognisedOutcomes, type LedgerRow } from './ledger-audit';

/** A saga's ledger written by hand: [participant, command type, outcome, command id?] in row order. */
function ledger(...entries: Array<[string, string, string, string?]>): LedgerRow[] {
  return entries.map(([participant, commandType, outcome, commandId], i) => ({
    id: i + 1,
    participant,
    commandId: commandId ?? `cmd-${i + 1}`,
    commandType,
    sagaId: 'saga-1',
    orderId: 'order-1',
    outcome,
  }));
}

const reserved = ['inventory', 'ReserveStock', 'reserved'] as [string, string, string];
const released = ['inventory', 'ReleaseStock', 'released'] as [string, string, string];
const authorized = ['payment', 'AuthorizePayment', 'authorized'] as [string, string, string];
const voided = ['payment', 'VoidAuthorization', 'voided'] as [string, string, string];
const scheduled = ['shipping', 'ScheduleShipment', 'scheduled'] as [string, string, string];
const cancelled = ['shipping', 'CancelShipment', 'cancelled'] as [string, string, string];
const sent = ['notification', 'NotifyCustomer', 'sent'] as [string, string, string];

describe('The fault test ledger audit', () => {
  it('accepts a completed order with each step done once and the customer notified', () => {
    expect(unbalancedLedger('completed', ledger(reserved, authorized, scheduled, sent))).toEqual([]);
  });

  it('finds a completed order whose shipment or notification is missing, or whose stock was released', () => {
    expect(unbalancedLedger('completed', ledger(reserved, authorized, sent))).toEqual([
      "completed with 0 × ScheduleShipment 'scheduled' (expected exactly 1)",
    ]);
    expect(unbalancedLedger('completed', ledger(reserved, authorized, scheduled))).toEqual([
      "completed with 0 × NotifyCustomer 'sent' (expected exactly 1)",
    ]);
    expect(unbalancedLedger('completed', ledger(reserved, authorized, scheduled, sent, released))).toEqual([
      "completed but undone: ReleaseStock 'released' (#5)",
    ]);
  });

  it('accepts a compensated order whose effects were each undone afterwards, in any interleaving', () => {
    expect(unbalancedLedger('compensated', ledger(reserved, authorized, voided, released))).toEqual([]);
    expect(unbalancedLedger('compensated', ledger(authorized, reserved, scheduled, cancelled, voided, released))).toEqual([]);
    expect(unbalancedLedger('aborted', ledger(reserved, released))).toEqual([]);
  });

  it('accepts undos that found nothing to undo, on their own', () => {
    expect(
      unbalancedLedger(
        'compensated',
        ledger(['payment', 'VoidAuthorization', 'nothing-to-void'], ['payment', 'AuthorizePayment', 'refused'], reserved, released),
      ),
    ).toEqual([]);
    expect(unbalancedLedger('compensated', ledger(['inventory', 'ReleaseStock', 'nothing-to-release']))).toEqual([]);
  });

  it('finds stock reserved and never released, and a shipment left scheduled, on a compensated order', () => {
    expect(unbalancedLedger('compensated', ledger(reserved, authorized, voided))).toEqual([
      "ReserveStock 'reserved' (#1) left done on a compensated order: no ReleaseStock 'released' after it",
    ]);
    expect(unbalancedLedger('compensated', ledger(reserved, authorized, scheduled, voided, released))).toEqual([
      "ScheduleShipment 'scheduled' (#3) left done on a compensated order: no CancelShipment 'cancelled' after it",
    ]);
  });

  it('finds a reservation that came after the release that should have undone it', () => {
    expect(unbalancedLedger('compensated', ledger(['inventory', 'ReleaseStock', 'nothing-to-release'], reserved))).toEqual([
      "ReserveStock 'reserved' (#2) left done on a compensated order: no ReleaseStock 'released' after it",
    ]);
    expect(unbalancedLedger('compensated', ledger(released, reserved))).toEqual([
      "ReleaseStock 'released' (#1) undoes nothing: no ReserveStock 'reserved' before it",
      "ReserveStock 'reserved' (#2) left done on a compensated order: no ReleaseStock 'released' after it",
    ]);
  });

  it('finds an undo counted as an effect when nothing was done', () => {
    expect(unbalancedLedger('compensated', ledger(['payment', 'AuthorizePayment', 'unanswered'], voided))).toEqual([
      "VoidAuthorization 'voided' (#2) undoes nothing: no AuthorizePayment 'authorized' before it",
    ]);
  });

  it('finds a customer told about an order that was compensated', () => {
    expect(unbalancedLedger('compensated', ledger(sent))).toEqual(["customer notified (NotifyCustomer 'sent' (#1)) of a compensated order"]);
  });

  it('does not judge the balance of sagas that have not ended', () => {
    expect(unbalancedLedger('compensating', ledger(reserved))).toEqual([]);
    expect(unbalancedLedger('stuck', ledger(reserved))).toEqual([]);
  });

  it('finds a command applied twice, and an effect applied twice under two commands', () => {
    expect(doubledEffects(ledger(reserved, authorized))).toEqual([]);
    expect(doubledEffects(ledger([...reserved, 'c1'], [...reserved, 'c1']))).toEqual([
      "command c1 applied 2 times: ReserveStock 'reserved' (#1), ReserveStock 'reserved' (#2)",
      "2 × ReserveStock 'reserved': ReserveStock 'reserved' (#1), ReserveStock 'reserved' (#2)",
    ]);
    expect(doubledEffects(ledger(reserved, released, released))).toEqual([
      "2 × ReleaseStock 'released': ReleaseStock 'released' (#2), ReleaseStock 'released' (#3)",
    ]);
    // A release that found nothing, then the late reservation released: one effect each.
    expect(doubledEffects(ledger(['inventory', 'ReleaseStock', 'nothing-to-release'], reserved, released))).toEqual([]);
  });

  it('names outcomes it was not written against', () => {
    expect(unrecognisedOutcomes(ledger(reserved, ['inventory', 'ReleaseStock', 'release-refused']))).toEqual([
      "unrecognised ledger outcome ReleaseStock 'release-refused' (#2) from inventory",
    ]);
  });

  it('lets an order that should complete be compensated, but never one that should be refused complete', () => {
    expect(implausibleEnding('completes', 'compensated', [])).toEqual([]);
    expect(implausibleEnding('stock-refused', 'completed', [])).toEqual([
      "a 'stock-refused' order ended completed (plausible: compensated)",
    ]);
    expect(implausibleEnding('shipment-refused', 'compensated', ledger(scheduled))).toEqual([
      "a 'shipment-refused' order has ScheduleShipment 'scheduled' (#1)",
    ]);
  });
});
