import { Injectable } from '@nestjs/common';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, reply, type CommandContext } from '@baton/participant';
import { AuthorizationVoided, AuthorizePayment, PaymentAuthorized, PaymentRefused, VoidAuthorization } from '@example/order-fulfillment-contracts';
import { ExampleSettings } from './example-settings';
import { recordEffect, standingEffects, undoing } from './ledger';

/** Card tokens with a fixed behaviour, for trying the failure paths. */
export const TEST_TOKENS = {
  /** Refused by the issuer. */
  declined: 'tok_declined',
  /** The gateway never answers: the saga's payment timeout fires. */
  unresponsive: 'tok_unresponsive',
} as const;

/**
 * Payment: authorizes ('authorized', 'refused', or 'unanswered' for a gateway
 * that never answers: no reply, no effect) and voids ('voided', or
 * 'nothing-to-void' when the order has no authorization standing: a void
 * always succeeds).
 *
 * A void may come before the authorization it undoes (the saga gave up on
 * it). It used to be checked here, by order id, at every authorization: an
 * authorization after a void of its order was refused. The void's
 * `compensates` now fences that authorization, by its command id, in the
 * participant's inbox: it never runs, so the check (a read per
 * authorization, which would also have refused a later, unrelated
 * authorization of the same order id) is gone.
 */
@Injectable()
export class PaymentParticipant {
  constructor(private readonly settings: ExampleSettings) {}

  @HandleCommand(AuthorizePayment)
  async authorize(command: PayloadOf<typeof AuthorizePayment>, context: CommandContext) {
    if (command.paymentToken === TEST_TOKENS.unresponsive) {
      recordEffect(context, command.orderId, 'unanswered');
      return;
    }
    const refusal =
      command.paymentToken === TEST_TOKENS.declined ? 'card declined' : this.settings.unlucky() ? 'payment refused (simulated failure)' : undefined;
    if (refusal) {
      recordEffect(context, command.orderId, 'refused', { reason: refusal });
      return reply(PaymentRefused, { reason: refusal });
    }
    const authorizationId = `auth-${context.envelope.messageId}`;
    recordEffect(context, command.orderId, 'authorized', { authorizationId, amountCents: command.amountCents });
    return reply(PaymentAuthorized, { authorizationId });
  }

  /** Voids the order's authorization if one stands: an 'authorized' row of the ledger with no 'voided' after it. */
  @HandleCommand(VoidAuthorization)
  async void({ orderId }: PayloadOf<typeof VoidAuthorization>, context: CommandContext) {
    const authorizations = await standingEffects(context, orderId, 'authorized', 'voided');
    if (!authorizations.length) {
      recordEffect(context, orderId, 'nothing-to-void', undoing(context));
      return reply(AuthorizationVoided, { orderId, voided: false });
    }
    const authorizationIds = authorizations.map((authorization) => String(authorization.authorizationId));
    recordEffect(context, orderId, 'voided', { authorizationIds, ...undoing(context) });
    return reply(AuthorizationVoided, { orderId, voided: true });
  }
}
