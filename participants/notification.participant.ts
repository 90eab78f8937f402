import { Injectable } from '@nestjs/common';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, type CommandContext } from '@baton/participant';
import { NotifyCustomer } from '@example/order-fulfillment-contracts';
import { recordEffect } from './ledger';

/** Notification: "sends" the customer a message (records it). Fire and forget: no reply. */
@Injectable()
export class NotificationParticipant {
  @HandleCommand(NotifyCustomer)
  async notify({ orderId, customerId, template }: PayloadOf<typeof NotifyCustomer>, context: CommandContext) {
    recordEffect(context, orderId, 'sent', { customerId, template });
  }
}
