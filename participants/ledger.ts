import { sql } from '@baton/postgres';
import type { CommandContext } from '@baton/participant';

/** Records an applied effect in the example ledger, inside the handler's transaction. */
export async function recordEffect(
  context: CommandContext,
  orderId: string,
  outcome: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await sql(
    context.tx,
    `INSERT INTO example_ledger (participant, command_id, command_type, saga_id, order_id, outcome, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [context.participant, context.envelope.messageId, context.envelope.type, context.envelope.sagaId, orderId, outcome, JSON.stringify(details)],
  );
}
