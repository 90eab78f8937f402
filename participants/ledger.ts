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
