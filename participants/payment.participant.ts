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
    const { rows } = await sql(
      context.tx,
      `SELECT 1 FROM example_ledger WHERE order_id = $1 AND command_type = 'VoidAuthorization' AND participant = $2`,
      [command.orderId, context.participant],
    );
    if (rows.length) {
      await recordEffect(context, command.orderId, 'refused', { reason: 'order already voided' });
      return reply(PaymentRefused, { reason: 'the order was voided before it could be authorized' });
    }
    if (command.paymentToken === TEST_TOKENS.unresponsive) {
      await recordEffect(context, command.orderId, 'unanswered');
      return;
    }
    if (command.paymentToken === TEST_TOKENS.declined || this.settings.unlucky()) {
      const reason = command.paymentToken === TEST_TOKENS.declined ? 'card declined' : 'payment refused (simulated failure)';
      await recordEffect(context, command.orderId, 'refused', { reason });
      return reply(PaymentRefused, { reason });
    }
    const authorizationId = `auth-${context.envelope.messageId}`;
    await recordEffect(context, command.orderId, 'authorized', { authorizationId, amountCents: command.amountCents });
    return reply(PaymentAuthorized, { authorizationId });
  }

  @HandleCommand(VoidAuthorization)
  async void({ orderId }: PayloadOf<typeof VoidAuthorization>, context: CommandContext) {
    await recordEffect(context, orderId, 'voided');
    return reply(AuthorizationVoided, { orderId });
  }
}
