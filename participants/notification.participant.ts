import { handleCommand } from '@baton/participant';
import { NotifyCustomer } from '@baton/sagas';
import { recordEffect } from './ledger';

/** Notification: "sends" the customer a message (records it). Fire and forget: no reply. */
export function notificationHandlers() {
  return [
    handleCommand(NotifyCustomer, async ({ orderId, customerId, template }, context) => {
      await recordEffect(context, orderId, 'sent', { customerId, template });
    }),
  ];
}
