import { Injectable } from '@nestjs/common';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, reply, type CommandContext } from '@baton/participant';
import { CancelShipment, ScheduleShipment, ShipmentCancelled, ShipmentRefused, ShipmentScheduled } from '@example/order-fulfillment-contracts';
import { ExampleSettings } from './example-settings';
import { recordEffect, standingEffects, undoing } from './ledger';

/** Countries the example carrier does not deliver to. */
export const UNSERVED_COUNTRIES = ['AQ'];

/**
 * Shipping: schedules a shipment ('scheduled', or 'refused' for an address
 * in a country the carrier does not serve) and cancels it ('cancelled', or
 * 'nothing-to-cancel' when the order has no shipment scheduled: a
 * cancellation always succeeds).
 */
@Injectable()
export class ShippingParticipant {
  constructor(private readonly settings: ExampleSettings) {}

  @HandleCommand(ScheduleShipment)
  async schedule({ orderId, address }: PayloadOf<typeof ScheduleShipment>, context: CommandContext) {
    const unserved = UNSERVED_COUNTRIES.includes(address.country);
    if (unserved || this.settings.unlucky()) {
      const reason = unserved ? `no carrier serves ${address.country}` : 'shipping refused (simulated failure)';
      recordEffect(context, orderId, 'refused', { reason });
      return reply(ShipmentRefused, { reason });
    }
    const shipmentId = `shp-${context.envelope.messageId}`;
    recordEffect(context, orderId, 'scheduled', { shipmentId });
    return reply(ShipmentScheduled, { shipmentId });
  }

  /** Cancels the order's shipment if one is scheduled: a 'scheduled' row of the ledger with no 'cancelled' after it. */
  @HandleCommand(CancelShipment)
  async cancel({ orderId }: PayloadOf<typeof CancelShipment>, context: CommandContext) {
    const shipments = await standingEffects(context, orderId, 'scheduled', 'cancelled');
    if (!shipments.length) {
      recordEffect(context, orderId, 'nothing-to-cancel', undoing(context));
      return reply(ShipmentCancelled, { cancelled: false });
    }
    const shipmentIds = shipments.map((shipment) => String(shipment.shipmentId));
    recordEffect(context, orderId, 'cancelled', { shipmentIds, ...undoing(context) });
    return reply(ShipmentCancelled, { cancelled: true, shipmentId: shipmentIds[shipmentIds.length - 1] });
  }
}
