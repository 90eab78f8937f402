import { Injectable } from '@nestjs/common';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, reply, type CommandContext } from '@baton/participant';
import { ScheduleShipment, ShipmentRefused, ShipmentScheduled } from '@baton/sagas';
import { ExampleSettings } from './example-settings';
import { recordEffect } from './ledger';

/** Countries the example carrier does not deliver to. */
export const UNSERVED_COUNTRIES = ['AQ'];

/** Shipping: schedules a shipment, unless the address is in a country the carrier does not serve. */
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
}
