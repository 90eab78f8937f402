import { Injectable } from '@nestjs/common';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, reply, type CommandContext } from '@baton/participant';
import { sql } from '@baton/postgres';
import { AuthorizationVoided, AuthorizePayment, PaymentAuthorized, PaymentRefused, VoidAuthorization } from '@baton/sagas';
import { ExampleSettings } from './example-settings';
import { recordEffect } from './ledger';

/** Card tokens with a fixed behaviour, for trying the failure paths. */
export const TEST_TOKENS = {
  /** Refused by the issuer. */
  declined: 'tok_declined',
  /** The gateway never answers: the saga's payment timeout fires. */
  unresponsive: 'tok_unresponsive',
} as const;

/**
 * Payment: authorizes and voids. A void may arrive before (or instead of) the
 * authorization it undoes, when the saga timed out; the authorization that
 * comes after a void is then refused, so nothing stays authorized.
 */
@Injectable()
export class PaymentParticipant {
  constructor(private readonly settings: ExampleSettings) {}

  @HandleCommand(AuthorizePayment)
  async authorize(command: PayloadOf<typeof AuthorizePayment>, context: CommandContext) {
    const refusal =
      command.paymentToken === TEST_TOKENS.declined ? 'card declined' : this.settings.unlucky() ? 'payment refused (simulated failure)' : undefined;
    const authorizationId = `auth-${context.envelope.messageId}`;
    const intended =
      command.paymentToken === TEST_TOKENS.unresponsive
        ? { outcome: 'unanswered', details: {} }
        : refusal
          ? { outcome: 'refused', details: { reason: refusal } }
          : { outcome: 'authorized', details: { authorizationId, amountCents: command.amountCents } };
    const recorded = await recordUnlessVoided(context, command.orderId, intended.outcome, intended.details);
    if (recorded === 'voided') return reply(PaymentRefused, { reason: 'the order was voided before it could be authorized' });
    if (recorded === 'unanswered') return;
    if (recorded === 'refused') return reply(PaymentRefused, { reason: refusal! });
    return reply(PaymentAuthorized, { authorizationId });
  }

  @HandleCommand(VoidAuthorization)
  async void({ orderId }: PayloadOf<typeof VoidAuthorization>, context: CommandContext) {
    recordEffect(context, orderId, 'voided');
    return reply(AuthorizationVoided, { orderId, voided: true });
  }
}

/**
 * Records an authorization's outcome, unless the order was voided before
 * (its void came first, after the saga timed out): then records a refusal
 * and answers 'voided'. The check and the record are one statement (index
 * example_ledger_order).
 */
async function recordUnlessVoided(context: CommandContext, orderId: string, outcome: string, details: Record<string, unknown>): Promise<string> {
  const { rows } = await sql<{ voided: boolean }>(
    context.tx,
    `WITH earlier AS (
       SELECT EXISTS (SELECT 1 FROM example_ledger WHERE order_id = $5 AND command_type = 'VoidAuthorization' AND participant = $1) AS voided),
     recorded AS (
       INSERT INTO example_ledger (participant, command_id, command_type, saga_id, order_id, outcome, details)
       SELECT $1, $2, $3, $4, $5,
              CASE WHEN voided THEN 'refused' ELSE $6 END,
              CASE WHEN voided THEN '{"reason":"order already voided"}'::jsonb ELSE $7::jsonb END
         FROM earlier)
     SELECT voided FROM earlier`,
    [context.participant, context.envelope.messageId, context.envelope.type, context.envelope.sagaId, orderId, outcome, JSON.stringify(details)],
  );
  return rows[0].voided ? 'voided' : outcome;
}
