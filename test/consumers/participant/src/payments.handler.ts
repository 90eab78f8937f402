import { CardCharged, CardDeclined, ChargeCard, ChargeRefunded, DECLINED_CARD, RefundCharge } from '@acme/ticketing-contracts';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, reply, type CommandContext } from '@baton/participant';
import { Injectable } from '@nestjs/common';

/** Payments: charges a card unless it is the declined test token; refunds what an order was charged. */
@Injectable()
export class PaymentsHandler {
  @HandleCommand(ChargeCard)
  async charge({ orderId, amountCents, cardToken }: PayloadOf<typeof ChargeCard>, { tx, envelope }: CommandContext) {
    if (cardToken === DECLINED_CARD) return reply(CardDeclined, { reason: 'card declined' });
    const chargeId = `ch-${envelope.messageId}`;
    await tx.query('INSERT INTO acme_charge (charge_id, order_id, amount_cents) VALUES ($1, $2, $3)', [chargeId, orderId, amountCents]);
    return reply(CardCharged, { chargeId });
  }

  @HandleCommand(RefundCharge)
  async refund({ orderId }: PayloadOf<typeof RefundCharge>, { tx }: CommandContext) {
    const standing: Array<{ charge_id: string }> = await tx.query('SELECT charge_id FROM acme_charge WHERE order_id = $1 AND NOT refunded', [orderId]);
    if (standing.length) await tx.query('UPDATE acme_charge SET refunded = true WHERE order_id = $1', [orderId]);
    return reply(ChargeRefunded, { refunded: standing.length > 0 });
  }
}
