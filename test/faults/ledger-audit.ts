import type { OrderScenario } from '../support/orders';

/**
 * The judge of the saga guarantee (docs/architecture.md, "Commands in
 * flight and unknown outcomes"): from the participants' example_ledger and the saga's
 * final status, whether each participant's ledger reads T1…Tn, or T1…Tj
 * followed by Cj…C1. Pure functions of rows, so they can be unit-tested on
 * ledgers written by hand.
 */

/** One row of example_ledger: an effect (or a refusal) a participant applied for a command. */
export interface LedgerRow {
  /** bigserial: the order in which the rows were written. */
  id: number;
  participant: string;
  commandId: string;
  commandType: string;
  sagaId: string;
  orderId: string;
  outcome: string;
}

/** The outcomes each command may record; anything else is reported as unrecognised. */
export const LEDGER_OUTCOMES: Readonly<Record<string, readonly string[]>> = {
  ReserveStock: ['reserved', 'refused'],
  ReleaseStock: ['released', 'nothing-to-release'],
  AuthorizePayment: ['authorized', 'refused', 'unanswered'],
  VoidAuthorization: ['voided', 'nothing-to-void'],
  ScheduleShipment: ['scheduled', 'refused'],
  CancelShipment: ['cancelled', 'nothing-to-cancel'],
  NotifyCustomer: ['sent'],
};

/** A forward effect and the effect that undoes it ('nothing-to-*' undoes nothing and needs nothing). */
interface UndoPair {
  readonly does: { readonly command: string; readonly outcome: string };
  readonly undoes: { readonly command: string; readonly outcome: string };
}

export const UNDO_PAIRS: readonly UndoPair[] = [
  { does: { command: 'ReserveStock', outcome: 'reserved' }, undoes: { command: 'ReleaseStock', outcome: 'released' } },
  { does: { command: 'AuthorizePayment', outcome: 'authorized' }, undoes: { command: 'VoidAuthorization', outcome: 'voided' } },
  { does: { command: 'ScheduleShipment', outcome: 'scheduled' }, undoes: { command: 'CancelShipment', outcome: 'cancelled' } },
];

/** Effects a saga applies at most once each: the forward steps, the notification, and each undo. */
const ONCE_PER_SAGA = [
  ...UNDO_PAIRS.flatMap((pair) => [pair.does, pair.undoes]),
  { command: 'NotifyCustomer', outcome: 'sent' },
];

/** What a completed order's ledger holds, exactly once each. */
const COMPLETED_EFFECTS = [...UNDO_PAIRS.map((pair) => pair.does), { command: 'NotifyCustomer', outcome: 'sent' }];

/** How each scenario may end: a 'completes' order may be compensated when a step gave up during an outage. */
export const PLAUSIBLE_STATUSES: Readonly<Record<OrderScenario, readonly string[]>> = {
  completes: ['completed', 'compensated'],
  'stock-refused': ['compensated'],
  'payment-refused': ['compensated'],
  'payment-times-out': ['compensated'],
  'shipment-refused': ['compensated'],
};

/** Forward effects a scenario's participants never apply (the refusal is decided by the input). */
const NEVER_APPLIED: Readonly<Record<OrderScenario, readonly string[]>> = {
  completes: [],
  'stock-refused': ['reserved'],
  'payment-refused': ['authorized'],
  'payment-times-out': ['authorized'],
  'shipment-refused': ['scheduled'],
};

const is = (row: LedgerRow, effect: { command: string; outcome: string }) =>
  row.commandType === effect.command && row.outcome === effect.outcome;

const shown = (row: LedgerRow) => `${row.commandType} '${row.outcome}' (#${row.id})`;

/** Rows whose command type or outcome the checker does not know: a contract it was not written against. */
export function unrecognisedOutcomes(rows: readonly LedgerRow[]): string[] {
  return rows
    .filter((row) => !LEDGER_OUTCOMES[row.commandType]?.includes(row.outcome))
    .map((row) => `unrecognised ledger outcome ${shown(row)} from ${row.participant}`);
}

/**
 * Commands applied twice: a command id recorded more than once, or one
 * saga's effect applied more than once (e.g. two 'reserved').
 */
export function doubledEffects(rows: readonly LedgerRow[]): string[] {
  const problems: string[] = [];
  const byCommand = new Map<string, LedgerRow[]>();
  for (const row of rows) {
    const key = `${row.participant} ${row.commandId}`;
    byCommand.set(key, [...(byCommand.get(key) ?? []), row]);
  }
  for (const same of byCommand.values()) {
    if (same.length > 1) problems.push(`command ${same[0].commandId} applied ${same.length} times: ${same.map(shown).join(', ')}`);
  }
  for (const effect of ONCE_PER_SAGA) {
    const applied = rows.filter((row) => is(row, effect));
    if (applied.length > 1) problems.push(`${applied.length} × ${effect.command} '${effect.outcome}': ${applied.map(shown).join(', ')}`);
  }
  return problems;
}

/**
 * Whether one saga's ledger balances for the status it ended with:
 * - completed: exactly one of each forward effect and the notification, nothing undone;
 * - compensated or aborted: every effect followed (in row order) by its undo,
 *   no undo counted as an effect without an effect before it, no notification.
 * Sagas in any other status are not judged here (they have not ended, or were parked).
 */
export function unbalancedLedger(status: string, rows: readonly LedgerRow[]): string[] {
  const ordered = [...rows].sort((a, b) => a.id - b.id);
  const problems: string[] = [];
  if (status === 'completed') {
    for (const effect of COMPLETED_EFFECTS) {
      const n = ordered.filter((row) => is(row, effect)).length;
      if (n !== 1) problems.push(`completed with ${n} × ${effect.command} '${effect.outcome}' (expected exactly 1)`);
    }
    for (const { undoes } of UNDO_PAIRS) {
      for (const row of ordered.filter((r) => is(r, undoes))) problems.push(`completed but undone: ${shown(row)}`);
    }
    return problems;
  }
  if (status !== 'compensated' && status !== 'aborted') return problems;
  for (const { does, undoes } of UNDO_PAIRS) {
    const open: LedgerRow[] = [];
    for (const row of ordered) {
      if (is(row, does)) open.push(row);
      else if (is(row, undoes)) {
        if (open.length) open.shift();
        else problems.push(`${shown(row)} undoes nothing: no ${does.command} '${does.outcome}' before it`);
      }
    }
    for (const row of open) problems.push(`${shown(row)} left done on a ${status} order: no ${undoes.command} '${undoes.outcome}' after it`);
  }
  for (const row of ordered.filter((r) => r.commandType === 'NotifyCustomer' && r.outcome === 'sent')) {
    problems.push(`customer notified (${shown(row)}) of a ${status} order`);
  }
  return problems;
}

/** Whether the final status and the forward effects fit what the order's input makes the participants do. */
export function implausibleEnding(scenario: OrderScenario, status: string, rows: readonly LedgerRow[]): string[] {
  const problems: string[] = [];
  if (!PLAUSIBLE_STATUSES[scenario].includes(status)) {
    problems.push(`a '${scenario}' order ended ${status} (plausible: ${PLAUSIBLE_STATUSES[scenario].join(' or ')})`);
  }
  for (const outcome of NEVER_APPLIED[scenario]) {
    for (const row of rows.filter((r) => r.outcome === outcome)) problems.push(`a '${scenario}' order has ${shown(row)}`);
  }
  return problems;
}
