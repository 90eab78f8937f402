import type { CommandContext } from '@baton/participant';

/**
 * Records an applied effect in the example ledger, in the handler's
 * transaction (appended: the batch's effects go in one INSERT).
 */
export function recordEffect(context: CommandContext, orderId: string, outcome: string, details: Record<string, unknown> = {}): void {
  context.append('example_ledger', {
    participant: context.participant,
    command_id: context.envelope.messageId,
    command_type: context.envelope.type,
    saga_id: context.envelope.sagaId,
    order_id: orderId,
    outcome,
    details,
  });
}

/**
 * The details of this participant's `effect` rows for the order that no
 * `undo` row came after: what an undo would undo now. A compensation's
 * handler also sees the rows its batch appended before it (they are written
 * with its fence).
 *
 * The order's rows are read once, through example_ledger_order (order_id
 * first), and the last undo is found among them: a `max(id) ... WHERE
 * order_id = $1` on the table itself is planned as a backward walk of the
 * primary key until a row matches, which for an order with no undo is the
 * whole table.
 */
export async function standingEffects(context: CommandContext, orderId: string, effect: string, undo: string): Promise<Array<Record<string, any>>> {
  const rows = await context.tx.query<Array<{ details: Record<string, any> }>>(
    `WITH order_rows AS MATERIALIZED (
       SELECT id, outcome, details FROM example_ledger WHERE order_id = $1 AND participant = $2)
     SELECT details FROM order_rows
      WHERE outcome = $3 AND id > COALESCE((SELECT max(id) FROM order_rows WHERE outcome = $4), 0)
      ORDER BY id`,
    [orderId, context.participant, effect, undo],
  );
  return rows.map((row) => row.details);
}

/** For a compensation's ledger row: the command it undoes and whether it had taken effect here. */
export function undoing(context: CommandContext): Record<string, unknown> {
  return context.compensates ? { compensates: context.compensates.messageId, applied: context.compensates.applied } : {};
}
