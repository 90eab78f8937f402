import { handleCommand, reply } from '@baton/participant';
import { ReleaseStock, ReserveStock, StockRefused, StockReleased, StockReserved } from '@baton/sagas';
import { recordEffect, unlucky, type Flakiness } from './ledger';

/**
 * Inventory: reserves and releases stock. A SKU that starts with "OOS-" is
 * out of stock, so an order containing one is refused.
 */
export function inventoryHandlers(flakiness: Flakiness) {
  return [
    handleCommand(ReserveStock, async ({ orderId, items }, context) => {
      const missing = items.find((item) => item.sku.startsWith('OOS-'));
      if (missing || unlucky(flakiness)) {
        const reason = missing ? `SKU ${missing.sku} is out of stock` : 'inventory refused (simulated failure)';
        await recordEffect(context, orderId, 'refused', { reason });
        return reply(StockRefused, { reason });
      }
      const reservationId = `res-${context.envelope.messageId}`;
      await recordEffect(context, orderId, 'reserved', { reservationId, items });
      return reply(StockReserved, { reservationId });
    }),
    handleCommand(ReleaseStock, async ({ orderId, reservationId }, context) => {
      await recordEffect(context, orderId, 'released', { reservationId });
      return reply(StockReleased, { reservationId });
    }),
  ];
}
