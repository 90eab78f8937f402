import { handleCommand, reply } from '@baton/participant';
import { ScheduleShipment, ShipmentRefused, ShipmentScheduled } from '@baton/sagas';
import { recordEffect, unlucky, type Flakiness } from './ledger';

/** Countries the example carrier does not deliver to. */
export const UNSERVED_COUNTRIES = ['AQ'];

/** Shipping: schedules a shipment, unless the address is in a country the carrier does not serve. */
export function shippingHandlers(flakiness: Flakiness) {
  return [
    handleCommand(ScheduleShipment, async ({ orderId, address }, context) => {
      if (UNSERVED_COUNTRIES.includes(address.country) || unlucky(flakiness)) {
        const reason = UNSERVED_COUNTRIES.includes(address.country)
          ? `no carrier serves ${address.country}`
          : 'shipping refused (simulated failure)';
        await recordEffect(context, orderId, 'refused', { reason });
        return reply(ShipmentRefused, { reason });
      }
      const shipmentId = `shp-${context.envelope.messageId}`;
      await recordEffect(context, orderId, 'scheduled', { shipmentId });
      return reply(ShipmentScheduled, { shipmentId });
    }),
  ];
}
