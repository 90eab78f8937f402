import { Injectable } from '@nestjs/common';
import type { PayloadOf } from '@baton/core';
import { HandleCommand, reply, type CommandContext } from '@baton/participant';
import { ReleaseStock, ReserveStock, StockRefused, StockReleased, StockReserved } from '@baton/sagas';
import { ExampleSettings } from './example-settings';
import { recordEffect } from './ledger';

/**
 * Inventory: reserves and releases stock. A SKU that starts with "OOS-" is
 * out of stock, so an order containing one is refused.
 */
@Injectable()
export class InventoryParticipant {
  constructor(private readonly settings: ExampleSettings) {}

  @HandleCommand(ReserveStock)
  async reserve({ orderId, items }: PayloadOf<typeof ReserveStock>, context: CommandContext) {
    const missing = items.find((item) => item.sku.startsWith('OOS-'));
    if (missing || this.settings.unlucky()) {
      const reason = missing ? `SKU ${missing.sku} is out of stock` : 'inventory refused (simulated failure)';
      await recordEffect(context, orderId, 'refused', { reason });
      return reply(StockRefused, { reason });
    }
    const reservationId = `res-${context.envelope.messageId}`;
    await recordEffect(context, orderId, 'reserved', { reservationId, items });
    return reply(StockReserved, { reservationId });
  }

  @HandleCommand(ReleaseStock)
  async release({ orderId, reservationId }: PayloadOf<typeof ReleaseStock>, context: CommandContext) {
    await recordEffect(context, orderId, 'released', { reservationId });
    return reply(StockReleased, { reservationId });
  }
}
